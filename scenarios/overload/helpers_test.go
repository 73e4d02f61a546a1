package overload

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// byName is the package's scenarios, so tests can name them.
var byName = scenarios.MustCatalog(Queue, Timeout, Backoff, RetryBudget, Cascade, Bulkhead, Fallback,
	LoadShedding, Backpressure, HealthCheck, RetryStorm, Chaos, Hedging, RateLimit, Throttle)

// execute runs scenario name once and fails the test on a bad status.
func execute(t *testing.T, name string, seed uint64, set map[string]string) *scenarios.Result {
	t.Helper()
	s, v, err := byName.Prepare(name, set)
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Execute(s, v, seed, scenarios.Options{})
	if res.Status != scenarios.StatusOK && res.Status != scenarios.StatusUnknown {
		t.Fatalf("%s seed %d %v: status %s %s %v", name, seed, set, res.Status, res.Error, res.Checks)
	}
	return res
}

// mean runs scenario name over seeds 1..n and averages the named metrics.
func mean(t *testing.T, name string, n int, set map[string]string, metrics ...string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		res := execute(t, name, seed, set)
		for _, m := range metrics {
			v, ok := res.Metrics[m]
			if !ok {
				t.Fatalf("%s: no metric %s", name, m)
			}
			out[m] += v / float64(n)
		}
	}
	return out
}

// deterministic runs a scenario twice per seed and compares trace hashes.
func deterministic(t *testing.T, name string, set map[string]string) {
	t.Helper()
	for seed := uint64(1); seed <= 3; seed++ {
		a := execute(t, name, seed, set)
		b := execute(t, name, seed, set)
		if a.TraceHash != b.TraceHash || a.Events != b.Events {
			t.Fatalf("%s seed %d: hash %s then %s", name, seed, a.TraceHash, b.TraceHash)
		}
	}
	if execute(t, name, 1, set).TraceHash == execute(t, name, 2, set).TraceHash {
		t.Fatalf("%s: seeds 1 and 2 give the same trace", name)
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
