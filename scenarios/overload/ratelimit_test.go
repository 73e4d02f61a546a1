package overload

import (
	"testing"
	"time"
)

// TestRateLimitSpike: through a 3× spike, a bursty limiter keeps admitted
// calls fast and goodput at the limit, and rejects the excess at once;
// without a limiter the server saturates, latency reaches the timeout and
// goodput collapses until after the spike.
func TestRateLimitSpike(t *testing.T) {
	ms := []string{"ok_latency_p99_ms", "goodput_before_rps", "goodput_spike_rps", "goodput_after_rps", "rejected_latency_mean_ms", "reject_fraction_before", "server_queue_len_max"}
	set := map[string]string{"duration": "25s", "spike_at": "5s", "spike_for": "8s"}
	none := mean(t, "rate-limit", 5, with(set, "limiter", "none"), ms...)
	bursty := mean(t, "rate-limit", 5, with(set, "limiter", "bursty"), ms...)
	t.Logf("none %v\nbursty %v", none, bursty)
	if !(bursty["ok_latency_p99_ms"] < 0.3*none["ok_latency_p99_ms"]) {
		t.Errorf("admitted p99 %.1fms with the limiter, want < 0.3 × %.1fms", bursty["ok_latency_p99_ms"], none["ok_latency_p99_ms"])
	}
	if g := bursty["goodput_spike_rps"]; g < 180 || g > 210 {
		t.Errorf("goodput in the spike %.1f/s with a limit of 200/s, want near the limit", g)
	}
	if !(none["goodput_spike_rps"] < 0.5*bursty["goodput_spike_rps"]) || !(none["goodput_after_rps"] < 0.5*none["goodput_before_rps"]) {
		t.Errorf("no collapse without a limiter: %v", none)
	}
	if bursty["rejected_latency_mean_ms"] > 5 || bursty["reject_fraction_before"] > 0.01 {
		t.Errorf("bursty limiter: rejections slow or rejecting below the limit: %v", bursty)
	}
	if !(bursty["server_queue_len_max"] < 0.1*none["server_queue_len_max"]) {
		t.Errorf("queue %v with the limiter, %v without", bursty["server_queue_len_max"], none["server_queue_len_max"])
	}
}

// TestRateLimitSmoothRejectsPoisson: a bucket of one token rejects a
// good part of Poisson arrivals that average below the limit.
func TestRateLimitSmoothRejectsPoisson(t *testing.T) {
	m := mean(t, "rate-limit", 3, map[string]string{"duration": "12s", "spike_at": "10s", "spike_for": "1s", "limiter": "smooth"}, "reject_fraction_before")
	// Admitted rate 1/(1/limit + 1/rate) = 85.7/s of 150/s: 43% rejected.
	if f := m["reject_fraction_before"]; f < 0.35 || f > 0.5 {
		t.Fatalf("smooth limiter rejected %.3f of arrivals at 150/s under a limit of 200/s, want ≈ 0.43", f)
	}
}

func TestWithinLimit(t *testing.T) {
	for _, tc := range []struct {
		admitted float64
		ok       bool
	}{{0, true}, {220, true}, {221, false}} {
		if got := withinLimit("c", tc.admitted, 200, time.Second, 20); got.OK() != tc.ok {
			t.Errorf("admitted %v: ok %v, want %v (%s)", tc.admitted, got.OK(), tc.ok, got.Detail)
		}
	}
}

func TestRateLimitDeterministic(t *testing.T) {
	deterministic(t, "rate-limit", map[string]string{"duration": "8s", "spike_at": "2s", "spike_for": "3s"})
}
