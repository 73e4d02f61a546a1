package overload

import "testing"

// TestRetryStormMetastable: after the trigger, naive retries stay stuck at
// low goodput, and every mitigation brings goodput back near its level
// before the trigger.
func TestRetryStormMetastable(t *testing.T) {
	ms := []string{"goodput_before_rps", "goodput_after_rps", "recovered", "amplification"}
	naive := mean(t, "retry-storm", 3, map[string]string{"policy": "naive"}, ms...)
	if naive["goodput_after_rps"] > 0.3*naive["goodput_before_rps"] || naive["recovered"] > 0 {
		t.Fatalf("naive recovered: %v", naive)
	}
	for _, pol := range []string{"budget", "breaker", "backoff", "shed"} {
		m := mean(t, "retry-storm", 3, map[string]string{"policy": pol}, ms...)
		t.Logf("%s: %v (naive %v)", pol, m, naive)
		if m["goodput_after_rps"] < 0.8*m["goodput_before_rps"] || m["recovered"] < 1 {
			t.Errorf("%s did not recover: %v", pol, m)
		}
		if m["amplification"] >= naive["amplification"] {
			t.Errorf("%s amplification %.2f not below naive %.2f", pol, m["amplification"], naive["amplification"])
		}
	}
}

// TestRetryStormNoTrigger: without a trigger even naive retries are fine,
// so the collapse is caused by the trigger, not by the load.
func TestRetryStormNoTrigger(t *testing.T) {
	m := mean(t, "retry-storm", 3, map[string]string{"trigger": "none"}, "goodput_before_rps", "goodput_after_rps", "amplification")
	if m["goodput_after_rps"] < 0.9*m["goodput_before_rps"] || m["amplification"] > 1.05 {
		t.Fatalf("no trigger: %v", m)
	}
}

func TestRetryStormDeterministic(t *testing.T) {
	deterministic(t, "retry-storm", map[string]string{"policy": "breaker", "duration": "30s"})
}
