package ratelimit

import (
	"math"
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Mode is smooth or bursty.
type Mode string

// The modes.
const (
	Bursty Mode = "bursty"
	Smooth Mode = "smooth"
)

var modes = []string{string(Bursty), string(Smooth)}

// Defaults.
const (
	DefaultRatePerSec = 100.0
	DefaultBurst      = 10
)

// Config sets a rate limiter.
type Config struct {
	// RatePerSec is the refill rate. If RatePerSec is 0, 100 is used.
	RatePerSec float64
	// Burst is the bucket's capacity in bursty mode. If Burst is 0, 10 is used.
	Burst int
	// Mode is Bursty or Smooth. If Mode is "", Bursty is used.
	Mode Mode
}

// Params lists the keys Set accepts (without the "ratelimit." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "rate_per_sec", Default: params.FormatFloat(DefaultRatePerSec), Help: "tokens added per second"},
		{Name: "burst", Default: strconv.Itoa(DefaultBurst), Help: "bucket capacity in bursty mode"},
		{Name: "mode", Default: string(Bursty), Help: "bursty or smooth (capacity 1: evenly spaced)"},
	}
}

// Set sets one parameter by its key (without the "ratelimit." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "rate_per_sec":
		c.RatePerSec, err = params.FloatRange(key, value, 1e-6, 1e9)
	case "burst":
		c.Burst, err = params.IntRange(key, value, 1, 1_000_000_000)
	case "mode":
		var m string
		m, err = params.Enum(key, value, modes)
		c.Mode = Mode(m)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields.
func (c Config) Validate() error {
	if math.IsNaN(c.RatePerSec) || c.RatePerSec < 0 || c.RatePerSec > 1e9 {
		return params.Errorf("rate_per_sec", "must be in (0, 1e9], got %g", c.RatePerSec)
	}
	if c.Burst < 0 {
		return params.Errorf("burst", "must be >= 1, got %d", c.Burst)
	}
	if c.Mode != "" {
		if _, err := params.Enum("mode", string(c.Mode), modes); err != nil {
			return err
		}
	}
	return nil
}

// Limiter is a token bucket. It is not safe for concurrent use.
type Limiter struct {
	c         Config
	interval  time.Duration // time to earn one token
	tolerance time.Duration // (capacity-1)·interval
	capacity  int
	tat       time.Duration // theoretical arrival time of the next call
}

// New returns a full bucket set by c, or an error if c is invalid.
func New(c Config) (*Limiter, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.RatePerSec == 0 {
		c.RatePerSec = DefaultRatePerSec
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	if c.Mode == "" {
		c.Mode = Bursty
	}
	l := &Limiter{c: c, capacity: c.Burst}
	if c.Mode == Smooth {
		l.capacity = 1
	}
	l.interval = max(time.Duration(float64(time.Second)/c.RatePerSec), 1)
	l.tolerance = time.Duration(l.capacity-1) * l.interval
	return l, nil
}

// Config returns the configuration in use, defaults filled in.
func (l *Limiter) Config() Config { return l.c }

// Capacity is the bucket's size: burst, or 1 in smooth mode.
func (l *Limiter) Capacity() int { return l.capacity }

// Allow takes a token at now if there is one.
func (l *Limiter) Allow(now time.Duration) bool {
	t := max(l.tat, now)
	if t-now > l.tolerance {
		return false
	}
	l.tat = t + l.interval
	return true
}

// Reserve takes a token at now whether or not there is one, and returns how
// long the caller must wait before using it (0 when a token was there).
func (l *Limiter) Reserve(now time.Duration) time.Duration {
	t := max(l.tat, now)
	l.tat = t + l.interval
	return max(0, t-l.tolerance-now)
}

// Tokens returns the tokens in the bucket at now (negative after Reserve
// has borrowed ahead).
func (l *Limiter) Tokens(now time.Duration) float64 {
	owed := max(l.tat, now) - now
	return float64(l.capacity) - float64(owed)/float64(l.interval)
}
