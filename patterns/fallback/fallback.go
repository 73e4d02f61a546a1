package fallback

import (
	"slices"
	"strings"

	"github.com/faultline/faultline/patterns/params"
)

// Reason says why the primary result is not available.
type Reason string

// The reasons.
const (
	Failure         Reason = "failure"
	Timeout         Reason = "timeout"
	Deadline        Reason = "deadline"
	BreakerOpen     Reason = "breaker-open"
	BulkheadFull    Reason = "bulkhead-full"
	Throttled       Reason = "throttled"
	BudgetExhausted Reason = "budget-exhausted"
)

// Reasons lists every reason.
var Reasons = []string{
	string(Failure), string(Timeout), string(Deadline), string(BreakerOpen),
	string(BulkheadFull), string(Throttled), string(BudgetExhausted),
}

// DefaultValue labels the degraded result when Config.Value is "".
const DefaultValue = "fallback"

// Config sets a fallback.
type Config struct {
	// On lists the reasons that get a fallback. If On is nil, every reason does.
	On []Reason
	// Value labels the degraded result. If Value is "", "fallback" is used.
	Value string
}

// Params lists the keys Set accepts (without the "fallback." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "on", Default: strings.Join(Reasons, ","), Help: "reasons that get a fallback: " + strings.Join(Reasons, ", ")},
		{Name: "value", Default: DefaultValue, Help: "label of the degraded result"},
	}
}

// Set sets one parameter by its key (without the "fallback." prefix).
func (c *Config) Set(key, value string) error {
	switch key {
	case "on":
		l, err := params.List(key, value, Reasons)
		if err != nil {
			return err
		}
		c.On = make([]Reason, len(l))
		for i, s := range l {
			c.On[i] = Reason(s)
		}
	case "value":
		c.Value = value
	default:
		return params.UnknownKey(key, c.Params())
	}
	return nil
}

// Validate checks the fields.
func (c Config) Validate() error {
	for _, r := range c.On {
		if _, err := params.Enum("on", string(r), Reasons); err != nil {
			return err
		}
	}
	return nil
}

// Result is a degraded result.
type Result struct {
	Value  string
	Reason Reason
}

// Fallback applies the configured triggers and counts their use.
type Fallback struct {
	c      Config
	counts map[Reason]int
}

// New returns a fallback set by c, or an error if c is invalid.
func New(c Config) (*Fallback, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.On == nil {
		for _, r := range Reasons {
			c.On = append(c.On, Reason(r))
		}
	}
	if c.Value == "" {
		c.Value = DefaultValue
	}
	return &Fallback{c: c, counts: map[Reason]int{}}, nil
}

// Apply returns the degraded result for reason, or false when reason is not
// a trigger (the failure then stands).
func (f *Fallback) Apply(reason Reason) (Result, bool) {
	if !slices.Contains(f.c.On, reason) {
		return Result{}, false
	}
	f.counts[reason]++
	return Result{Value: f.c.Value, Reason: reason}, true
}

// Count returns how often a fallback was given for reason.
func (f *Fallback) Count(reason Reason) int { return f.counts[reason] }
