package retry

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const ms = time.Millisecond

func TestBackoffDeterministicKinds(t *testing.T) {
	tests := []struct {
		kind Kind
		want []time.Duration // delays for n = 0..4
	}{
		{None, []time.Duration{0, 0, 0, 0, 0}},
		{Constant, []time.Duration{100 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms}},
		{Linear, []time.Duration{100 * ms, 200 * ms, 300 * ms, 400 * ms, 500 * ms}},
		{Exponential, []time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			b, err := NewBackoff(BackoffConfig{Kind: tt.kind, Base: 100 * ms, Cap: 500 * ms})
			if err != nil {
				t.Fatal(err)
			}
			for n, want := range tt.want {
				if got := b.Delay(n, 0, nil); got != want {
					t.Errorf("Delay(%d) = %v, want %v", n, got, want)
				}
			}
		})
	}
}

func TestBackoffJitterRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		kind   Kind
		jitter float64
		n      int
		prev   time.Duration
		lo, hi time.Duration
	}{
		{FullJitter, 0, 2, 0, 0, 400 * ms},
		{EqualJitter, 0, 2, 0, 200 * ms, 400 * ms},
		{DecorrelatedJitter, 0, 0, 0, 100 * ms, 300 * ms},
		{DecorrelatedJitter, 0, 3, 300 * ms, 100 * ms, 900 * ms},
		{DecorrelatedJitter, 0, 3, 5 * time.Second, 100 * ms, time.Second},
		{Constant, 0.5, 0, 0, 50 * ms, 150 * ms},
		{Exponential, 0.1, 1, 0, 180 * ms, 220 * ms},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.kind, tt.n), func(t *testing.T) {
			b, err := NewBackoff(BackoffConfig{Kind: tt.kind, Base: 100 * ms, Cap: time.Second, Jitter: tt.jitter})
			if err != nil {
				t.Fatal(err)
			}
			seenLow, seenHigh := false, false
			mid := (tt.lo + tt.hi) / 2
			for range 2000 {
				d := b.Delay(tt.n, tt.prev, rng)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("delay %v outside [%v, %v]", d, tt.lo, tt.hi)
				}
				seenLow = seenLow || d < mid
				seenHigh = seenHigh || d > mid
			}
			if !seenLow || !seenHigh {
				t.Fatalf("delays do not spread over [%v, %v]", tt.lo, tt.hi)
			}
		})
	}
}

func TestBackoffValidate(t *testing.T) {
	tests := []struct {
		cfg     BackoffConfig
		wantErr string
	}{
		{BackoffConfig{}, ""},
		{BackoffConfig{Base: time.Second, Cap: 100 * ms}, "base: must be <= cap (100ms), got 1s"},
		{BackoffConfig{Base: 20 * time.Second}, "base: must be <= cap (10s), got 20s"},
		{BackoffConfig{Multiplier: 0.5}, "multiplier: must be in [1, 1000], got 0.5"},
		{BackoffConfig{Jitter: 2}, "jitter: must be in [0, 1], got 2"},
		{BackoffConfig{Kind: "fulljitter"}, `kind: unknown value "fulljitter" (accepted: none, constant, linear, exponential, full-jitter, equal-jitter, decorrelated-jitter)`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.wantErr {
			t.Errorf("%+v: got %q, want %q", tt.cfg, got, tt.wantErr)
		}
	}
}

// Backoff delays are never negative and never exceed the cap.
func TestBackoffBoundsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capD := time.Duration(rapid.Int64Range(1, int64(time.Hour)).Draw(t, "cap"))
		cfg := BackoffConfig{
			Kind:       Kind(rapid.SampledFrom(Kinds).Draw(t, "kind")),
			Base:       time.Duration(rapid.Int64Range(1, int64(capD)).Draw(t, "base")),
			Cap:        capD,
			Multiplier: rapid.Float64Range(1, 10).Draw(t, "multiplier"),
			Jitter:     rapid.Float64Range(0, 1).Draw(t, "jitter"),
		}
		b, err := NewBackoff(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
		prev := time.Duration(0)
		for n := range rapid.IntRange(1, 80).Draw(t, "n") {
			d := b.Delay(n, prev, rng)
			if d < 0 || d > cfg.Cap {
				t.Fatalf("Delay(%d) = %v outside [0, %v]", n, d, cfg.Cap)
			}
			prev = d
		}
	})
}

func TestPolicyNext(t *testing.T) {
	p, err := New(Config{MaxAttempts: 3, MaxRetryAfter: time.Second, Backoff: BackoffConfig{Kind: Constant, Base: 50 * ms}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		attempts int
		o        Outcome
		want     Decision
	}{
		{"success", 1, Outcome{OK: true}, Decision{Reason: ReasonSuccess}},
		{"timeout retried", 1, Outcome{Class: Timeout}, Decision{Retry: true, Delay: 50 * ms}},
		{"invalid not retried", 1, Outcome{Class: Invalid}, Decision{Reason: ReasonNotRetryable}},
		{"rejected not retried", 1, Outcome{Class: Rejected}, Decision{Reason: ReasonNotRetryable}},
		{"max attempts counts first call", 3, Outcome{Class: Timeout}, Decision{Reason: ReasonMaxAttempts}},
		{"retry-after honoured", 1, Outcome{Class: Overloaded, RetryAfter: 700 * ms}, Decision{Retry: true, Delay: 700 * ms}},
		{"retry-after too long", 1, Outcome{Class: Overloaded, RetryAfter: 2 * time.Second}, Decision{Reason: ReasonRetryAfterMax}},
		{"pushback stops", 1, Outcome{Class: Overloaded, RetryAfter: -1}, Decision{Reason: ReasonPushback}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Next(tt.attempts, 0, tt.o, nil); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIgnoreRetryAfter(t *testing.T) {
	var c Config
	if err := c.Set("honor_retry_after", "false"); err != nil {
		t.Fatal(err)
	}
	c.Backoff.Kind = Constant
	p, _ := New(c)
	got := p.Next(1, 0, Outcome{Class: Overloaded, RetryAfter: 5 * time.Second}, nil)
	if !got.Retry || got.Delay != DefaultBase {
		t.Fatalf("got %+v, want backoff delay %v", got, DefaultBase)
	}
}

func TestSet(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{{"max_attempts", "5"}, {"retry_on", "timeout,internal"}, {"backoff", "full-jitter"}, {"max_retry_after", "2s"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if c.MaxAttempts != 5 || len(c.RetryOn) != 2 || c.Backoff.Kind != FullJitter || c.MaxRetryAfter != 2*time.Second {
		t.Fatalf("got %+v", c)
	}
	err := c.Set("backoff", "fulljitter")
	want := `backoff: unknown value "fulljitter" (accepted: none, constant, linear, exponential, full-jitter, equal-jitter, decorrelated-jitter)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if err := c.Set("max_attempts", "0"); err == nil {
		t.Fatal("max_attempts=0 accepted")
	}
	if err := c.Set("retry_on", "timeout,bogus"); err == nil {
		t.Fatal("bogus class accepted")
	}
	var b BackoffConfig
	if err := b.Set("jitter", "1.5"); err == nil {
		t.Fatal("jitter 1.5 accepted")
	}
}

// The same seed gives the same delays.
func TestBackoffDeterminism(t *testing.T) {
	run := func() []time.Duration {
		rng := rand.New(rand.NewPCG(7, 7))
		var out []time.Duration
		for _, k := range Kinds {
			b, _ := NewBackoff(BackoffConfig{Kind: Kind(k), Jitter: 0.3})
			prev := time.Duration(0)
			for n := range 10 {
				prev = b.Delay(n, prev, rng)
				out = append(out, prev)
			}
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("runs differ:\n%v\n%v", a, b)
	}
}

func Example() {
	p, _ := New(Config{MaxAttempts: 4, Backoff: BackoffConfig{Kind: Exponential, Base: 100 * time.Millisecond}})
	attempts, prev := 1, time.Duration(0)
	for {
		d := p.Next(attempts, prev, Outcome{Class: Timeout}, nil)
		if !d.Retry {
			fmt.Println("stop:", d.Reason)
			break
		}
		fmt.Println("attempt", attempts, "failed; wait", d.Delay)
		attempts, prev = attempts+1, d.Delay
	}
	// Output:
	// attempt 1 failed; wait 100ms
	// attempt 2 failed; wait 200ms
	// attempt 3 failed; wait 400ms
	// stop: max-attempts
}

func ExampleBackoff_Delay() {
	b, _ := NewBackoff(BackoffConfig{Kind: FullJitter, Base: 100 * time.Millisecond, Cap: time.Second})
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 4 {
		d := b.Delay(n, 0, rng)
		fmt.Println(n, d <= min(time.Second, 100*time.Millisecond<<n))
	}
	// Output:
	// 0 true
	// 1 true
	// 2 true
	// 3 true
}
