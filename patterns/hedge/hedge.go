package hedge

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Defaults.
const (
	DefaultDelay      = 50 * time.Millisecond
	DefaultWindow     = 100
	DefaultMinSamples = 20
	DefaultMaxHedges  = 1
)

// Config sets hedging.
type Config struct {
	// Delay is the fixed hedge delay. If Delay is 0, 50ms is used; a
	// negative Delay means 0, a hedge at once (Set("delay", "0") stores -1).
	Delay time.Duration
	// Quantile, in [0,1], hedges at that latency quantile. If Quantile is 0,
	// only Delay is used.
	Quantile float64
	// Window is the latencies kept. If Window is 0, 100 is used.
	Window int
	// MinSamples is the latencies needed before Quantile applies.
	// If MinSamples is 0, 20 is used.
	MinSamples int
	// MaxHedges is the extra attempts per request. If MaxHedges is 0, 1 is used.
	MaxHedges int
}

// Params lists the keys Set accepts (without the "hedge." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "delay", Default: DefaultDelay.String(), Help: "fixed delay before a hedge"},
		{Name: "quantile", Default: "0", Help: "latency quantile in [0,1] to hedge at (0 = fixed delay)"},
		{Name: "window", Default: strconv.Itoa(DefaultWindow), Help: "latencies kept for the quantile"},
		{Name: "min_samples", Default: strconv.Itoa(DefaultMinSamples), Help: "latencies needed before the quantile is used"},
		{Name: "max_hedges", Default: strconv.Itoa(DefaultMaxHedges), Help: "extra attempts per request"},
	}
}

// Set sets one parameter by its key (without the "hedge." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "delay":
		c.Delay, err = params.Duration(key, value)
		if err == nil && c.Delay == 0 {
			c.Delay = -1
		}
	case "quantile":
		c.Quantile, err = params.Probability(key, value)
	case "window":
		c.Window, err = params.IntRange(key, value, 1, 100_000)
	case "min_samples":
		c.MinSamples, err = params.IntRange(key, value, 1, 100_000)
	case "max_hedges":
		c.MaxHedges, err = params.IntRange(key, value, 1, 10)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and that min_samples <= window.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Quantile) || c.Quantile < 0 || c.Quantile > 1:
		return params.Errorf("quantile", "must be in [0, 1], got %g", c.Quantile)
	case c.Window < 0 || c.MinSamples < 0:
		return params.Errorf("window", "window and min_samples must be >= 1")
	case c.MaxHedges < 0 || c.MaxHedges > 10:
		return params.Errorf("max_hedges", "must be in [1, 10], got %d", c.MaxHedges)
	}
	d := c.withDefaults()
	if d.MinSamples > d.Window {
		return params.Errorf("min_samples", "must be <= window (%d), got %d", d.Window, d.MinSamples)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Delay == 0 {
		c.Delay = DefaultDelay
	}
	if c.Delay < 0 {
		c.Delay = 0
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.MinSamples == 0 {
		c.MinSamples = min(DefaultMinSamples, c.Window)
	}
	if c.MaxHedges == 0 {
		c.MaxHedges = DefaultMaxHedges
	}
	return c
}

// Hedger keeps the latency window and says when to hedge.
type Hedger struct {
	c      Config
	ring   []time.Duration // the window, oldest at next once full
	sorted []time.Duration // the same latencies in order
	next   int
	full   bool
}

// New returns a hedger set by c, or an error if c is invalid.
func New(c Config) (*Hedger, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	return &Hedger{c: c, ring: make([]time.Duration, c.Window), sorted: make([]time.Duration, 0, c.Window)}, nil
}

// Config returns the configuration in use, defaults filled in.
func (h *Hedger) Config() Config { return h.c }

// MaxHedges is the extra attempts allowed per request.
func (h *Hedger) MaxHedges() int { return h.c.MaxHedges }

// Observe records the latency of a successful attempt. The window is also
// kept in order, one insertion per latency, so that Delay, asked on every
// request, does not sort.
func (h *Hedger) Observe(latency time.Duration) {
	if h.full {
		i, _ := slices.BinarySearch(h.sorted, h.ring[h.next])
		h.sorted = slices.Delete(h.sorted, i, i+1)
	}
	i, _ := slices.BinarySearch(h.sorted, latency)
	h.sorted = slices.Insert(h.sorted, i, latency)
	h.ring[h.next] = latency
	h.next = (h.next + 1) % len(h.ring)
	h.full = h.full || h.next == 0
}

// Delay returns how long to wait for an attempt before hedging it.
func (h *Hedger) Delay() time.Duration {
	s := h.sorted
	if h.c.Quantile == 0 || len(s) < h.c.MinSamples {
		return h.c.Delay
	}
	// nearest rank
	i := max(int(math.Ceil(h.c.Quantile*float64(len(s))))-1, 0)
	return s[i]
}

// Verdict is what a Race says after a result.
type Verdict int

// The verdicts.
const (
	Wait      Verdict = iota // another attempt is outstanding
	Won                      // this attempt won; cancel the others
	AllFailed                // every attempt failed
	Ignored                  // the race was over, or the attempt unknown
)

func (v Verdict) String() string { return [...]string{"wait", "won", "all-failed", "ignored"}[v] }

// Race tracks the outstanding attempts of one request.
type Race struct {
	outstanding []int
	over        bool
}

// NewRace returns a race that keeps its outstanding attempts in buf's
// backing array while they fit, to save an allocation; buf must be empty
// and not used by anything else. The zero Race is ready too.
func NewRace(buf []int) Race { return Race{outstanding: buf[:0]} }

// Launch records that attempt id was sent.
func (r *Race) Launch(id int) { r.outstanding = append(r.outstanding, id) }

// Outstanding returns the attempts still running.
func (r *Race) Outstanding() []int { return r.outstanding }

// Drop forgets attempt id without a verdict (it was cancelled locally).
func (r *Race) Drop(id int) {
	if i := slices.Index(r.outstanding, id); i >= 0 {
		r.outstanding = slices.Delete(r.outstanding, i, i+1)
	}
}

// Result reports that attempt id ended. On Won, cancel lists the attempts to
// cancel, and the race is over.
func (r *Race) Result(id int, ok bool) (v Verdict, cancel []int) {
	i := slices.Index(r.outstanding, id)
	if r.over || i < 0 {
		return Ignored, nil
	}
	r.outstanding = slices.Delete(r.outstanding, i, i+1)
	if ok {
		r.over = true
		cancel, r.outstanding = r.outstanding, nil
		return Won, cancel
	}
	if len(r.outstanding) > 0 {
		return Wait, nil
	}
	return AllFailed, nil
}
