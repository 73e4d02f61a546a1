package scenarios

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a parameter's value.
type Kind int

const (
	String   Kind = iota // any text (Choices restricts it)
	Int                  // an integer in [Min, Max]
	Float                // a number in [Min, Max]
	Duration             // a Go duration in [0, MaxDuration], e.g. 250ms
	Prob                 // a probability in [0, 1]
	Bool                 // true or false
)

// MaxDuration bounds every Duration parameter. It is the default limit on
// simulated time (sim.DefaultLimits.MaxTime): a run stretched past it could
// only end at that limit, and code that walks a run's span step by step
// (series, rates) would take very long to reach it.
const MaxDuration = 24 * time.Hour

// Param describes one parameter of a scenario.
type Param struct {
	Name    string
	Default string
	Help    string
	Kind    Kind
	Choices []string // accepted values of a String parameter, if any
	Min     float64  // for Int and Float; both zero means unbounded
	Max     float64
	// Validate, if set, checks the value in addition to Kind.
	Validate func(v string) error
	// Workload marks an Int parameter that sizes the workload (clients,
	// operations, keys): a shrink tries smaller values, down to Min, once
	// the fault schedule is minimal.
	Workload bool
}

// accepts describes the accepted values, for error messages.
func (p Param) accepts() string {
	switch p.Kind {
	case Int, Float:
		what := map[Kind]string{Int: "an integer", Float: "a number"}[p.Kind]
		if p.Min == 0 && p.Max == 0 {
			return what
		}
		return fmt.Sprintf("%s in [%g, %g]", what, p.Min, p.Max)
	case Duration:
		return "a duration in [0s, 24h] such as 250ms or 2s"
	case Prob:
		return "a probability in [0, 1]"
	case Bool:
		return "true or false"
	}
	if len(p.Choices) > 0 {
		return "one of " + strings.Join(p.Choices, ", ")
	}
	return "text"
}

// Check validates v against the parameter.
func (p Param) Check(v string) error {
	bad := func() error { return fmt.Errorf("parameter %s: bad value %q (accepted: %s)", p.Name, v, p.accepts()) }
	switch p.Kind {
	case Int:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || (p.Min != p.Max && (float64(n) < p.Min || float64(n) > p.Max)) {
			return bad()
		}
	case Float:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || (p.Min != p.Max && (f < p.Min || f > p.Max)) {
			return bad()
		}
	case Duration:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxDuration {
			return bad()
		}
	case Prob:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return bad()
		}
	case Bool:
		if _, err := strconv.ParseBool(v); err != nil {
			return bad()
		}
	default:
		if len(p.Choices) > 0 && !slices.Contains(p.Choices, v) {
			return bad()
		}
	}
	if p.Validate != nil {
		if err := p.Validate(v); err != nil {
			return fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	return nil
}

// ParseSet parses one --set argument "key=value".
func ParseSet(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", fmt.Errorf("--set %q: want key=value", s)
	}
	return k, strings.TrimSpace(v), nil
}

// Values are a run's parameter values, every parameter present, already
// validated. Accessors panic on names the scenario did not declare, which
// is a bug in the scenario, caught by its tests.
type Values struct {
	m map[string]string
}

// Resolve applies set over the defaults of params and validates every
// value. Unknown keys are errors that list the accepted names.
func Resolve(params []Param, set map[string]string) (Values, error) {
	byName := make(map[string]Param, len(params))
	m := make(map[string]string, len(params))
	for _, p := range params {
		byName[p.Name] = p
		m[p.Name] = p.Default
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if _, ok := byName[k]; !ok {
			return Values{}, fmt.Errorf("unknown parameter %q (accepted: %s)", k, strings.Join(slices.Sorted(maps.Keys(byName)), ", "))
		}
		m[k] = set[k]
	}
	for _, p := range params {
		if err := p.Check(m[p.Name]); err != nil {
			return Values{}, err
		}
	}
	return Values{m: m}, nil
}

func (v Values) get(name string) string {
	s, ok := v.m[name]
	if !ok {
		panic(fmt.Sprintf("scenario reads undeclared parameter %q", name))
	}
	return s
}

// String returns the value of name.
func (v Values) String(name string) string { return v.get(name) }

// Int returns the value of name as an int.
func (v Values) Int(name string) int {
	n, _ := strconv.Atoi(v.get(name))
	return n
}

// Float returns the value of name as a float64.
func (v Values) Float(name string) float64 {
	f, _ := strconv.ParseFloat(v.get(name), 64)
	return f
}

// Duration returns the value of name as a duration.
func (v Values) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(v.get(name))
	return d
}

// Bool returns the value of name as a bool.
func (v Values) Bool(name string) bool {
	b, _ := strconv.ParseBool(v.get(name))
	return b
}

// Map returns a copy of all values.
func (v Values) Map() map[string]string { return maps.Clone(v.m) }
