package pipeline

import (
	"strings"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/bulkhead"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/params"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/retrybreaker"
	"github.com/faultline/faultline/patterns/throttle"
	"github.com/faultline/faultline/patterns/timeout"
)

// Config turns stages on and sets them. A nil stage is off. The zero
// Config is a plain call: one attempt, no timeout, nothing else.
type Config struct {
	Fallback *fallback.Config
	Retry    *retry.Config // includes the backoff ("backoff." keys)
	Budget   *budget.Config
	// RetryBreaker stops retries (not first tries) while the recent
	// failure rate is high, as in Brooker's "circuit breaker on retries".
	RetryBreaker *retrybreaker.Config
	Hedge        *hedge.Config
	Throttle     *throttle.Config
	Breaker      *breaker.Config
	Bulkhead     *bulkhead.Config
	Timeout      *timeout.Config
}

// settable is what every stage's Config offers.
type settable interface {
	Set(key, value string) error
	Params() []params.Param
}

// stage names one stage and reaches its Config inside c, allocating it when
// alloc is true.
type stage struct {
	prefix string
	help   string
	get    func(c *Config, alloc bool) settable
	off    func(c *Config)
}

var stages = []stage{
	{"fallback.", "degraded result when the request fails", func(c *Config, a bool) settable {
		if c.Fallback == nil && a {
			c.Fallback = &fallback.Config{}
		}
		return nilOr(c.Fallback)
	}, func(c *Config) { c.Fallback = nil }},
	{"retry.", "retries with backoff", func(c *Config, a bool) settable {
		if c.Retry == nil && a {
			c.Retry = &retry.Config{}
		}
		return nilOr(c.Retry)
	}, func(c *Config) { c.Retry = nil }},
	{"backoff.", "the retry stage's backoff (turns retry on)", func(c *Config, a bool) settable {
		if c.Retry == nil && a {
			c.Retry = &retry.Config{}
		}
		if c.Retry == nil {
			return nil
		}
		return &c.Retry.Backoff
	}, func(c *Config) { c.Retry = nil }},
	{"budget.", "retry budget, hedges included", func(c *Config, a bool) settable {
		if c.Budget == nil && a {
			c.Budget = &budget.Config{}
		}
		return nilOr(c.Budget)
	}, func(c *Config) { c.Budget = nil }},
	{"retry_breaker.", "retry breaker (stops retries, not calls, while failures are frequent)", func(c *Config, a bool) settable {
		if c.RetryBreaker == nil && a {
			c.RetryBreaker = &retrybreaker.Config{}
		}
		return nilOr(c.RetryBreaker)
	}, func(c *Config) { c.RetryBreaker = nil }},
	{"hedge.", "hedged attempts", func(c *Config, a bool) settable {
		if c.Hedge == nil && a {
			c.Hedge = &hedge.Config{}
		}
		return nilOr(c.Hedge)
	}, func(c *Config) { c.Hedge = nil }},
	{"throttle.", "client-side adaptive throttling", func(c *Config, a bool) settable {
		if c.Throttle == nil && a {
			c.Throttle = &throttle.Config{}
		}
		return nilOr(c.Throttle)
	}, func(c *Config) { c.Throttle = nil }},
	{"breaker.", "circuit breaker", func(c *Config, a bool) settable {
		if c.Breaker == nil && a {
			c.Breaker = &breaker.Config{}
		}
		return nilOr(c.Breaker)
	}, func(c *Config) { c.Breaker = nil }},
	{"bulkhead.", "concurrency limit", func(c *Config, a bool) settable {
		if c.Bulkhead == nil && a {
			c.Bulkhead = &bulkhead.Config{}
		}
		return nilOr(c.Bulkhead)
	}, func(c *Config) { c.Bulkhead = nil }},
	{"timeout.", "per-attempt timeout and overall deadline", func(c *Config, a bool) settable {
		if c.Timeout == nil && a {
			c.Timeout = &timeout.Config{}
		}
		return nilOr(c.Timeout)
	}, func(c *Config) { c.Timeout = nil }},
}

// nilOr keeps a nil *T from becoming a non-nil interface.
func nilOr[T any, P interface {
	*T
	settable
}](p P) settable {
	if p == nil {
		return nil
	}
	return p
}

// Set sets one parameter by its full key, e.g. "breaker.failure_threshold".
// Setting any key of a stage turns that stage on; "STAGE.enabled=false"
// turns it off again ("backoff." keys belong to the retry stage).
func (c *Config) Set(key, value string) error {
	for _, s := range stages {
		sub, ok := strings.CutPrefix(key, s.prefix)
		if !ok {
			continue
		}
		if sub == "enabled" && s.prefix != "backoff." {
			on, err := params.Bool(key, value)
			if err != nil {
				return err
			}
			if on {
				s.get(c, true)
			} else {
				s.off(c)
			}
			return nil
		}
		return params.WithPrefix(s.prefix, s.get(c, true).Set(sub, value))
	}
	return params.UnknownKey(key, c.Params())
}

// Params lists every key with its prefix, stage by stage in pipeline order.
// The defaults are those a stage uses once it is on; every stage is off
// until one of its keys is set.
func (c *Config) Params() []params.Param {
	var out []params.Param
	var probe Config
	for _, s := range stages {
		if s.prefix != "backoff." {
			out = append(out, params.Param{Name: s.prefix + "enabled", Default: "false", Help: "turn on the " + s.help + " stage (setting any of its keys does too)"})
		}
		out = append(out, params.Prefixed(s.prefix, s.get(&probe, true).Params())...)
	}
	return out
}

// Validate checks every stage that is on.
func (c Config) Validate() error {
	for _, s := range stages {
		if s.prefix == "backoff." {
			continue // validated with retry
		}
		v, ok := s.get(&c, false).(interface{ Validate() error })
		if !ok {
			continue
		}
		if err := v.Validate(); err != nil {
			return params.WithPrefix(s.prefix, err)
		}
	}
	return nil
}
