package overload

import (
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/scenarios"
)

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

func TestAttemptsBounded(t *testing.T) {
	hedged := &pipeline.Config{Hedge: &hedge.Config{MaxHedges: 2}}
	retried := &pipeline.Config{Retry: &retry.Config{MaxAttempts: 4}, Hedge: &hedge.Config{}}
	for _, tc := range []struct {
		name string
		pl   *pipeline.Config
		most int
		ok   bool
	}{
		{"plain, one attempt", &pipeline.Config{}, 1, true},
		{"plain, two attempts", &pipeline.Config{}, 2, false},
		{"two hedges", hedged, 3, true},
		{"three hedges", hedged, 4, false},
		{"retries and a hedge", retried, 5, true},
		{"one too many", retried, 6, false},
		{"default retries", &pipeline.Config{Retry: &retry.Config{}}, 4, false},
	} {
		if got := attemptsBounded(tc.pl, tc.most).OK(); got != tc.ok {
			t.Errorf("%s: ok %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// Under faults, with a bulkhead refusing hedges locally, every run ends
// (a fast clock once spun a 1 ns wake-up forever), and attempts are
// bounded as the client counts them, whatever reaches the servers.
func TestHedgingBulkheadUnderNemesis(t *testing.T) {
	set := map[string]string{"duration": "10s", "nemesis": "true", "bulkhead.enabled": "true",
		"bulkhead.max_concurrent": "4", "bulkhead.max_queue": "8"}
	for seed := range uint64(3) {
		s, v, err := byName.Prepare("hedging", set)
		if err != nil {
			t.Fatal(err)
		}
		res := scenarios.Execute(s, v, seed, scenarios.Options{})
		if res.Status != scenarios.StatusOK && res.Status != scenarios.StatusFail && res.Status != scenarios.StatusUnknown {
			t.Fatalf("seed %d: status %s: %s", seed, res.Status, res.Error)
		}
		t.Logf("seed %d: %s at %v after %d events", seed, res.Status, time.Duration(res.SimTimeNs), res.Events)
		for _, c := range res.Checks {
			if c.Name == "attempts_bounded" && !c.OK {
				t.Errorf("seed %d: %s", seed, c.Detail)
			}
		}
	}
}
