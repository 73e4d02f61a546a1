package throttle

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/patterns/internal/window"
	"github.com/faultline/faultline/patterns/params"
)

// Defaults.
const (
	DefaultK      = 2.0
	DefaultWindow = 2 * time.Minute
)

// Config sets the throttle.
type Config struct {
	// K is the accepts multiplier. If K is 0, 2 is used.
	K float64
	// Window is the counting window. If Window is 0, 2m is used.
	Window time.Duration
}

// Params lists the keys Set accepts (without the "throttle." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "k", Default: params.FormatFloat(DefaultK), Help: "accepts multiplier (>= 1; lower rejects sooner)"},
		{Name: "window", Default: "2m0s", Help: "counting window"},
	}
}

// Set sets one parameter by its key (without the "throttle." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "k":
		c.K, err = params.FloatRange(key, value, 1, 100)
	case "window":
		c.Window, err = params.PositiveDuration(key, value)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields.
func (c Config) Validate() error {
	if math.IsNaN(c.K) || (c.K != 0 && (c.K < 1 || c.K > 100)) {
		return params.Errorf("k", "must be in [1, 100], got %g", c.K)
	}
	if c.Window < 0 {
		return params.Errorf("window", "must be >= 0, got %v", c.Window)
	}
	return nil
}

const (
	slotRequests = 0
	slotAccepts  = 1
)

// Throttle is the client-side throttle. It is not safe for concurrent use.
type Throttle struct {
	c   Config
	win *window.Window
}

// New returns a throttle set by c, or an error if c is invalid.
func New(c Config) (*Throttle, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.K == 0 {
		c.K = DefaultK
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	return &Throttle{c: c, win: window.New(c.Window, 10)}, nil
}

// Config returns the configuration in use, defaults filled in.
func (t *Throttle) Config() Config { return t.c }

// RejectProbability returns max(0, (requests − k·accepts)/(requests + 1)) at now.
func (t *Throttle) RejectProbability(now time.Duration) float64 {
	req := float64(t.win.Sum(now, slotRequests))
	acc := float64(t.win.Sum(now, slotAccepts))
	// float64() rounds the product, so no platform fuses it into an FMA.
	return max(0, (req-float64(t.c.K*acc))/(req+1))
}

// Allow counts a request at now and decides whether to send it. It draws
// from rng only when the reject probability is above 0.
func (t *Throttle) Allow(now time.Duration, rng *rand.Rand) bool {
	p := t.RejectProbability(now)
	t.win.Add(now, slotRequests, 1)
	return p == 0 || rng.Float64() >= p
}

// Accepted records that the backend accepted a request at now.
func (t *Throttle) Accepted(now time.Duration) {
	t.win.Add(now, slotAccepts, 1)
}

// Counts returns the requests and accepts in the window at now.
func (t *Throttle) Counts(now time.Duration) (requests, accepts int64) {
	return t.win.Sum(now, slotRequests), t.win.Sum(now, slotAccepts)
}
