package pipeline

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/bulkhead"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/retrybreaker"
	"github.com/faultline/faultline/patterns/throttle"
	"github.com/faultline/faultline/patterns/timeout"
)

// Outcome is the result of one attempt, as the driver reports it. A
// per-attempt timeout is reported as Outcome{Class: retry.Timeout}.
type Outcome = retry.Outcome

// Send asks the driver to send attempt number Attempt now. If Timeout > 0
// and no response has come after Timeout, the driver reports a timeout.
type Send struct {
	Attempt int
	Timeout time.Duration
	Hedge   bool
}

// Status is how a request ended.
type Status int

// The statuses.
const (
	Pending  Status = iota // not done yet
	Success                // an attempt succeeded
	Failure                // every attempt failed, no fallback applied
	Fallback               // failed, and the fallback gave a degraded result
	Rejected               // refused locally before any attempt reached the server
)

func (s Status) String() string {
	return [...]string{"pending", "success", "failure", "fallback", "rejected"}[s]
}

// Result is the end of a request.
type Result struct {
	Status   Status
	Reason   fallback.Reason // why it failed: failure, timeout, deadline, breaker-open, ...
	Detail   string          // the retry policy's or budget's reason to stop, if any
	Attempts int             // attempts started, hedges included
	Value    string          // the fallback's value, when Status is Fallback
}

// Decision is what the driver must do after a call into a Request. Send
// and Cancel may use the request's own storage: they are valid until the
// next call into the same Request, so act on them first.
type Decision struct {
	// Send lists attempts to send now, in order.
	Send []Send
	// Cancel lists attempts the request no longer waits for; their results
	// will be ignored, so the driver may drop them.
	Cancel []int
	// WakeAt, when HasWake, is when to call OnTimer next. It replaces any
	// earlier WakeAt of this request.
	WakeAt  time.Duration
	HasWake bool
	// Wake lists other requests of the same Pipeline that must get
	// OnTimer(now) now (a bulkhead slot freed up for them).
	Wake []*Request
	// Done is set when the request has ended; Result says how.
	Done   bool
	Result Result
}

// Pipeline holds the state shared by the requests of one client: breaker,
// bulkhead, budget, throttle, hedge latencies. It is not safe for
// concurrent use.
type Pipeline struct {
	cfg      Config
	rng      *rand.Rand
	retry    *retry.Policy
	budget   *budget.Budget
	rb       *retrybreaker.Breaker
	hedger   *hedge.Hedger
	throttle *throttle.Throttle
	breaker  *breaker.Breaker
	bulkhead *bulkhead.Bulkhead
	fallback *fallback.Fallback
	timeout  timeout.Config

	nextID  uint64
	waiting map[bulkhead.Ticket]*Request // looked up only, never ranged over
}

// New builds a pipeline from cfg. rng feeds backoff jitter and the
// throttle; it may be nil only if neither needs it.
func New(cfg Config, rng *rand.Rand) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, rng: rng, waiting: map[bulkhead.Ticket]*Request{}}
	var err error
	if cfg.Retry != nil {
		if p.retry, err = retry.New(*cfg.Retry); err != nil {
			return nil, err
		}
	}
	if cfg.Budget != nil {
		if p.budget, err = budget.New(*cfg.Budget); err != nil {
			return nil, err
		}
	}
	if cfg.RetryBreaker != nil {
		if p.rb, err = retrybreaker.New(*cfg.RetryBreaker); err != nil {
			return nil, err
		}
	}
	if cfg.Hedge != nil {
		if p.hedger, err = hedge.New(*cfg.Hedge); err != nil {
			return nil, err
		}
	}
	if cfg.Throttle != nil {
		if p.throttle, err = throttle.New(*cfg.Throttle); err != nil {
			return nil, err
		}
	}
	if cfg.Breaker != nil {
		if p.breaker, err = breaker.New(*cfg.Breaker); err != nil {
			return nil, err
		}
	}
	if cfg.Bulkhead != nil {
		if p.bulkhead, err = bulkhead.New(*cfg.Bulkhead); err != nil {
			return nil, err
		}
	}
	if cfg.Fallback != nil {
		if p.fallback, err = fallback.New(*cfg.Fallback); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout != nil {
		p.timeout = *cfg.Timeout
	}
	return p, nil
}

// Breaker returns the shared breaker, or nil when that stage is off. The
// other accessors work the same way; they are for metrics.
func (p *Pipeline) Breaker() *breaker.Breaker { return p.breaker }

// Bulkhead returns the shared bulkhead, or nil.
func (p *Pipeline) Bulkhead() *bulkhead.Bulkhead { return p.bulkhead }

// Budget returns the shared retry budget, or nil.
func (p *Pipeline) Budget() *budget.Budget { return p.budget }

// RetryBreaker returns the shared retry breaker, or nil.
func (p *Pipeline) RetryBreaker() *retrybreaker.Breaker { return p.rb }

// Throttle returns the shared throttle, or nil.
func (p *Pipeline) Throttle() *throttle.Throttle { return p.throttle }

// retryableOrPushback says whether a failure counts against the retry
// budget. gRFC A6 charges only a retryable status or server pushback: a
// malformed request says nothing about the server's health.
func (p *Pipeline) retryableOrPushback(o Outcome) bool {
	if o.RetryAfter != 0 {
		return true
	}
	if p.retry != nil {
		return p.retry.Retryable(o.Class)
	}
	return slices.Contains(retry.DefaultRetryOn, o.Class)
}

// accepted says whether the server took the request in, for the throttle.
func accepted(o Outcome) bool {
	if o.OK {
		return true
	}
	switch o.Class {
	case retry.Overloaded, retry.Unavailable, retry.Timeout:
		return false
	}
	return true
}

// reasonOf maps an attempt's failure to a fallback reason.
func reasonOf(o Outcome) fallback.Reason {
	if o.Class == retry.Timeout {
		return fallback.Timeout
	}
	return fallback.Failure
}
