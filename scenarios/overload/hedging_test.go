package overload

import "testing"

// TestHedgingCutsTail: with spare capacity, both hedging policies cut the
// p99 far below the slow mode, for at most a few % more attempts.
func TestHedgingCutsTail(t *testing.T) {
	ms := []string{"latency_p99_ms", "amplification"}
	set := map[string]string{"duration": "10s"}
	off := mean(t, "hedging", 5, with(set, "hedge", "off"), ms...)
	for _, tc := range []struct {
		hedge  string
		maxAmp float64
	}{{"delay", 1.05}, {"p95", 1.12}} {
		m := mean(t, "hedging", 5, with(set, "hedge", tc.hedge), ms...)
		t.Logf("%s: %v (off %v)", tc.hedge, m, off)
		if !(m["latency_p99_ms"] < 0.3*off["latency_p99_ms"]) {
			t.Errorf("hedge=%s: p99 %.1fms, want < 0.3 × %.1fms", tc.hedge, m["latency_p99_ms"], off["latency_p99_ms"])
		}
		if !(m["amplification"] > 1 && m["amplification"] < tc.maxAmp) {
			t.Errorf("hedge=%s: amplification %.3f, want in (1, %.2f)", tc.hedge, m["amplification"], tc.maxAmp)
		}
	}
	if off["amplification"] != 1 {
		t.Errorf("hedge=off: amplification %v, want 1", off["amplification"])
	}
}

// TestHedgingUnderSaturation: near saturation a fixed-delay hedge is sent
// for most requests, and the duplicate work costs throughput and latency.
func TestHedgingUnderSaturation(t *testing.T) {
	ms := []string{"goodput_rps", "latency_p99_ms", "hedge_rate"}
	set := map[string]string{"duration": "10s", "users": "150"}
	off := mean(t, "hedging", 3, with(set, "hedge", "off"), ms...)
	dly := mean(t, "hedging", 3, with(set, "hedge", "delay"), ms...)
	t.Logf("off %v, delay %v", off, dly)
	if !(dly["goodput_rps"] < 0.8*off["goodput_rps"]) || !(dly["latency_p99_ms"] > off["latency_p99_ms"]) || dly["hedge_rate"] < 0.5 {
		t.Fatalf("hedging under saturation did not hurt: off %v, delay %v", off, dly)
	}
}

func TestHedgingDeterministic(t *testing.T) {
	deterministic(t, "hedging", map[string]string{"duration": "5s", "hedge": "p95"})
}
