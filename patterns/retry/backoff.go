package retry

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Kind names a backoff policy.
type Kind string

// The backoff kinds.
const (
	None               Kind = "none"
	Constant           Kind = "constant"
	Linear             Kind = "linear"
	Exponential        Kind = "exponential"
	FullJitter         Kind = "full-jitter"
	EqualJitter        Kind = "equal-jitter"
	DecorrelatedJitter Kind = "decorrelated-jitter"
)

// Kinds lists every backoff kind, in the order the docs give them.
var Kinds = []string{
	string(None), string(Constant), string(Linear), string(Exponential),
	string(FullJitter), string(EqualJitter), string(DecorrelatedJitter),
}

// Backoff defaults.
const (
	DefaultBase       = 100 * time.Millisecond
	DefaultCap        = 10 * time.Second
	DefaultMultiplier = 2.0
)

// BackoffConfig sets a backoff policy.
type BackoffConfig struct {
	// Kind is the policy. If Kind is "", Exponential is used.
	Kind Kind
	// Base is the first delay. If Base is 0, DefaultBase (100ms) is used; a
	// negative Base means 0 (Set("base", "0") stores -1).
	Base time.Duration
	// Cap is the largest delay. If Cap is 0, DefaultCap (10s) is used.
	Cap time.Duration
	// Multiplier is the growth per retry of the exponential kinds.
	// If Multiplier is 0, DefaultMultiplier (2) is used.
	Multiplier float64
	// Jitter is a ± factor in [0,1] applied to constant, linear and
	// exponential delays. If Jitter is 0, they are not randomized.
	Jitter float64
}

func (c BackoffConfig) withDefaults() BackoffConfig {
	if c.Kind == "" {
		c.Kind = Exponential
	}
	if c.Base == 0 {
		c.Base = DefaultBase
	}
	if c.Base < 0 {
		c.Base = 0
	}
	if c.Cap == 0 {
		c.Cap = DefaultCap
	}
	if c.Multiplier == 0 {
		c.Multiplier = DefaultMultiplier
	}
	return c
}

// Params lists the keys Set accepts (without the "backoff." prefix).
func (c *BackoffConfig) Params() []params.Param {
	return []params.Param{
		{Name: "base", Default: DefaultBase.String(), Help: "first backoff delay"},
		{Name: "cap", Default: DefaultCap.String(), Help: "largest backoff delay (>= base)"},
		{Name: "multiplier", Default: params.FormatFloat(DefaultMultiplier), Help: "growth per retry of exponential kinds (>= 1)"},
		{Name: "jitter", Default: "0", Help: "± jitter factor in [0,1] for constant, linear, exponential"},
	}
}

// Set sets one parameter by its key (without the "backoff." prefix).
func (c *BackoffConfig) Set(key, value string) error {
	var err error
	switch key {
	case "base":
		c.Base, err = params.Duration(key, value)
		if err == nil && c.Base == 0 {
			c.Base = -1
		}
	case "cap":
		c.Cap, err = params.PositiveDuration(key, value)
	case "multiplier":
		c.Multiplier, err = params.FloatRange(key, value, 1, 1000)
	case "jitter":
		c.Jitter, err = params.Probability(key, value)
	case "kind":
		var k string
		k, err = params.Enum(key, value, Kinds)
		c.Kind = Kind(k)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and their relationships (base <= cap).
func (c BackoffConfig) Validate() error {
	if c.Kind != "" {
		if _, err := params.Enum("kind", string(c.Kind), Kinds); err != nil {
			return err
		}
	}
	if c.Cap < 0 {
		return params.Errorf("cap", "must be >= 0, got %v", c.Cap)
	}
	if c.Multiplier != 0 && (c.Multiplier < 1 || math.IsNaN(c.Multiplier) || math.IsInf(c.Multiplier, 0)) {
		return params.Errorf("multiplier", "must be in [1, 1000], got %g", c.Multiplier)
	}
	if c.Jitter < 0 || c.Jitter > 1 || math.IsNaN(c.Jitter) {
		return params.Errorf("jitter", "must be in [0, 1], got %g", c.Jitter)
	}
	d := c.withDefaults()
	if d.Base > d.Cap {
		return params.Errorf("base", "must be <= cap (%v), got %v", d.Cap, d.Base)
	}
	return nil
}

// Backoff computes delays. It holds no per-request state: the caller passes
// the retry index and the previous delay.
type Backoff struct{ c BackoffConfig }

// NewBackoff returns the policy set by c, or an error if c is invalid.
func NewBackoff(c BackoffConfig) (Backoff, error) {
	if err := c.Validate(); err != nil {
		return Backoff{}, err
	}
	return Backoff{c.withDefaults()}, nil
}

// Config returns the configuration in use, defaults filled in.
func (b Backoff) Config() BackoffConfig { return b.c }

// Delay returns the wait before retry n+1: n is 0 for the first retry. prev is
// the previous delay (used only by decorrelated-jitter; 0 means none yet). rng
// is drawn from only by randomized kinds and may then not be nil. The result
// is always in [0, cap].
func (b Backoff) Delay(n int, prev time.Duration, rng *rand.Rand) time.Duration {
	c := b.c
	n = max(n, 0)
	switch c.Kind {
	case None:
		return 0
	case Constant:
		return b.jitter(min(c.Base, c.Cap), rng)
	case Linear:
		return b.jitter(capMul(c.Base, float64(n+1), c.Cap), rng)
	case Exponential:
		return b.jitter(b.exp(n), rng)
	case FullJitter:
		return uniform(rng, 0, b.exp(n))
	case EqualJitter:
		v := b.exp(n)
		return v/2 + uniform(rng, 0, v-v/2)
	case DecorrelatedJitter:
		if prev < c.Base {
			prev = c.Base
		}
		hi := capMul(prev, 3, math.MaxInt64/2)
		return min(c.Cap, uniform(rng, c.Base, hi))
	}
	return 0
}

// exp is min(cap, base·multiplierⁿ) without overflow.
func (b Backoff) exp(n int) time.Duration {
	return capMul(b.c.Base, math.Pow(b.c.Multiplier, float64(n)), b.c.Cap)
}

func (b Backoff) jitter(v time.Duration, rng *rand.Rand) time.Duration {
	if b.c.Jitter == 0 || v == 0 {
		return v
	}
	// float64() rounds the product, so no platform fuses it into an FMA.
	f := 1 + float64(b.c.Jitter*(2*rng.Float64()-1))
	return capMul(v, f, b.c.Cap)
}

// capMul is min(limit, max(0, d·f)), computed without overflow.
func capMul(d time.Duration, f float64, limit time.Duration) time.Duration {
	v := float64(d) * f
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	if v >= float64(limit) {
		return limit
	}
	return time.Duration(v)
}

// uniform draws from [lo, hi] (inclusive, in nanoseconds).
func uniform(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}
