package overload

import "testing"

// extraScenarios are the scenarios whose tests live in their own files,
// with short settings.
var extraScenarios = []struct {
	name string
	set  map[string]string
}{
	{"hedging", map[string]string{"duration": "3s"}},
	{"rate-limit", map[string]string{"duration": "3s", "spike_at": "1s", "spike_for": "1s"}},
	{"throttle", map[string]string{"duration": "3s", "overload_at": "1s", "overload_for": "1s"}},
}

// TestCommonMetricsExtra: the hedging, rate-limit and throttle scenarios
// report the shared request metrics too.
func TestCommonMetricsExtra(t *testing.T) {
	common := []string{"requests", "succeeded", "failed", "rejected", "timed_out", "attempts", "amplification",
		"goodput_rps", "latency_mean_ms", "latency_p50_ms", "latency_p99_ms", "latency_p999_ms"}
	for _, sc := range extraScenarios {
		name := sc.name
		res := execute(t, name, 1, sc.set)
		for _, m := range common {
			if _, ok := res.Metrics[m]; !ok {
				t.Errorf("%s: no metric %s", name, m)
			}
		}
		if res.Metrics["requests"] == 0 {
			t.Errorf("%s: no requests", name)
		}
	}
}
