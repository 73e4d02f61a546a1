package services

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DistKind names a service-time distribution.
type DistKind int

// Service-time distributions.
const (
	Exponential DistKind = iota // mean Mean
	Constant                    // always Mean
	LogNormal                   // median Mean, shape Sigma
	Bimodal                     // Mean with probability 1-SlowProb, else Slow
)

// Dist is a service-time distribution.
type Dist struct {
	Kind     DistKind
	Mean     time.Duration // exponential mean, constant value, lognormal median, bimodal fast mode
	Sigma    float64       // lognormal shape
	Slow     time.Duration // bimodal slow mode
	SlowProb float64       // bimodal: probability of the slow mode
}

// DistSyntax lists the forms ParseDist accepts, for error messages.
const DistSyntax = "exp:MEAN | const:D | lognormal:MEDIAN,SIGMA | bimodal:FAST,SLOW,P_SLOW (a bare duration is exp)"

// Exp returns an exponential distribution with mean m.
func Exp(m time.Duration) Dist { return Dist{Kind: Exponential, Mean: m} }

// ParseDist parses a service-time distribution, e.g. "exp:10ms", "10ms",
// ValidateDist reports whether s parses as a Dist, with ParseDist's error:
// a parameter's Validate.
func ValidateDist(s string) error {
	_, err := ParseDist(s)
	return err
}

// "const:5ms", "lognormal:10ms,0.5", "bimodal:5ms,200ms,0.05".
func ParseDist(s string) (Dist, error) {
	bad := func(why string) (Dist, error) {
		return Dist{}, fmt.Errorf("service time %q: %s (accepted: %s)", s, why, DistSyntax)
	}
	kind, args, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		kind, args = "exp", kind
	}
	parts := strings.Split(args, ",")
	durs := func(n int) ([]time.Duration, bool) {
		var out []time.Duration
		for i := range n {
			d, err := time.ParseDuration(strings.TrimSpace(parts[i]))
			if err != nil || d < 0 {
				return nil, false
			}
			out = append(out, d)
		}
		return out, true
	}
	switch kind {
	case "exp", "const":
		if len(parts) != 1 {
			return bad("want one duration")
		}
		d, ok := durs(1)
		if !ok {
			return bad("bad duration")
		}
		if kind == "exp" {
			return Exp(d[0]), nil
		}
		return Dist{Kind: Constant, Mean: d[0]}, nil
	case "lognormal":
		if len(parts) != 2 {
			return bad("want MEDIAN,SIGMA")
		}
		d, ok := durs(1)
		sigma, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		if !ok || err != nil || !(sigma >= 0 && sigma <= 5) {
			return bad("want a duration and a sigma in [0, 5]")
		}
		return Dist{Kind: LogNormal, Mean: d[0], Sigma: sigma}, nil
	case "bimodal":
		if len(parts) != 3 {
			return bad("want FAST,SLOW,P_SLOW")
		}
		d, ok := durs(2)
		p, err := strconv.ParseFloat(strings.TrimSpace(parts[2]), 64)
		if !ok || err != nil || !(p >= 0 && p <= 1) {
			return bad("want two durations and a probability in [0, 1]")
		}
		return Dist{Kind: Bimodal, Mean: d[0], Slow: d[1], SlowProb: p}, nil
	}
	return bad("unknown distribution " + strconv.Quote(kind))
}

// String gives the form ParseDist accepts.
func (d Dist) String() string {
	switch d.Kind {
	case Constant:
		return "const:" + d.Mean.String()
	case LogNormal:
		return fmt.Sprintf("lognormal:%v,%g", d.Mean, d.Sigma)
	case Bimodal:
		return fmt.Sprintf("bimodal:%v,%v,%g", d.Mean, d.Slow, d.SlowProb)
	}
	return "exp:" + d.Mean.String()
}

// Sample draws one service time.
func (d Dist) Sample(rng *rand.Rand) time.Duration {
	switch d.Kind {
	case Constant:
		return d.Mean
	case LogNormal:
		return clampDur(float64(d.Mean) * math.Exp(rng.NormFloat64()*d.Sigma))
	case Bimodal:
		if rng.Float64() < d.SlowProb {
			return d.Slow
		}
		return d.Mean
	}
	return clampDur(rng.ExpFloat64() * float64(d.Mean))
}

func clampDur(v float64) time.Duration {
	if v > float64(time.Hour) {
		return time.Hour
	}
	return time.Duration(v)
}

// MeanDuration returns the distribution's mean.
func (d Dist) MeanDuration() time.Duration {
	switch d.Kind {
	case LogNormal:
		return time.Duration(float64(d.Mean) * math.Exp(d.Sigma*d.Sigma/2))
	case Bimodal:
		// float64() rounds the product, so no platform fuses it into an FMA.
		return time.Duration(float64((1-d.SlowProb)*float64(d.Mean)) + float64(d.SlowProb*float64(d.Slow)))
	}
	return d.Mean
}

// Quantile returns the q-quantile of the distribution, q in (0, 1), for
// rules of thumb such as timeout = 3 × p99.
func (d Dist) Quantile(q float64) time.Duration {
	switch d.Kind {
	case Constant:
		return d.Mean
	case LogNormal:
		return time.Duration(float64(d.Mean) * math.Exp(d.Sigma*normQuantile(q)))
	case Bimodal:
		if 1-q < d.SlowProb {
			return d.Slow
		}
		return d.Mean
	}
	return time.Duration(-math.Log(1-q) * float64(d.Mean))
}

// normQuantile is the standard normal quantile (Acklam's approximation is
// more than precise enough for a rule of thumb; this uses the inverse erf).
func normQuantile(q float64) float64 { return math.Sqrt2 * math.Erfinv(2*q-1) }
