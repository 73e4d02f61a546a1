package overload

import (
	"strings"
	"testing"
)

// effect is one expected direction: metric under config a compared with
// config b, over seeds 1..5, averaged. less means a's mean is lower than
// factor × b's.
type effect struct {
	name     string
	scenario string
	base     map[string]string
	a, b     []string // key, value pairs over base
	metric   string
	less     bool
	factor   float64
}

func TestEffects(t *testing.T) {
	for _, e := range []effect{
		{"timeout bounds the damage of hung calls", "timeout", map[string]string{"duration": "15s"},
			[]string{"timeout", "none"}, []string{"timeout", "auto"}, "success_rate", true, 0.5},
		{"timeout frees A's workers", "timeout", map[string]string{"duration": "15s"},
			[]string{"timeout", "auto"}, []string{"timeout", "none"}, "a_busy_max", true, 0.8},
		{"retries lift success when failures are rare", "retry-budget", map[string]string{"outage_rate": "0.1", "duration": "10s"},
			[]string{"policy", "none"}, []string{"policy", "retries"}, "success_rate", true, 0.95},
		{"retries amplify load in an outage", "retry-budget", map[string]string{"duration": "25s"},
			[]string{"policy", "none"}, []string{"policy", "retries"}, "amplification_outage", true, 0.5},
		{"a budget caps amplification in an outage", "retry-budget", map[string]string{"duration": "25s"},
			[]string{"policy", "budget"}, []string{"policy", "retries"}, "amplification_outage", true, 0.5},
		{"a retry breaker caps amplification in an outage", "retry-budget", map[string]string{"duration": "25s"},
			[]string{"policy", "breaker"}, []string{"policy", "retries"}, "amplification_outage", true, 0.5},
		{"cascade: breaker lowers A's latency", "cascade", map[string]string{"duration": "40s"},
			[]string{"breaker", "on"}, []string{"breaker", "off"}, "latency_mean_ms", true, 0.5},
		{"cascade: breaker keeps the C path up", "cascade", map[string]string{"duration": "40s"},
			[]string{"breaker", "off"}, []string{"breaker", "on"}, "c_path_success_rate", true, 0.9},
		{"bulkhead keeps checkout up", "bulkhead", map[string]string{"duration": "25s"},
			[]string{"isolation", "shared"}, []string{"isolation", "bulkhead"}, "checkout_success_rate", true, 0.9},
		{"bulkhead keeps checkout fast", "bulkhead", map[string]string{"duration": "25s"},
			[]string{"isolation", "bulkhead"}, []string{"isolation", "shared"}, "checkout_latency_p99_ms", true, 0.5},
		{"fallback keeps the product page up", "fallback", map[string]string{"duration": "25s"},
			[]string{"fallback", "off"}, []string{"fallback", "on"}, "success_rate", true, 0.9},
		{"fallback keeps the news page up", "fallback", map[string]string{"duration": "25s", "page": "news"},
			[]string{"fallback", "off"}, []string{"fallback", "on"}, "success_rate", true, 0.9},
		{"shedding keeps goodput near capacity", "load-shedding", map[string]string{"duration": "15s"},
			[]string{"shedding", "none"}, []string{"shedding", "bounded"}, "goodput_rps", true, 0.5},
		{"codel shedding keeps goodput near capacity", "load-shedding", map[string]string{"duration": "15s"},
			[]string{"shedding", "none"}, []string{"shedding", "codel"}, "goodput_rps", true, 0.5},
		{"shedding bounds the queue", "load-shedding", map[string]string{"duration": "15s"},
			[]string{"shedding", "bounded"}, []string{"shedding", "none"}, "server_queue_len_max", true, 0.1},
		{"backpressure bounds memory", "backpressure", map[string]string{"duration": "10s"},
			[]string{"bound", "on"}, []string{"bound", "off"}, "memory_bytes_max", true, 0.1},
		{"backpressure slows the producer", "backpressure", map[string]string{"duration": "10s"},
			[]string{"bound", "on"}, []string{"bound", "off"}, "produced_rps", true, 0.7},
		{"deep checks route around the broken replica", "health-check", map[string]string{"duration": "15s"},
			[]string{"check", "deep"}, []string{"check", "shallow"}, "routed_to_broken", true, 0.1},
		{"shallow checks do not help", "health-check", map[string]string{"duration": "15s"},
			[]string{"check", "shallow"}, []string{"check", "deep"}, "success_rate", true, 0.95},
		{"retries survive chaos", "chaos", map[string]string{"duration": "10s"},
			[]string{"resilience", "none"}, []string{"resilience", "retry"}, "success_rate", true, 0.9},
		{"retries cost amplification", "chaos", map[string]string{"duration": "10s"},
			[]string{"resilience", "none"}, []string{"resilience", "retry"}, "amplification", true, 0.9},
		{"fallback covers what retries cannot", "chaos", map[string]string{"duration": "10s"},
			[]string{"resilience", "retry"}, []string{"resilience", "retry+fallback"}, "success_rate", true, 1},
		{"jitter finishes before plain exponential backoff", "backoff", map[string]string{"clients": "30"},
			[]string{"backoff", "full-jitter"}, []string{"backoff", "exponential"}, "completion_ms", true, 0.7},
		{"backoff makes fewer attempts than immediate retry", "backoff", map[string]string{"clients": "30"},
			[]string{"backoff", "decorrelated-jitter"}, []string{"backoff", "none"}, "attempts", true, 0.8},
	} {
		t.Run(e.name, func(t *testing.T) {
			ma := mean(t, e.scenario, 5, with(e.base, e.a...), e.metric)[e.metric]
			mb := mean(t, e.scenario, 5, with(e.base, e.b...), e.metric)[e.metric]
			t.Logf("%s: %v → %.4g, %v → %.4g", e.metric, e.a, ma, e.b, mb)
			if e.less && !(ma < e.factor*mb) {
				t.Fatalf("%s with %v = %.4g, want < %.2g × %.4g (with %v)", e.metric, e.a, ma, e.factor, mb, e.b)
			}
		})
	}
}

func TestDeterministicAll(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]string
	}{
		{"timeout", map[string]string{"duration": "5s"}},
		{"retry-budget", map[string]string{"duration": "12s", "policy": "breaker"}},
		{"cascade", map[string]string{"duration": "15s"}},
		{"bulkhead", map[string]string{"duration": "12s"}},
		{"fallback", map[string]string{"duration": "12s"}},
		{"load-shedding", map[string]string{"duration": "5s", "shedding": "codel"}},
		{"backpressure", map[string]string{"duration": "5s"}},
		{"health-check", map[string]string{"duration": "8s"}},
		{"chaos", map[string]string{"duration": "5s"}},
		{"backoff", map[string]string{"clients": "10"}},
	} {
		t.Run(tc.name, func(t *testing.T) { deterministic(t, tc.name, tc.set) })
	}
}

// TestPipelineKeys: every scenario with a pipeline accepts its keys, and a
// bad value is rejected naming the key and what it accepts.
func TestPipelineKeys(t *testing.T) {
	res := execute(t, "retry-storm", 1, map[string]string{"breaker.failure_threshold": "3", "policy": "breaker", "duration": "30s"})
	if res.Params["breaker.failure_threshold"] != "3" {
		t.Fatalf("params %v", res.Params)
	}
	_, err := RetryStorm.Values(map[string]string{"retry.backoff": "bogus"})
	if err == nil || !strings.Contains(err.Error(), "retry.backoff") || !strings.Contains(err.Error(), "full-jitter") {
		t.Fatalf("bad key value: %v", err)
	}
	// The setting changes the run.
	a := execute(t, "chaos", 1, map[string]string{"duration": "5s"})
	b := execute(t, "chaos", 1, map[string]string{"duration": "5s", "retry.max_attempts": "1"})
	if b.Metrics["amplification"] >= a.Metrics["amplification"] {
		t.Fatalf("retry.max_attempts=1 did not lower amplification: %v vs %v", b.Metrics["amplification"], a.Metrics["amplification"])
	}
}

// TestCommonMetrics: every scenario reports the shared request metrics.
func TestCommonMetrics(t *testing.T) {
	common := []string{"requests", "succeeded", "failed", "rejected", "timed_out", "attempts", "amplification",
		"goodput_rps", "latency_mean_ms", "latency_p50_ms", "latency_p99_ms", "latency_p999_ms"}
	for _, name := range []string{"queue", "timeout", "backoff", "retry-budget", "cascade", "bulkhead", "fallback",
		"load-shedding", "backpressure", "health-check", "retry-storm", "chaos"} {
		set := map[string]string{"duration": "3s"}
		if name == "backoff" {
			set = map[string]string{"clients": "5"}
		}
		if name == "retry-storm" {
			set = map[string]string{"duration": "10s", "trigger_at": "4s", "trigger_for": "1s"}
		}
		res := execute(t, name, 1, set)
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
