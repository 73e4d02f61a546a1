package load

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind names a load shape.
type Kind string

// Load shapes.
const (
	Constant Kind = "constant" // the base rate throughout
	Step     Kind = "step"     // the base rate, then Factor× from At on
	Ramp     Kind = "ramp"     // From× until At, then linearly to Factor× over For, then Factor×
	Spike    Kind = "spike"    // Factor× during [At, At+For), the base rate otherwise
	Sine     Kind = "sine"     // diurnal: 1 + Factor·sin(2π(t-At)/For), Factor ≤ 1
	Replay   Kind = "replay"   // requests per second from Points, held until the next point
)

// Syntax lists the forms Parse accepts.
const Syntax = "constant | step:F@AT | ramp:[F0..]F@AT+FOR | spike:F@AT+FOR | sine:AMPLITUDE@PERIOD[+PHASE] | " +
	"replay:T=RPS;T=RPS;... | file:PATH (F a factor of the base rate, AMPLITUDE in [0,1], T a duration, RPS requests/s)"

// Point is one step of a replayed load: RPS requests per second from At
// until the next point.
type Point struct {
	At  time.Duration
	RPS float64
}

// Shape is offered load over time. The zero value is Constant.
type Shape struct {
	Kind   Kind
	From   float64 // ramp: starting factor (default 1)
	Factor float64 // step, ramp, spike: factor of the base rate; sine: amplitude
	At     time.Duration
	For    time.Duration // ramp, spike: span; sine: period
	Points []Point       // replay, sorted by At, the first at 0
}

// IsConstant reports whether s offers the base rate throughout.
func (s Shape) IsConstant() bool { return s.Kind == "" || s.Kind == Constant }

// Rate returns the offered rate at t for a base rate base (> 0).
func (s Shape) Rate(t time.Duration, base float64) float64 {
	switch s.Kind {
	case Step:
		if t >= s.At {
			return base * s.Factor
		}
	case Spike:
		if t >= s.At && t < s.At+s.For {
			return base * s.Factor
		}
	case Ramp:
		switch {
		case t < s.At:
			return base * s.From
		case s.For == 0 || t >= s.At+s.For:
			return base * s.Factor
		}
		f := s.From + (s.Factor-s.From)*float64(t-s.At)/float64(s.For)
		return base * f
	case Sine:
		x := 2 * math.Pi * float64(t-s.At) / float64(s.For)
		// float64() rounds the product, so no platform fuses it into an FMA.
		return base * (1 + float64(s.Factor*math.Sin(x)))
	case Replay:
		i, found := slices.BinarySearchFunc(s.Points, t, func(p Point, t time.Duration) int {
			return int(p.At - t)
		})
		if !found {
			i--
		}
		return s.Points[max(i, 0)].RPS
	}
	return base
}

// MaxRate returns the highest rate Rate returns for base.
func (s Shape) MaxRate(base float64) float64 {
	switch s.Kind {
	case Step, Spike:
		return base * max(1, s.Factor)
	case Ramp:
		return base * max(s.From, s.Factor)
	case Sine:
		return base * (1 + s.Factor)
	case Replay:
		m := 0.0
		for _, p := range s.Points {
			m = max(m, p.RPS)
		}
		return m
	}
	return base
}

// Scale returns Rate(t, base)/base, the scale of a closed-loop
// population at t; replay scales by its peak.
func (s Shape) Scale(t time.Duration) float64 {
	if s.Kind == Replay {
		m := s.MaxRate(1)
		if m == 0 {
			return 0
		}
		return s.Rate(t, 1) / m
	}
	return s.Rate(t, 1)
}

// MaxScale returns the highest value of Scale.
func (s Shape) MaxScale() float64 {
	if s.Kind == Replay {
		return 1
	}
	return s.MaxRate(1)
}

// String returns the shape in the form Parse reads.
func (s Shape) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	switch s.Kind {
	case Step:
		return fmt.Sprintf("step:%s@%v", f(s.Factor), s.At)
	case Spike:
		return fmt.Sprintf("spike:%s@%v+%v", f(s.Factor), s.At, s.For)
	case Ramp:
		return fmt.Sprintf("ramp:%s..%s@%v+%v", f(s.From), f(s.Factor), s.At, s.For)
	case Sine:
		if s.At != 0 {
			return fmt.Sprintf("sine:%s@%v+%v", f(s.Factor), s.For, s.At)
		}
		return fmt.Sprintf("sine:%s@%v", f(s.Factor), s.For)
	case Replay:
		parts := make([]string, len(s.Points))
		for i, p := range s.Points {
			parts[i] = fmt.Sprintf("%v=%s", p.At, f(p.RPS))
		}
		return "replay:" + strings.Join(parts, ";")
	}
	return string(Constant)
}
