package overload

import "testing"

// TestRetryBreakerPolicy: Brooker's breaker on retries keeps sending first
// tries in an outage (amplification about 1, where a breaker on calls sends
// almost nothing) and retries far less than plain retries; at a low failure
// rate it still retries some.
func TestRetryBreakerPolicy(t *testing.T) {
	outage := map[string]string{"duration": "25s"}
	rb := mean(t, "retry-budget", 5, with(outage, "policy", "retry-breaker"), "amplification_outage")["amplification_outage"]
	plain := mean(t, "retry-budget", 5, with(outage, "policy", "retries"), "amplification_outage")["amplification_outage"]
	calls := mean(t, "retry-budget", 5, with(outage, "policy", "breaker"), "amplification_outage")["amplification_outage"]
	t.Logf("amplification_outage: retry-breaker %.3f, retries %.3f, breaker %.3f", rb, plain, calls)
	if !(rb >= 0.99 && rb < 0.5*plain && rb > 5*calls) {
		t.Fatalf("retry-breaker amplification %.3f: want >= 0.99, < half of retries (%.3f) and well above a breaker on calls (%.3f)", rb, plain, calls)
	}
	deterministic(t, "retry-budget", map[string]string{"duration": "12s", "policy": "retry-breaker"})
}
