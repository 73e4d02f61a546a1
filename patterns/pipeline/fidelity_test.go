package pipeline

import (
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/retry"
)

// TestTokenBudgetChargesRetryableFailuresOnly follows gRFC A6 ("Retry
// Throttling"): only a failure with a retryable status, or one carrying
// server pushback, takes a token. Malformed-request errors must not use up
// the budget a real outage needs.
func TestTokenBudgetChargesRetryableFailuresOnly(t *testing.T) {
	tests := []struct {
		name       string
		o          Outcome
		wantTokens float64
	}{
		{"non-retryable class leaves the bucket full", Outcome{Class: retry.Invalid}, 10},
		{"retryable class takes one token", Outcome{Class: retry.Unavailable}, 9},
		{"pushback takes one token even when not retryable", Outcome{Class: retry.Invalid, RetryAfter: -1}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustConfig(t, "retry.max_attempts", "1", "budget.kind", "token")
			p, err := New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := p.NewRequest()
			d := r.Start(0)
			r.OnResult(10*time.Millisecond, d.Send[0].Attempt, tt.o)
			if got := p.Budget().Balance(0); got != tt.wantTokens {
				t.Errorf("tokens = %g, want %g", got, tt.wantTokens)
			}
		})
	}
}

// TestInvalidRequestsLeaveRetriesForAnOutage is the user-visible effect: six
// malformed requests, then an outage. The outage's failures are still retried.
func TestInvalidRequestsLeaveRetriesForAnOutage(t *testing.T) {
	cfg := mustConfig(t, "retry.max_attempts", "2", "retry.backoff", "none", "budget.kind", "token")
	p, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Duration(0)
	for range 6 {
		r := p.NewRequest()
		d := r.Start(now)
		now += time.Millisecond
		r.OnResult(now, d.Send[0].Attempt, Outcome{Class: retry.Invalid})
	}
	r := p.NewRequest()
	d := r.Start(now)
	now += time.Millisecond
	d = r.OnResult(now, d.Send[0].Attempt, Outcome{Class: retry.Unavailable})
	if len(d.Send) != 1 {
		t.Fatalf("the outage's first failure was not retried: %+v", d)
	}
}

// TestRetryBreakerStopsRetriesNotCalls: Brooker's circuit breaker on
// retries. While the recent failure rate is at or above the threshold, a
// failed request is not retried, but every request still makes its first
// attempt; a plain breaker would refuse those too.
func TestRetryBreakerStopsRetriesNotCalls(t *testing.T) {
	cfg := mustConfig(t, "retry.max_attempts", "3", "retry.backoff", "none",
		"retry_breaker.failure_rate_threshold", "0.5", "retry_breaker.window_size", "4", "retry_breaker.minimum_calls", "4")
	p, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Duration(0)
	var firsts, retries int
	var last Result
	for range 10 {
		r := p.NewRequest()
		d := r.Start(now)
		for len(d.Send) > 0 {
			if d.Send[0].Attempt == 1 {
				firsts++
			} else {
				retries++
			}
			now += time.Millisecond
			d = r.OnResult(now, d.Send[0].Attempt, Outcome{Class: retry.Unavailable})
		}
		last, _ = r.Done()
	}
	if firsts != 10 {
		t.Errorf("first attempts = %d, want all 10", firsts)
	}
	// Request 1 makes 3 attempts (2 retries) and request 2 its first: 4
	// failures fill the window, and from then on nothing is retried.
	if retries != 2 {
		t.Errorf("retries = %d, want 2", retries)
	}
	if last.Detail != "retry-breaker-open" || last.Attempts != 1 {
		t.Errorf("last request: %+v, want one attempt and detail retry-breaker-open", last)
	}
}

// TestHedgeAsksTheBudget: as in gRPC, a hedge is an extra attempt that the
// retry throttle must allow; with the token bucket at or below half, the
// hedge is not sent.
func TestHedgeAsksTheBudget(t *testing.T) {
	for _, tt := range []struct {
		name      string
		failFirst int
		wantHedge bool
	}{
		{"full bucket hedges", 0, true},
		{"drained bucket does not", 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustConfig(t, "retry.max_attempts", "2", "hedge.delay", "10ms", "budget.kind", "token", "budget.max_tokens", "2")
			p, err := New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Duration(0)
			for range tt.failFirst {
				r := p.NewRequest()
				d := r.Start(now)
				now += time.Millisecond
				r.OnResult(now, d.Send[0].Attempt, Outcome{Class: retry.Unavailable})
				r.OnTimer(now + time.Second) // let any retry or hedge go, then drop it
			}
			r := p.NewRequest()
			d := r.Start(now)
			if !d.HasWake || d.WakeAt != now+10*time.Millisecond {
				t.Fatalf("no hedge timer: %+v", d)
			}
			d = r.OnTimer(d.WakeAt)
			if got := len(d.Send) == 1 && d.Send[0].Hedge; got != tt.wantHedge {
				t.Fatalf("hedge sent = %v, want %v (%+v)", got, tt.wantHedge, d)
			}
		})
	}
}
