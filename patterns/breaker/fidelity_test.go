package breaker

import (
	"testing"
	"time"
)

func setBreaker(t *testing.T, kv ...string) *Breaker {
	t.Helper()
	var c Config
	for i := 0; i < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call makes one call at now and reports it; it returns false if refused.
func call(b *Breaker, now time.Duration, ok bool, latency time.Duration) bool {
	p, err := b.Allow(now)
	if err != nil {
		return false
	}
	b.Record(now, p, ok, latency)
	return true
}

// TestDefaultTripsLikeGobreaker: gobreaker's default ReadyToTrip is
// "counts.ConsecutiveFailures > 5", so the 6th consecutive failure trips.
func TestDefaultTripsLikeGobreaker(t *testing.T) {
	b := setBreaker(t)
	for i := 1; i <= 5; i++ {
		call(b, 0, false, 0)
		if b.State(0) != Closed {
			t.Fatalf("open after %d consecutive failures; gobreaker opens after 6", i)
		}
	}
	call(b, 0, false, 0)
	if b.State(0) != Open {
		t.Fatal("still closed after 6 consecutive failures")
	}
}

// TestIntervalFollowsGobreaker: with Interval set, a closed breaker clears
// its counts when the interval has passed (gobreaker's currentState:
// expiry.Before(now), then toNewGeneration(now) sets expiry = now +
// interval), and a result from the previous generation is ignored.
func TestIntervalFollowsGobreaker(t *testing.T) {
	s := time.Second
	b := setBreaker(t, "failure_threshold", "3", "interval", "10s")
	call(b, 1*s, false, 0)
	call(b, 2*s, false, 0)
	old, _ := b.Allow(10 * s) // expiry is 10s: not before 10s, same generation
	call(b, 10*s, true, 0)    // resets the consecutive count anyway
	call(b, 10*s, false, 0)
	call(b, 10*s, false, 0)
	b.Record(11*s, old, false, 0) // a new generation began at 11s: stale
	if got := b.State(11 * s); got != Closed {
		t.Fatalf("a result from before the interval counted: %v", got)
	}
	if b.Stats().Stale != 1 {
		t.Fatalf("stale = %d, want 1", b.Stats().Stale)
	}
	// counts were cleared at 11s; the next generation expires at 21s
	call(b, 12*s, false, 0)
	call(b, 13*s, false, 0)
	call(b, 22*s, false, 0) // cleared at 22s: count 1
	if got := b.State(22 * s); got != Closed {
		t.Fatalf("counts not cleared at the second interval: %v", got)
	}
	call(b, 23*s, false, 0)
	call(b, 24*s, false, 0)
	if got := b.State(24 * s); got != Open {
		t.Fatalf("three failures within one interval did not trip: %v", got)
	}
}

// TestEvaluateOn: Resilience4j checks the rates after every recorded call;
// gobreaker calls ReadyToTrip only on a failure. Slow successes show the
// difference.
func TestEvaluateOn(t *testing.T) {
	tests := []struct {
		evaluateOn string
		wantAfter  State // after 10 slow successes
	}{
		{"every-call", Open},
		{"failure", Closed},
	}
	for _, tt := range tests {
		t.Run(tt.evaluateOn, func(t *testing.T) {
			b := setBreaker(t, "slow_call_rate_threshold", "0.5", "minimum_calls", "10", "evaluate_on", tt.evaluateOn)
			for range 10 {
				call(b, 0, true, 2*time.Second)
			}
			if got := b.State(0); got != tt.wantAfter {
				t.Fatalf("after 10 slow successes: %v, want %v", got, tt.wantAfter)
			}
			call(b, 0, false, 2*time.Second)
			if got := b.State(0); got != Open {
				t.Fatalf("after a slow failure: %v, want open", got)
			}
		})
	}
}

// TestExcludedResult: a result the breaker must not count (gobreaker's
// IsExcluded, Resilience4j's ignoreExceptions) is given back with Cancel,
// which returns a half-open probe slot as both libraries do; Abandon keeps
// the slot.
func TestExcludedResult(t *testing.T) {
	for _, tt := range []struct {
		name      string
		end       func(b *Breaker, p Permit)
		wantProbe bool
		wantState State
	}{
		{"cancel returns the probe", func(b *Breaker, p Permit) { b.Cancel(time.Second, p) }, true, HalfOpen},
		{"abandon keeps it", func(b *Breaker, p Permit) { b.Abandon(time.Second, p) }, false, Open},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := setBreaker(t, "failure_threshold", "1", "open_duration", "1s")
			call(b, 0, false, 0)
			p, err := b.Allow(time.Second)
			if err != nil {
				t.Fatal(err)
			}
			tt.end(b, p)
			if got := b.State(time.Second); got != tt.wantState {
				t.Fatalf("state %v, want %v", got, tt.wantState)
			}
			if _, err := b.Allow(time.Second); (err == nil) != tt.wantProbe {
				t.Fatalf("next probe admitted = %v, want %v", err == nil, tt.wantProbe)
			}
		})
	}
}
