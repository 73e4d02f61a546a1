package overload

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

// The scenarios once built their pipelines from key=value pairs through
// Config.Set. Each test here keeps the pairs a scenario used and checks,
// for every variant and a few parameter values, that the typed Config it
// builds now is the same, so no run or trace hash can change.

// choices lists the values a scenario's parameter accepts.
func choices(t *testing.T, sc *scenarios.Scenario, name string) []string {
	t.Helper()
	for _, p := range sc.Declared() {
		if p.Name == name {
			if len(p.Choices) == 0 {
				t.Fatalf("%s: parameter %s has no choices", sc.Name, name)
			}
			return p.Choices
		}
	}
	t.Fatalf("%s: no parameter %s", sc.Name, name)
	return nil
}

// durations are parameter values to try, 0 included: Set stores an
// explicit 0 as -1 for some keys.
var durations = []time.Duration{0, 10 * time.Millisecond, 150 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 1500 * time.Millisecond, 30 * time.Second}

func sameConfig(t *testing.T, what string, got, want *pipeline.Config) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n typed %s\n pairs %s", what, show(got), show(want))
	}
}

// show prints a Config with its stages, not their addresses.
func show(c *pipeline.Config) string {
	return fmt.Sprintf("retry=%+v budget=%+v breaker=%+v retry_breaker=%+v hedge=%+v throttle=%+v bulkhead=%+v timeout=%+v fallback=%+v",
		c.Retry, c.Budget, c.Breaker, c.RetryBreaker, c.Hedge, c.Throttle, c.Bulkhead, c.Timeout, c.Fallback)
}

// mustSet builds a pipeline config from key=value pairs, as the scenarios
// did; a bad pair is a bug in the test.
func mustSet(kv ...string) *pipeline.Config {
	var c pipeline.Config
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			panic(err)
		}
	}
	return &c
}

func stormPairs(policy string, timeout, deadline time.Duration) *pipeline.Config {
	kv := []string{
		"retry.max_attempts", "3", "retry.backoff", "none",
		"timeout.per_attempt", timeout.String(), "timeout.overall", deadline.String(),
	}
	switch policy {
	case "budget":
		kv = append(kv, "budget.kind", "token")
	case "breaker":
		kv = append(kv, "breaker.failure_rate_threshold", "0.5", "breaker.window_size", "20",
			"breaker.minimum_calls", "10", "breaker.open_duration", "2s", "breaker.half_open_probes", "3")
	case "backoff":
		kv = append(kv, "retry.backoff", "equal-jitter", "backoff.base", timeout.String(), "backoff.cap", "10s")
	}
	return mustSet(kv...)
}

func TestStormPipelineIsThePairs(t *testing.T) {
	for _, policy := range choices(t, RetryStorm, "policy") {
		for _, to := range durations {
			for _, dl := range []time.Duration{0, 1500 * time.Millisecond, 3 * time.Second} {
				sameConfig(t, fmt.Sprintf("policy=%s timeout=%v deadline=%v", policy, to, dl),
					stormPipeline(policy, to, dl), stormPairs(policy, to, dl))
			}
		}
	}
}

func TestTimeoutPipelineIsThePairs(t *testing.T) {
	for _, to := range durations {
		var kv []string
		if to > 0 {
			kv = []string{"timeout.per_attempt", to.String()}
		}
		sameConfig(t, fmt.Sprintf("timeout=%v", to), timeoutPipeline(to), mustSet(kv...))
	}
}

func TestBulkheadPipelineIsThePairs(t *testing.T) {
	for _, isolation := range choices(t, Bulkhead, "isolation") {
		for _, workers := range []int{3, 5, 30, 31, 10000} {
			kv := []string{"timeout.per_attempt", "5s"}
			if isolation == "bulkhead" {
				kv = append(kv, "bulkhead.max_concurrent", strconv.Itoa(workers/3))
			}
			sameConfig(t, fmt.Sprintf("isolation=%s workers=%d", isolation, workers),
				bulkheadPipeline(isolation, workers), mustSet(kv...))
		}
	}
}

func TestThrottlePipelineIsThePairs(t *testing.T) {
	for _, retries := range []int{0, 1, 3, 20} {
		for _, k := range []string{"0", "1", "1.1", "2", "2.5", "100"} {
			attempts := retries + 1
			kv := []string{"timeout.per_attempt", "1s", "retry.max_attempts", strconv.Itoa(attempts),
				"retry.backoff", "full-jitter", "backoff.base", "50ms", "backoff.cap", "1s"}
			kf, err := strconv.ParseFloat(k, 64)
			if err != nil {
				t.Fatal(err)
			}
			if kf > 0 {
				kv = append(kv, "throttle.k", k)
			}
			sameConfig(t, fmt.Sprintf("retries=%d k=%s", retries, k), throttlePipeline(attempts, kf), mustSet(kv...))
		}
	}
}

func TestCascadePipelineIsThePairs(t *testing.T) {
	for _, mode := range choices(t, Cascade, "breaker") {
		for _, to := range durations {
			kv := []string{"timeout.per_attempt", to.String()}
			if mode == "on" {
				kv = append(kv, "breaker.failure_threshold", "5", "breaker.slow_call_rate_threshold", "0.5", "breaker.slow_call_duration", "500ms",
					"breaker.window_size", "20", "breaker.minimum_calls", "5", "breaker.open_duration", "5s")
			}
			sameConfig(t, fmt.Sprintf("breaker=%s b_timeout=%v", mode, to), cascadePipeline(mode, to), mustSet(kv...))
		}
	}
}

func retryBudgetPairs(policy string, retries int) *pipeline.Config {
	kv := []string{"timeout.per_attempt", "1s"}
	attempts := strconv.Itoa(retries + 1)
	switch policy {
	case "retries":
		kv = append(kv, "retry.max_attempts", attempts, "retry.backoff", "exponential", "backoff.base", "10ms")
	case "budget":
		kv = append(kv, "retry.max_attempts", attempts, "retry.backoff", "exponential", "backoff.base", "10ms", "budget.kind", "token")
	case "breaker":
		kv = append(kv, "retry.max_attempts", attempts, "retry.backoff", "exponential", "backoff.base", "10ms",
			"breaker.failure_rate_threshold", "0.5", "breaker.window_size", "50", "breaker.minimum_calls", "20", "breaker.open_duration", "1s")
	case "retry-breaker":
		kv = append(kv, "retry.max_attempts", attempts, "retry.backoff", "exponential", "backoff.base", "10ms",
			"retry_breaker.failure_rate_threshold", "0.1", "retry_breaker.window_size", "100")
	}
	return mustSet(kv...)
}

func TestRetryBudgetPipelineIsThePairs(t *testing.T) {
	for _, policy := range choices(t, RetryBudget, "policy") {
		for _, retries := range []int{0, 1, 3, 20} {
			sameConfig(t, fmt.Sprintf("policy=%s retries=%d", policy, retries),
				retryBudgetPipeline(policy, retries+1), retryBudgetPairs(policy, retries))
		}
	}
}

func TestChaosPipelineIsThePairs(t *testing.T) {
	for _, resilience := range choices(t, Chaos, "resilience") {
		for _, to := range durations {
			kv := []string{"timeout.per_attempt", to.String()}
			switch resilience {
			case "retry":
				kv = append(kv, "retry.max_attempts", "3", "retry.retry_on", "timeout,unavailable,overloaded,internal", "retry.backoff", "full-jitter", "backoff.base", "10ms")
			case "retry+fallback":
				kv = append(kv, "retry.max_attempts", "3", "retry.retry_on", "timeout,unavailable,overloaded,internal", "retry.backoff", "full-jitter", "backoff.base", "10ms", "fallback.value", "cached")
			}
			sameConfig(t, fmt.Sprintf("resilience=%s timeout=%v", resilience, to), chaosPipeline(resilience, to), mustSet(kv...))
		}
	}
}

func TestFallbackPipelineIsThePairs(t *testing.T) {
	for _, mode := range choices(t, Fallback, "fallback") {
		for _, page := range choices(t, Fallback, "page") {
			value := map[string]string{"product": "popular-items", "news": "comments-hidden"}[page]
			for _, to := range durations {
				kv := []string{"timeout.per_attempt", to.String()}
				if mode == "on" {
					kv = append(kv, "fallback.value", value)
				}
				sameConfig(t, fmt.Sprintf("fallback=%s page=%s dep_timeout=%v", mode, page, to),
					fallbackPipeline(mode, value, to), mustSet(kv...))
			}
		}
	}
}

func TestHedgingPipelineIsThePairs(t *testing.T) {
	for _, policy := range choices(t, Hedging, "hedge") {
		for _, d := range durations {
			var kv []string
			switch policy {
			case "delay":
				kv = []string{"hedge.delay", d.String()}
			case "p95":
				kv = []string{"hedge.delay", d.String(), "hedge.quantile", "0.95"}
			}
			sameConfig(t, fmt.Sprintf("hedge=%s hedge_delay=%v", policy, d), hedgingPipeline(policy, d), mustSet(kv...))
		}
	}
}
