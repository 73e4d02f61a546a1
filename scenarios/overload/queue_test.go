package overload

import (
	"math"
	"testing"
	"time"
)

func TestMMcResponse(t *testing.T) {
	for _, tc := range []struct {
		c      int
		lambda float64
		s      time.Duration
		want   time.Duration
	}{
		{1, 50, 10 * time.Millisecond, 20 * time.Millisecond},      // M/M/1: s/(1-ρ)
		{1, 90, 10 * time.Millisecond, 100 * time.Millisecond},     // ρ=0.9
		{2, 50, 20 * time.Millisecond, 26666667 * time.Nanosecond}, // M/M/2 ρ=0.5: s/(1-ρ²)
		{100, 1, 10 * time.Millisecond, 10 * time.Millisecond},     // no waiting
	} {
		got, ok := MMcResponse(tc.c, tc.lambda, tc.s)
		if !ok || math.Abs(float64(got-tc.want)) > 1e3 {
			t.Errorf("M/M/%d λ=%v s=%v: got %v, want %v", tc.c, tc.lambda, tc.s, got, tc.want)
		}
	}
	if _, ok := MMcResponse(1, 100, 10*time.Millisecond); ok {
		t.Error("ρ=1 reported stable")
	}
}

// TestQueueErlangC: long runs agree with the Erlang C formula within a few
// percent, for M/M/1 at ρ=0.5 and M/M/4 at ρ=0.8.
func TestQueueErlangC(t *testing.T) {
	for _, tc := range []map[string]string{
		{"workers": "1", "rate": "50", "service": "exp:10ms", "duration": "400s"},
		{"workers": "4", "rate": "160", "service": "exp:20ms", "duration": "200s"},
	} {
		m := mean(t, "queue", 3, tc, "latency_mean_ms", "theory_latency_mean_ms")
		rel := math.Abs(m["latency_mean_ms"]-m["theory_latency_mean_ms"]) / m["theory_latency_mean_ms"]
		t.Logf("%v: simulated %.3fms, Erlang C %.3fms, error %.2f%%", tc, m["latency_mean_ms"], m["theory_latency_mean_ms"], 100*rel)
		if rel > 0.04 {
			t.Errorf("%v: simulated %.3fms vs Erlang C %.3fms (error %.1f%%)", tc, m["latency_mean_ms"], m["theory_latency_mean_ms"], 100*rel)
		}
	}
}

// TestQueueDetectsWrongService: a deterministic service time is far from
// the M/M/c formula, so the calibration can tell distributions apart.
func TestQueueConstServiceIsFaster(t *testing.T) {
	exp := mean(t, "queue", 3, map[string]string{"workers": "1", "rate": "50", "service": "exp:10ms"}, "latency_mean_ms")
	cst := mean(t, "queue", 3, map[string]string{"workers": "1", "rate": "50", "service": "const:10ms"}, "latency_mean_ms")
	// M/D/1 waits half as long as M/M/1: 15ms against 20ms.
	if !(cst["latency_mean_ms"] < 0.85*exp["latency_mean_ms"]) {
		t.Fatalf("M/D/1 %.2fms not clearly below M/M/1 %.2fms", cst["latency_mean_ms"], exp["latency_mean_ms"])
	}
}

func TestQueueDeterministic(t *testing.T) { deterministic(t, "queue", nil) }
