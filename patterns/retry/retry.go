package retry

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Class names what kind of failure a call had.
type Class string

// The failure classes.
const (
	Timeout     Class = "timeout"     // no answer within the attempt's timeout
	Unavailable Class = "unavailable" // connection refused, reset, node down
	Overloaded  Class = "overloaded"  // the server shed the call (429, 503)
	Internal    Class = "internal"    // the server failed while handling it (500)
	Invalid     Class = "invalid"     // the request itself is wrong (4xx); never helps to retry
	Rejected    Class = "rejected"    // refused locally: breaker open, bulkhead full, throttled
)

// Classes lists every failure class.
var Classes = []string{
	string(Timeout), string(Unavailable), string(Overloaded),
	string(Internal), string(Invalid), string(Rejected),
}

// DefaultRetryOn are the classes retried when Config.RetryOn is nil.
var DefaultRetryOn = []Class{Timeout, Unavailable, Overloaded}

// DefaultMaxAttempts is used when Config.MaxAttempts is 0.
const DefaultMaxAttempts = 3

// Outcome is the result of one attempt as the retry policy sees it.
type Outcome struct {
	OK    bool
	Class Class // the failure class when !OK
	// RetryAfter is the server's pushback: > 0 asks to wait that long before
	// the next attempt, < 0 asks not to retry, 0 says nothing.
	RetryAfter time.Duration
}

// Config sets the retry policy.
type Config struct {
	// MaxAttempts is the number of attempts in all, including the first call.
	// If MaxAttempts is 0, DefaultMaxAttempts (3) is used; 1 means no retry.
	MaxAttempts int
	// RetryOn lists the failure classes that are retried.
	// If RetryOn is nil, DefaultRetryOn (timeout, unavailable, overloaded) is used.
	RetryOn []Class
	// IgnoreRetryAfter turns off honouring the server's pushback.
	// If IgnoreRetryAfter is false, a positive RetryAfter replaces the backoff
	// delay and a negative one stops retries.
	IgnoreRetryAfter bool
	// MaxRetryAfter stops retrying when the server asks to wait longer.
	// If MaxRetryAfter is 0, any pushback is waited out.
	MaxRetryAfter time.Duration
	// Backoff sets the delay between attempts.
	Backoff BackoffConfig
}

// Params lists the keys Set accepts (without the "retry." prefix). The
// backoff's own keys are listed by Backoff.Params with the "backoff." prefix.
func (c *Config) Params() []params.Param {
	def := make([]string, len(DefaultRetryOn))
	for i, cl := range DefaultRetryOn {
		def[i] = string(cl)
	}
	return []params.Param{
		{Name: "max_attempts", Default: strconv.Itoa(DefaultMaxAttempts), Help: "attempts in all, including the first call (1 = no retry)"},
		{Name: "retry_on", Default: strings.Join(def, ","), Help: "failure classes to retry: " + strings.Join(Classes, ", ")},
		{Name: "honor_retry_after", Default: "true", Help: "wait the server's retry-after instead of the backoff"},
		{Name: "max_retry_after", Default: "0s", Help: "give up when the server asks to wait longer (0 = no limit)"},
		{Name: "backoff", Default: string(Exponential), Help: "backoff kind: " + strings.Join(Kinds, ", ")},
	}
}

// Set sets one parameter by its key (without the "retry." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "max_attempts":
		c.MaxAttempts, err = params.IntRange(key, value, 1, 1000)
	case "retry_on":
		var l []string
		l, err = params.List(key, value, Classes)
		c.RetryOn = make([]Class, len(l))
		for i, s := range l {
			c.RetryOn[i] = Class(s)
		}
	case "honor_retry_after":
		var b bool
		b, err = params.Bool(key, value)
		c.IgnoreRetryAfter = !b
	case "max_retry_after":
		c.MaxRetryAfter, err = params.Duration(key, value)
	case "backoff":
		var k string
		k, err = params.Enum(key, value, Kinds)
		c.Backoff.Kind = Kind(k)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields, the backoff's included.
func (c Config) Validate() error {
	if c.MaxAttempts < 0 {
		return params.Errorf("max_attempts", "must be >= 1, got %d", c.MaxAttempts)
	}
	for _, cl := range c.RetryOn {
		if _, err := params.Enum("retry_on", string(cl), Classes); err != nil {
			return err
		}
	}
	if c.MaxRetryAfter < 0 {
		return params.Errorf("max_retry_after", "must be >= 0, got %v", c.MaxRetryAfter)
	}
	return params.WithPrefix("backoff.", c.Backoff.Validate())
}

// Reason says why a request stops retrying.
type Reason string

// The reasons to stop.
const (
	ReasonSuccess       Reason = "success"
	ReasonNotRetryable  Reason = "not-retryable"
	ReasonMaxAttempts   Reason = "max-attempts"
	ReasonPushback      Reason = "pushback"             // the server said not to retry
	ReasonRetryAfterMax Reason = "retry-after-too-long" // the server asked for more than MaxRetryAfter
)

// Decision is what to do after an attempt.
type Decision struct {
	Retry  bool
	Delay  time.Duration // the wait before the next attempt, when Retry
	Reason Reason        // why not, when !Retry
}

// Policy is a retry policy. It holds no per-request state and may be shared.
type Policy struct {
	c       Config
	backoff Backoff
}

// New returns the policy set by c, or an error if c is invalid.
func New(c Config) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryOn == nil {
		c.RetryOn = DefaultRetryOn
	}
	b, err := NewBackoff(c.Backoff)
	if err != nil {
		return nil, err
	}
	c.Backoff = b.Config()
	return &Policy{c: c, backoff: b}, nil
}

// Config returns the configuration in use, defaults filled in.
func (p *Policy) Config() Config { return p.c }

// MaxAttempts is the attempt limit, the first call included.
func (p *Policy) MaxAttempts() int { return p.c.MaxAttempts }

// Retryable reports whether failures of class cl are retried.
func (p *Policy) Retryable(cl Class) bool { return slices.Contains(p.c.RetryOn, cl) }

// Backoff returns the backoff policy.
func (p *Policy) Backoff() Backoff { return p.backoff }

// Next decides after attempt number attempts (1 for the first call) ended with
// o. prev is the previous backoff delay (0 before the first retry).
func (p *Policy) Next(attempts int, prev time.Duration, o Outcome, rng *rand.Rand) Decision {
	switch {
	case o.OK:
		return Decision{Reason: ReasonSuccess}
	case !p.Retryable(o.Class):
		return Decision{Reason: ReasonNotRetryable}
	case !p.c.IgnoreRetryAfter && o.RetryAfter < 0:
		return Decision{Reason: ReasonPushback}
	case attempts >= p.c.MaxAttempts:
		return Decision{Reason: ReasonMaxAttempts}
	}
	if !p.c.IgnoreRetryAfter && o.RetryAfter > 0 {
		if p.c.MaxRetryAfter > 0 && o.RetryAfter > p.c.MaxRetryAfter {
			return Decision{Reason: ReasonRetryAfterMax}
		}
		return Decision{Retry: true, Delay: o.RetryAfter}
	}
	return Decision{Retry: true, Delay: p.backoff.Delay(attempts-1, prev, rng)}
}
