package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DistKind names a latency distribution.
type DistKind int

const (
	Constant  DistKind = iota // always Mean
	Uniform                   // U(Min, Max)
	Normal                    // N(Mean, Stddev), truncated at 0
	LogNormal                 // median Mean, shape Sigma
	Pareto                    // scale Min, shape Alpha: a heavy tail
)

var distNames = []string{"const", "uniform", "normal", "lognormal", "pareto"}

func (k DistKind) String() string {
	if k < 0 || int(k) >= len(distNames) {
		return fmt.Sprintf("DistKind(%d)", int(k))
	}
	return distNames[k]
}

// Dist is a latency distribution parameterised in durations.
type Dist struct {
	Kind     DistKind
	Mean     time.Duration // const value; normal mean; lognormal median
	Min, Max time.Duration // uniform bounds; pareto scale is Min
	Stddev   time.Duration // normal
	Sigma    float64       // lognormal shape
	Alpha    float64       // pareto shape (> 0; tail heavier as it falls)
}

// Const returns a constant latency.
func Const(d time.Duration) Dist { return Dist{Kind: Constant, Mean: d} }

// Sample draws one latency, never negative.
func (d Dist) Sample(rng *rand.Rand) time.Duration {
	var v float64
	switch d.Kind {
	case Constant:
		return d.Mean
	case Uniform:
		if d.Max <= d.Min {
			return d.Min
		}
		return d.Min + time.Duration(rng.Int64N(int64(d.Max-d.Min)+1))
	case Normal:
		// The conversion forbids a fused multiply-add, which some
		// architectures would round differently.
		v = float64(d.Mean) + float64(rng.NormFloat64()*float64(d.Stddev))
	case LogNormal:
		v = float64(d.Mean) * math.Exp(rng.NormFloat64()*d.Sigma)
	case Pareto:
		u := 1 - rng.Float64() // (0, 1]
		v = float64(d.Min) / math.Pow(u, 1/d.Alpha)
	}
	if !(v > 0) { // also NaN, e.g. a zero median times an infinite factor
		return 0
	}
	if v > float64(time.Hour) {
		return time.Hour // keep a heavy tail from reaching absurd times
	}
	return time.Duration(v)
}

// Validate checks that d can be sampled: durations ≥ 0, Max ≥ Min for
// uniform, a finite Sigma ≥ 0 for lognormal, a scale > 0 and a finite
// Alpha > 0 for Pareto.
func (d Dist) Validate() error {
	if d.Kind < Constant || d.Kind > Pareto {
		return fmt.Errorf("unknown distribution kind %d (accepted: %s)", int(d.Kind), DistSyntax)
	}
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{"mean", d.Mean}, {"min", d.Min}, {"max", d.Max}, {"stddev", d.Stddev}} {
		if v.d < 0 {
			return fmt.Errorf("%s %v: want a duration ≥ 0", v.name, v.d)
		}
	}
	switch d.Kind {
	case Uniform:
		if d.Max < d.Min {
			return fmt.Errorf("uniform max %v is below min %v", d.Max, d.Min)
		}
	case LogNormal:
		if !(d.Sigma >= 0) || math.IsInf(d.Sigma, 0) {
			return fmt.Errorf("lognormal sigma %v: want a finite number ≥ 0", d.Sigma)
		}
	case Pareto:
		if d.Min <= 0 {
			return fmt.Errorf("pareto scale %v: want a duration > 0", d.Min)
		}
		if !(d.Alpha > 0) || math.IsInf(d.Alpha, 0) {
			return fmt.Errorf("pareto alpha %v: want a finite number > 0", d.Alpha)
		}
	}
	return nil
}

// String gives the form ParseDist accepts.
func (d Dist) String() string {
	switch d.Kind {
	case Uniform:
		return fmt.Sprintf("uniform:%v-%v", d.Min, d.Max)
	case Normal:
		return fmt.Sprintf("normal:%v,%v", d.Mean, d.Stddev)
	case LogNormal:
		return fmt.Sprintf("lognormal:%v,%g", d.Mean, d.Sigma)
	case Pareto:
		return fmt.Sprintf("pareto:%v,%g", d.Min, d.Alpha)
	}
	return d.Mean.String()
}

// DistSyntax lists the accepted forms, for error messages.
const DistSyntax = "DURATION | uniform:MIN-MAX | normal:MEAN,STDDEV | lognormal:MEDIAN,SIGMA | pareto:SCALE,ALPHA"

// ParseDist parses a distribution, e.g. "5ms", "uniform:1ms-9ms",
// ValidateDist reports whether s parses as a Dist, with ParseDist's error:
// a parameter's Validate.
func ValidateDist(s string) error {
	_, err := ParseDist(s)
	return err
}

// "normal:10ms,2ms", "lognormal:10ms,0.5", "pareto:1ms,1.5".
func ParseDist(s string) (Dist, error) {
	kind, args, ok := strings.Cut(s, ":")
	if !ok {
		d, err := parseNonNeg(s)
		if err != nil {
			return Dist{}, fmt.Errorf("latency %q: %w (accepted: %s)", s, err, DistSyntax)
		}
		return Const(d), nil
	}
	bad := func(err error) (Dist, error) {
		return Dist{}, fmt.Errorf("latency %q: %w (accepted: %s)", s, err, DistSyntax)
	}
	switch kind {
	case "const":
		d, err := parseNonNeg(args)
		if err != nil {
			return bad(err)
		}
		return Const(d), nil
	case "uniform":
		lo, hi, ok := strings.Cut(args, "-")
		if !ok {
			return bad(fmt.Errorf("want MIN-MAX"))
		}
		a, err := parseNonNeg(lo)
		if err != nil {
			return bad(err)
		}
		b, err := parseNonNeg(hi)
		if err != nil {
			return bad(err)
		}
		if b < a {
			return bad(fmt.Errorf("max %v is below min %v", b, a))
		}
		return Dist{Kind: Uniform, Min: a, Max: b}, nil
	case "normal", "lognormal", "pareto":
		x, y, ok := strings.Cut(args, ",")
		if !ok {
			return bad(fmt.Errorf("want two parameters separated by a comma"))
		}
		a, err := parseNonNeg(x)
		if err != nil {
			return bad(err)
		}
		switch kind {
		case "normal":
			sd, err := parseNonNeg(y)
			if err != nil {
				return bad(err)
			}
			return Dist{Kind: Normal, Mean: a, Stddev: sd}, nil
		case "lognormal":
			f, err := strconv.ParseFloat(y, 64)
			if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return bad(fmt.Errorf("sigma %q must be a number ≥ 0", y))
			}
			return Dist{Kind: LogNormal, Mean: a, Sigma: f}, nil
		default:
			f, err := strconv.ParseFloat(y, 64)
			if err != nil || f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return bad(fmt.Errorf("alpha %q must be a number > 0", y))
			}
			if a == 0 {
				return bad(fmt.Errorf("pareto scale must be > 0"))
			}
			return Dist{Kind: Pareto, Min: a, Alpha: f}, nil
		}
	}
	return bad(fmt.Errorf("unknown distribution %q", kind))
}

func parseNonNeg(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %v", d)
	}
	return d, nil
}
