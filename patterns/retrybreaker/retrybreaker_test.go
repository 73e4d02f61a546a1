package retrybreaker

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// TestStopsRetryingNotCalling follows Brooker's description: retries stop
// while the recent failure rate is at or above the threshold, and start
// again once it falls.
func TestStopsRetryingNotCalling(t *testing.T) {
	b, err := New(Config{FailureRateThreshold: 0.1, WindowSize: 10, MinimumCalls: 10})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		ok        bool
		wantRetry bool
	}{
		// fewer than minimum_calls: retries allowed whatever the rate
		{false, true}, {true, true}, {true, true}, {true, true}, {true, true},
		{true, true}, {true, true}, {true, true}, {true, true},
		{true, false}, // 10 outcomes, 1 failure: 10% >= 10%
		{true, true},  // the 11th outcome pushed the failure out
		{false, false},
	}
	for i, s := range steps {
		b.Observe(s.ok)
		if got := b.AllowRetry(); got != s.wantRetry {
			t.Fatalf("step %d (rate %.2f): retry allowed = %v, want %v", i, b.FailureRate(), got, s.wantRetry)
		}
	}
}

func TestConfig(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{{"failure_rate_threshold", "0.5"}, {"window_size", "20"}, {"minimum_calls", "5"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(c); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"failure_rate_threshold", "0"}, {"failure_rate_threshold", "1.5"}, {"window_size", "0"}, {"bogus", "1"}} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("%s=%s accepted", kv[0], kv[1])
		}
	}
	if _, err := New(Config{WindowSize: 5, MinimumCalls: 6}); err == nil {
		t.Error("minimum_calls > window_size accepted")
	}
}

// TestProperty: the breaker is open exactly when the last window_size
// outcomes hold at least minimum_calls and their failure rate reaches the
// threshold (checked against a naive count).
func TestProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := rapid.IntRange(1, 20).Draw(t, "window")
		m := rapid.IntRange(1, w).Draw(t, "minimum")
		th := rapid.Float64Range(0.01, 1).Draw(t, "threshold")
		b, err := New(Config{FailureRateThreshold: th, WindowSize: w, MinimumCalls: m})
		if err != nil {
			t.Fatal(err)
		}
		var all []bool
		for range rapid.IntRange(0, 100).Draw(t, "n") {
			ok := rapid.Bool().Draw(t, "ok")
			b.Observe(ok)
			all = append(all, ok)
			last := all[max(0, len(all)-w):]
			fails := 0
			for _, o := range last {
				if !o {
					fails++
				}
			}
			want := len(last) >= m && float64(fails) >= th*float64(len(last))
			if b.Open() != want {
				t.Fatalf("open = %v, want %v (fails %d of %d)", b.Open(), want, fails, len(last))
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		b, _ := New(Config{WindowSize: 7, MinimumCalls: 3, FailureRateThreshold: 0.3})
		s := ""
		for i := range 50 {
			b.Observe(i%3 != 0 && i%5 != 0)
			s += fmt.Sprint(b.AllowRetry())
		}
		return s
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
}

func Example() {
	b, _ := New(Config{FailureRateThreshold: 0.5, WindowSize: 4, MinimumCalls: 4})
	for _, ok := range []bool{true, false, false, true} {
		b.Observe(ok)
	}
	fmt.Println("retry allowed:", b.AllowRetry(), "rate:", b.FailureRate())
	b.Observe(true)
	b.Observe(true)
	fmt.Println("retry allowed:", b.AllowRetry(), "rate:", b.FailureRate())
	// Output:
	// retry allowed: false rate: 0.5
	// retry allowed: true rate: 0.25
}
