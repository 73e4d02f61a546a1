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
	_, err := p.parse(v)
	return err
}

// parse validates v against the parameter and returns its typed value.
func (p Param) parse(v string) (value, error) {
	bad := func() (value, error) {
		return value{}, fmt.Errorf("parameter %s: bad value %q (accepted: %s)", p.Name, v, p.accepts())
	}
	x := value{kind: p.Kind, text: v}
	var err error
	switch p.Kind {
	case Int:
		var n int64
		n, err = strconv.ParseInt(v, 10, strconv.IntSize)
		if err != nil || (p.Min != p.Max && (float64(n) < p.Min || float64(n) > p.Max)) {
			return bad()
		}
		x.num = float64(n)
		x.int = int(n)
	case Float, Prob:
		x.num, err = strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x.num) || math.IsInf(x.num, 0) {
			return bad()
		}
		if (p.Kind == Float && p.Min != p.Max && (x.num < p.Min || x.num > p.Max)) || (p.Kind == Prob && !(x.num >= 0 && x.num <= 1)) {
			return bad()
		}
	case Duration:
		x.dur, err = time.ParseDuration(v)
		if err != nil || x.dur < 0 || x.dur > MaxDuration {
			return bad()
		}
	case Bool:
		if x.bool, err = strconv.ParseBool(v); err != nil {
			return bad()
		}
	default:
		if len(p.Choices) > 0 && !slices.Contains(p.Choices, v) {
			return bad()
		}
	}
	if p.Validate != nil {
		if err := p.Validate(v); err != nil {
			return value{}, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	return x, nil
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

// Values are a run's parameter values, every parameter present, parsed
// once into its declared type. Reading a name the scenario did not
// declare, or reading it as another type, is a bug in the scenario: the
// accessors panic, and catalog's TestScenariosReadDeclaredParams finds
// every such read in the source before anything runs.
type Values struct {
	m map[string]value
}

// value is one parsed parameter: its text, as given, and its typed form.
type value struct {
	kind Kind
	text string
	int  int
	num  float64 // Int, Float and Prob
	dur  time.Duration
	bool bool
}

// Resolve applies set over the defaults of params and parses every
// value. Unknown keys are errors that list the accepted names.
func Resolve(params []Param, set map[string]string) (Values, error) {
	// Every CLI start resolves each scenario's defaults (set is empty
	// then), so the unknown-name check allocates nothing unless it fails.
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.Name == k }) {
			names := make([]string, len(params))
			for i, p := range params {
				names[i] = p.Name
			}
			slices.Sort(names)
			return Values{}, fmt.Errorf("unknown parameter %q (accepted: %s)", k, strings.Join(names, ", "))
		}
	}
	m := make(map[string]value, len(params))
	for _, p := range params {
		text, ok := set[p.Name]
		if !ok {
			text = p.Default
		}
		x, err := p.parse(text)
		if err != nil {
			return Values{}, err
		}
		m[p.Name] = x
	}
	return Values{m: m}, nil
}

// String is the name of a kind in messages: string, int, float,
// duration, prob or bool.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

var kindNames = [...]string{String: "string", Int: "int", Float: "float", Duration: "duration", Prob: "prob", Bool: "bool"}

// get returns the value of name, which must be declared as one of kinds.
func (v Values) get(name string, as Kind, kinds ...Kind) value {
	x, ok := v.m[name]
	if !ok {
		panic(fmt.Sprintf("scenario reads undeclared parameter %q", name))
	}
	if !slices.Contains(kinds, x.kind) {
		panic(fmt.Sprintf("scenario reads parameter %q as %s, but declares it %s", name, as, x.kind))
	}
	return x
}

// Readable lists the kinds each accessor reads; String reads any.
var Readable = map[Kind][]Kind{
	String:   {String, Int, Float, Duration, Prob, Bool},
	Int:      {Int},
	Float:    {Float, Prob, Int},
	Duration: {Duration},
	Prob:     {Prob},
	Bool:     {Bool},
}

// String returns the text of name, as given, whatever its kind.
func (v Values) String(name string) string { return v.get(name, String, Readable[String]...).text }

// Int returns the value of an Int parameter.
func (v Values) Int(name string) int { return v.get(name, Int, Readable[Int]...).int }

// Float returns the value of a Float, Prob or Int parameter.
func (v Values) Float(name string) float64 { return v.get(name, Float, Readable[Float]...).num }

// Duration returns the value of a Duration parameter.
func (v Values) Duration(name string) time.Duration {
	return v.get(name, Duration, Readable[Duration]...).dur
}

// Bool returns the value of a Bool parameter.
func (v Values) Bool(name string) bool { return v.get(name, Bool, Readable[Bool]...).bool }

// Map returns every value as text, as given: what replay lines print.
func (v Values) Map() map[string]string {
	m := make(map[string]string, len(v.m))
	for k, x := range v.m {
		m[k] = x.text
	}
	return m
}
