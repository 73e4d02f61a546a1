package breaker

import (
	"math"
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// WindowKind names how the sliding window is measured.
type WindowKind string

// The window kinds.
const (
	CountWindow WindowKind = "count"
	TimeWindow  WindowKind = "time"
)

// EvaluateOn names when the rate rules are checked.
type EvaluateOn string

// The evaluation points.
const (
	// EveryCall checks the rates after every recorded call, success or
	// failure, as Resilience4j does.
	EveryCall EvaluateOn = "every-call"
	// OnFailure checks them only after a failure, as gobreaker calls
	// ReadyToTrip only from onFailure.
	OnFailure EvaluateOn = "failure"
)

var evaluateOns = []string{string(EveryCall), string(OnFailure)}

// Defaults.
const (
	DefaultFailureThreshold = 6 // gobreaker: ConsecutiveFailures > 5
	DefaultSlowCallDuration = time.Second
	DefaultWindowSize       = 100
	DefaultWindowDuration   = 10 * time.Second
	DefaultMinimumCalls     = 10
	DefaultOpenDuration     = 5 * time.Second
	DefaultHalfOpenProbes   = 1
)

// Config sets a circuit breaker.
type Config struct {
	// FailureThreshold is the consecutive failures that trip the breaker.
	// If FailureThreshold is 0 and neither rate threshold is set, 6 is used
	// (gobreaker's default ReadyToTrip, ConsecutiveFailures > 5);
	// if a rate threshold is set, 0 turns the consecutive rule off. A
	// negative value always turns it off (Set("failure_threshold", "0")
	// stores -1).
	FailureThreshold int
	// FailureRateThreshold in [0,1] trips on the window's failure rate.
	// If it is 0, the failure-rate rule is off.
	FailureRateThreshold float64
	// SlowCallRateThreshold in [0,1] trips on the window's slow-call rate.
	// If it is 0, the slow-call rule is off.
	SlowCallRateThreshold float64
	// SlowCallDuration is the latency from which a call counts as slow.
	// If SlowCallDuration is 0, 1s is used.
	SlowCallDuration time.Duration
	// Window is the kind of sliding window. If Window is "", CountWindow is used.
	Window WindowKind
	// WindowSize is the count window's length in calls. If 0, 100 is used.
	WindowSize int
	// WindowDuration is the time window's length. If 0, 10s is used.
	WindowDuration time.Duration
	// MinimumCalls is the calls the window must hold before a rate rule may
	// trip. If MinimumCalls is 0, 10 is used.
	MinimumCalls int
	// OpenDuration is how long the breaker stays open. If 0, 5s is used.
	OpenDuration time.Duration
	// HalfOpenProbes is the calls admitted while half-open. If 0, 1 is used.
	HalfOpenProbes int
	// Interval, if not 0, clears the closed breaker's counts (consecutive
	// failures and the window) once it has passed, as gobreaker's Interval:
	// when a call or result finds the expiry strictly in the past, a new
	// generation begins and the next expiry is now + Interval. Results of
	// calls admitted in an earlier generation are ignored. If Interval is
	// 0, the counts are never cleared while closed.
	Interval time.Duration
	// EvaluateOn is when the rate rules are checked. If EvaluateOn is "",
	// EveryCall is used.
	EvaluateOn EvaluateOn
	// SuccessThreshold is the successful probes that close the breaker.
	// If SuccessThreshold is 0, HalfOpenProbes is used.
	SuccessThreshold int
	// OnStateChange, if not nil, is called on every transition.
	OnStateChange func(Transition)
}

var windowKinds = []string{string(CountWindow), string(TimeWindow)}

// Params lists the keys Set accepts (without the "breaker." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "failure_threshold", Default: strconv.Itoa(DefaultFailureThreshold), Help: "consecutive failures that open the breaker"},
		{Name: "failure_rate_threshold", Default: "0", Help: "failure rate in [0,1] over the window that opens it (0 = off)"},
		{Name: "slow_call_rate_threshold", Default: "0", Help: "slow-call rate in [0,1] over the window that opens it (0 = off)"},
		{Name: "slow_call_duration", Default: DefaultSlowCallDuration.String(), Help: "latency from which a call is slow"},
		{Name: "window", Default: string(CountWindow), Help: "sliding window kind: count, time"},
		{Name: "window_size", Default: strconv.Itoa(DefaultWindowSize), Help: "count window length in calls"},
		{Name: "window_duration", Default: DefaultWindowDuration.String(), Help: "time window length"},
		{Name: "minimum_calls", Default: strconv.Itoa(DefaultMinimumCalls), Help: "calls in the window before a rate rule may trip"},
		{Name: "open_duration", Default: DefaultOpenDuration.String(), Help: "time spent open before probing"},
		{Name: "half_open_probes", Default: strconv.Itoa(DefaultHalfOpenProbes), Help: "calls admitted while half-open"},
		{Name: "success_threshold", Default: "half_open_probes", Help: "successful probes that close the breaker (<= half_open_probes)"},
		{Name: "interval", Default: "0", Help: "clear the closed breaker's counts this often, as gobreaker's Interval (0 = never)"},
		{Name: "evaluate_on", Default: string(EveryCall), Help: "when rate rules are checked: every-call (Resilience4j) or failure (gobreaker)"},
	}
}

// Set sets one parameter by its key (without the "breaker." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "failure_threshold":
		c.FailureThreshold, err = params.Count(key, value)
		if err == nil && c.FailureThreshold == 0 {
			c.FailureThreshold = -1
		}
	case "failure_rate_threshold":
		c.FailureRateThreshold, err = params.Probability(key, value)
	case "slow_call_rate_threshold":
		c.SlowCallRateThreshold, err = params.Probability(key, value)
	case "slow_call_duration":
		c.SlowCallDuration, err = params.PositiveDuration(key, value)
	case "window":
		var k string
		k, err = params.Enum(key, value, windowKinds)
		c.Window = WindowKind(k)
	case "window_size":
		c.WindowSize, err = params.IntRange(key, value, 1, 1_000_000)
	case "window_duration":
		c.WindowDuration, err = params.PositiveDuration(key, value)
	case "minimum_calls":
		c.MinimumCalls, err = params.IntRange(key, value, 1, 1_000_000)
	case "open_duration":
		c.OpenDuration, err = params.PositiveDuration(key, value)
	case "half_open_probes":
		c.HalfOpenProbes, err = params.IntRange(key, value, 1, 1_000_000)
	case "success_threshold":
		c.SuccessThreshold, err = params.IntRange(key, value, 1, 1_000_000)
	case "interval":
		c.Interval, err = params.Duration(key, value)
	case "evaluate_on":
		var e string
		e, err = params.Enum(key, value, evaluateOns)
		c.EvaluateOn = EvaluateOn(e)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

func prob(f float64) bool { return !math.IsNaN(f) && f >= 0 && f <= 1 }

// Validate checks the fields and their relationships.
func (c Config) Validate() error {
	switch {
	case !prob(c.FailureRateThreshold):
		return params.Errorf("failure_rate_threshold", "must be in [0, 1], got %g", c.FailureRateThreshold)
	case !prob(c.SlowCallRateThreshold):
		return params.Errorf("slow_call_rate_threshold", "must be in [0, 1], got %g", c.SlowCallRateThreshold)
	case c.SlowCallDuration < 0:
		return params.Errorf("slow_call_duration", "must be >= 0, got %v", c.SlowCallDuration)
	case c.WindowSize < 0:
		return params.Errorf("window_size", "must be >= 1, got %d", c.WindowSize)
	case c.WindowDuration < 0:
		return params.Errorf("window_duration", "must be >= 0, got %v", c.WindowDuration)
	case c.MinimumCalls < 0:
		return params.Errorf("minimum_calls", "must be >= 1, got %d", c.MinimumCalls)
	case c.OpenDuration < 0:
		return params.Errorf("open_duration", "must be >= 0, got %v", c.OpenDuration)
	case c.HalfOpenProbes < 0:
		return params.Errorf("half_open_probes", "must be >= 1, got %d", c.HalfOpenProbes)
	case c.Interval < 0:
		return params.Errorf("interval", "must be >= 0, got %v", c.Interval)
	case c.SuccessThreshold < 0:
		return params.Errorf("success_threshold", "must be >= 1, got %d", c.SuccessThreshold)
	}
	if c.Window != "" {
		if _, err := params.Enum("window", string(c.Window), windowKinds); err != nil {
			return err
		}
	}
	if c.EvaluateOn != "" {
		if _, err := params.Enum("evaluate_on", string(c.EvaluateOn), evaluateOns); err != nil {
			return err
		}
	}
	d := c.withDefaults()
	if d.SuccessThreshold > d.HalfOpenProbes {
		return params.Errorf("success_threshold", "must be <= half_open_probes (%d), got %d", d.HalfOpenProbes, d.SuccessThreshold)
	}
	if d.Window == CountWindow && (d.FailureRateThreshold > 0 || d.SlowCallRateThreshold > 0) && d.MinimumCalls > d.WindowSize {
		return params.Errorf("minimum_calls", "must be <= window_size (%d) for a count window, got %d", d.WindowSize, d.MinimumCalls)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.FailureThreshold == 0 && c.FailureRateThreshold == 0 && c.SlowCallRateThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.FailureThreshold < 0 {
		c.FailureThreshold = 0
	}
	if c.SlowCallDuration == 0 {
		c.SlowCallDuration = DefaultSlowCallDuration
	}
	if c.Window == "" {
		c.Window = CountWindow
	}
	if c.EvaluateOn == "" {
		c.EvaluateOn = EveryCall
	}
	if c.WindowSize == 0 {
		c.WindowSize = DefaultWindowSize
	}
	if c.WindowDuration == 0 {
		c.WindowDuration = DefaultWindowDuration
	}
	if c.MinimumCalls == 0 {
		c.MinimumCalls = DefaultMinimumCalls
	}
	if c.OpenDuration == 0 {
		c.OpenDuration = DefaultOpenDuration
	}
	if c.HalfOpenProbes == 0 {
		c.HalfOpenProbes = DefaultHalfOpenProbes
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = c.HalfOpenProbes
	}
	return c
}
