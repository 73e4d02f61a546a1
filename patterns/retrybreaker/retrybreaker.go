package retrybreaker

import (
	"math"
	"strconv"

	"github.com/faultline/faultline/patterns/params"
)

// Defaults.
const (
	DefaultFailureRateThreshold = 0.1
	DefaultWindowSize           = 100
	DefaultMinimumCalls         = 10
)

// Config sets a retry breaker.
type Config struct {
	// FailureRateThreshold in (0, 1] stops retries while the window's
	// failure rate is at or above it. If it is 0, 0.1 is used.
	FailureRateThreshold float64
	// WindowSize is the attempts whose outcomes are kept. If 0, 100 is used.
	WindowSize int
	// MinimumCalls is the outcomes the window must hold before the rate
	// may stop retries. If it is 0, 10 is used (capped at WindowSize).
	MinimumCalls int
}

// Params lists the keys Set accepts (without the "retry_breaker." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "failure_rate_threshold", Default: params.FormatFloat(DefaultFailureRateThreshold), Help: "stop retrying while the recent failure rate is at least this, in (0, 1]"},
		{Name: "window_size", Default: strconv.Itoa(DefaultWindowSize), Help: "attempts whose outcomes are kept"},
		{Name: "minimum_calls", Default: strconv.Itoa(DefaultMinimumCalls), Help: "outcomes needed before the rate may stop retries (<= window_size)"},
	}
}

// Set sets one parameter by its key (without the "retry_breaker." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "failure_rate_threshold":
		c.FailureRateThreshold, err = params.FloatRange(key, value, 0.001, 1)
	case "window_size":
		c.WindowSize, err = params.IntRange(key, value, 1, 1_000_000)
	case "minimum_calls":
		c.MinimumCalls, err = params.IntRange(key, value, 1, 1_000_000)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and their relationships.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.FailureRateThreshold) || c.FailureRateThreshold < 0 || c.FailureRateThreshold > 1:
		return params.Errorf("failure_rate_threshold", "must be in (0, 1], got %g", c.FailureRateThreshold)
	case c.WindowSize < 0:
		return params.Errorf("window_size", "must be >= 1, got %d", c.WindowSize)
	case c.MinimumCalls < 0:
		return params.Errorf("minimum_calls", "must be >= 1, got %d", c.MinimumCalls)
	}
	if c.MinimumCalls > 0 && c.MinimumCalls > c.withDefaults().WindowSize {
		return params.Errorf("minimum_calls", "must be <= window_size (%d), got %d", c.withDefaults().WindowSize, c.MinimumCalls)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.FailureRateThreshold == 0 {
		c.FailureRateThreshold = DefaultFailureRateThreshold
	}
	if c.WindowSize == 0 {
		c.WindowSize = DefaultWindowSize
	}
	if c.MinimumCalls == 0 {
		c.MinimumCalls = min(DefaultMinimumCalls, c.WindowSize)
	}
	return c
}

// Breaker is a retry breaker. It is not safe for concurrent use.
type Breaker struct {
	c            Config
	ring         []bool // true: failed
	next, n      int
	fails        int
	refused      int
	allowedTotal int
}

// New returns a retry breaker set by c, or an error if c is invalid.
func New(c Config) (*Breaker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	return &Breaker{c: c, ring: make([]bool, c.WindowSize)}, nil
}

// Config returns the configuration in use, defaults filled in.
func (b *Breaker) Config() Config { return b.c }

// Observe records the outcome of one attempt, first try or retry.
func (b *Breaker) Observe(ok bool) {
	if b.n == len(b.ring) {
		if b.ring[b.next] {
			b.fails--
		}
	} else {
		b.n++
	}
	b.ring[b.next] = !ok
	if !ok {
		b.fails++
	}
	b.next = (b.next + 1) % len(b.ring)
}

// Open reports whether retries are stopped: the window holds at least
// minimum_calls outcomes and their failure rate is at or above the threshold.
func (b *Breaker) Open() bool {
	return b.n >= b.c.MinimumCalls && float64(b.fails) >= b.c.FailureRateThreshold*float64(b.n)
}

// AllowRetry asks for one retry; it is refused while the breaker is open.
func (b *Breaker) AllowRetry() bool {
	if b.Open() {
		b.refused++
		return false
	}
	b.allowedTotal++
	return true
}

// FailureRate returns the failure rate in the window, 0 when it is empty.
func (b *Breaker) FailureRate() float64 {
	if b.n == 0 {
		return 0
	}
	return float64(b.fails) / float64(b.n)
}

// Refused returns the retries refused since New.
func (b *Breaker) Refused() int { return b.refused }
