package overload

import "testing"

// TestValidation holds the scenarios that mirror published results to what
// the sources state (docs/validation.md shows the same runs side by side with
// the sources). `make validate` runs it.
func TestValidation(t *testing.T) {
	m := func(name string, set map[string]string, metric string) float64 {
		return mean(t, name, 5, set, metric)[metric]
	}
	t.Run("AWS backoff and jitter", func(t *testing.T) {
		// "Exponential Backoff And Jitter": no jitter is the clear loser
		// in time; every jittered kind does less work than no backoff
		// and than exponential without jitter.
		base := map[string]string{"clients": "100"}
		none := m("backoff", with(base, "backoff", "none"), "attempts")
		expAtt := m("backoff", with(base, "backoff", "exponential"), "attempts")
		expTime := m("backoff", with(base, "backoff", "exponential"), "completion_ms")
		for _, kind := range []string{"full-jitter", "equal-jitter", "decorrelated-jitter"} {
			att := m("backoff", with(base, "backoff", kind), "attempts")
			ms := m("backoff", with(base, "backoff", kind), "completion_ms")
			t.Logf("%s: attempts %.0f, completion %.0f ms (exponential %.0f, %.0f ms; none %.0f)", kind, att, ms, expAtt, expTime, none)
			if !(att < expAtt && att < none/3 && ms < expTime/3) {
				t.Errorf("%s: attempts %.0f, completion %.0f ms", kind, att, ms)
			}
		}
	})
	t.Run("Brooker retries, budgets and breakers", func(t *testing.T) {
		base := map[string]string{"outage_for": "0s", "duration": "20s"}
		// N retries: 1+N times the work at a 100% failure rate.
		if a := m("retry-budget", with(base, "policy", "retries", "error_rate", "1"), "amplification"); a != 4 {
			t.Errorf("3 retries at 100%% failures: amplification %.3f, want 4", a)
		}
		for _, policy := range []string{"budget", "retry-breaker"} {
			// Like N retries when failures are rare...
			if s := m("retry-budget", with(base, "policy", policy, "error_rate", "0.05"), "success_rate"); s < 0.99 {
				t.Errorf("%s at 5%% failures: success %.3f, want about N retries' 1", policy, s)
			}
			// ...and close to no retries when they are frequent.
			if a := m("retry-budget", with(base, "policy", policy, "error_rate", "0.5"), "amplification"); a > 1.02 {
				t.Errorf("%s at 50%% failures: amplification %.3f, want about 1", policy, a)
			}
		}
	})
	t.Run("Brooker's 0.1 retries above 10% failures", func(t *testing.T) {
		// Finagle's ratio budget at 10%, the nearest to Brooker's bucket.
		set := map[string]string{"outage_for": "0s", "duration": "20s", "policy": "budget", "budget.kind": "ratio",
			"budget.percent_can_retry": "0.1", "budget.min_retries_per_sec": "0", "error_rate": "0.5"}
		if a := m("retry-budget", set, "amplification"); a < 1.08 || a > 1.12 {
			t.Errorf("ratio budget at 50%% failures: amplification %.3f, want about 1.1", a)
		}
	})
	t.Run("SRE client-side throttling", func(t *testing.T) {
		// With K=2 the backend receives about K times what it accepts,
		// and goodput stays at capacity.
		load := m("throttle", map[string]string{"k": "2"}, "backend_load_overload_rps")
		good := m("throttle", map[string]string{"k": "2"}, "goodput_overload_rps")
		off := m("throttle", map[string]string{"k": "0"}, "goodput_overload_rps")
		t.Logf("k=2: load %.1f/s for goodput %.1f/s (%.2f×); goodput without throttling %.1f/s", load, good, load/good, off)
		if load/good > 2.6 || good < 0.98*off {
			t.Errorf("k=2: load %.1f/s is %.2f× goodput %.1f/s (no throttle: %.1f/s)", load, load/good, good, off)
		}
	})
	t.Run("Erlang C", func(t *testing.T) {
		for _, w := range []string{"1", "2", "4"} {
			set := map[string]string{"workers": w, "service": "exp:10ms", "rate": "50", "duration": "200s"}
			if e := m("queue", set, "theory_error"); e > 0.05 {
				t.Errorf("M/M/%s: relative error %.3f against Erlang C", w, e)
			}
		}
	})
	t.Run("metastable failure", func(t *testing.T) {
		// Stable without a trigger; after a trigger, naive retries keep it
		// down once the trigger has gone; a mitigation lets it recover.
		calm := m("retry-storm", map[string]string{"policy": "naive", "trigger": "none"}, "goodput_after_rps")
		stuck := m("retry-storm", map[string]string{"policy": "naive"}, "goodput_after_rps")
		fixed := m("retry-storm", map[string]string{"policy": "budget"}, "goodput_after_rps")
		t.Logf("goodput after: no trigger %.1f/s, naive %.1f/s, budget %.1f/s", calm, stuck, fixed)
		if calm < 40 || stuck > 5 || fixed < 40 {
			t.Errorf("goodput after: no trigger %.1f/s, naive %.1f/s, budget %.1f/s", calm, stuck, fixed)
		}
	})
}
