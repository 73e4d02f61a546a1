package overload

import (
	"strings"
	"testing"
)

// TestThrottleCutsBackendLoad: in an overload, client-side throttling cuts
// the attempts reaching the backend and its rejections, keeps goodput at
// capacity (k=2), and a lower k cuts more.
func TestThrottleCutsBackendLoad(t *testing.T) {
	ms := []string{"backend_load_overload_rps", "backend_rejected_overload_rps", "amplification_overload", "goodput_overload_rps", "throttled"}
	set := map[string]string{"duration": "30s", "overload_at": "5s", "overload_for": "15s"}
	off := mean(t, "throttle", 5, with(set, "k", "0"), ms...)
	k2 := mean(t, "throttle", 5, with(set, "k", "2"), ms...)
	k11 := mean(t, "throttle", 5, with(set, "k", "1.1"), ms...)
	t.Logf("off %v\nk=2 %v\nk=1.1 %v", off, k2, k11)
	if !(k2["backend_load_overload_rps"] < 0.5*off["backend_load_overload_rps"]) ||
		!(k2["backend_rejected_overload_rps"] < 0.4*off["backend_rejected_overload_rps"]) {
		t.Errorf("k=2 did not cut the backend's load: %v against %v", k2, off)
	}
	if !(off["amplification_overload"] > 2) || !(k2["amplification_overload"] < 1.4) {
		t.Errorf("amplification in the overload: off %.2f, k=2 %.2f", off["amplification_overload"], k2["amplification_overload"])
	}
	if !(k2["goodput_overload_rps"] > 0.95*off["goodput_overload_rps"]) {
		t.Errorf("k=2 goodput %.1f/s, want ≈ %.1f/s", k2["goodput_overload_rps"], off["goodput_overload_rps"])
	}
	if !(k11["backend_load_overload_rps"] < k2["backend_load_overload_rps"]) || off["throttled"] != 0 || k2["throttled"] == 0 {
		t.Errorf("k=1.1 load %.1f/s not below k=2's %.1f/s, or throttled counts wrong", k11["backend_load_overload_rps"], k2["backend_load_overload_rps"])
	}
}

// TestThrottleNoOverload: below capacity, k=2 costs little: its success
// rate is within 3 points of no throttling (what it refuses, it refuses at
// its cold start, before the first accepts are counted).
func TestThrottleNoOverload(t *testing.T) {
	set := map[string]string{"duration": "15s", "overload_at": "5s", "overload_for": "5s", "load": "0.5"}
	off := mean(t, "throttle", 3, with(set, "k", "0"), "success_rate")
	k2 := mean(t, "throttle", 3, with(set, "k", "2"), "success_rate", "throttled")
	t.Logf("off %v, k=2 %v", off, k2)
	if k2["success_rate"] < off["success_rate"]-0.03 {
		t.Fatalf("k=2 below capacity: success %.3f against %.3f", k2["success_rate"], off["success_rate"])
	}
}

func TestThrottleKZeroIsOff(t *testing.T) {
	set := map[string]string{"duration": "10s", "overload_at": "2s", "overload_for": "5s", "k": "0"}
	a := execute(t, "throttle", 1, set)
	b := execute(t, "throttle", 1, with(set, "throttle.window", "10s"))
	if a.TraceHash != b.TraceHash || a.Metrics["throttled"] != 0 {
		t.Fatalf("k=0 with throttle.window set throttles: %v vs %v", a.Metrics["throttled"], b.Metrics["throttled"])
	}
	if _, err := Throttle.Values(map[string]string{"k": "0.5"}); err == nil || !strings.Contains(err.Error(), "k") {
		t.Fatal("k=0.5 accepted")
	}
}

func TestThrottleDeterministic(t *testing.T) {
	deterministic(t, "throttle", map[string]string{"duration": "10s", "overload_at": "2s", "overload_for": "5s"})
}
