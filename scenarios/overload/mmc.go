package overload

import (
	"math"
	"time"
)

// MMcResponseQuantile returns the q-quantile of the response time (wait
// plus service) of a FIFO M/M/c queue with arrival rate lambda per
// second and mean service time s, and false if the queue is unstable.
// The wait is 0 with probability 1-C (Erlang C) and otherwise
// exponential at rate cμ-λ; the response adds an exponential service.
func MMcResponseQuantile(c int, lambda float64, s time.Duration, q float64) (time.Duration, bool) {
	mean, ok := MMcResponse(c, lambda, s)
	if !ok {
		return 0, false
	}
	mu := 1 / s.Seconds()
	theta := float64(c)*mu - lambda
	pWait := (mean.Seconds() - 1/mu) * theta // from W = C/(cμ-λ)
	tail := func(t float64) float64 {
		// P(E_θ + E_μ > t), hypoexponential; the limit when θ = μ.
		var both float64
		if math.Abs(theta-mu) < 1e-9*mu {
			both = (1 + mu*t) * math.Exp(-mu*t)
		} else {
			both = (theta*math.Exp(-mu*t) - mu*math.Exp(-theta*t)) / (theta - mu)
		}
		return (1-pWait)*math.Exp(-mu*t) + pWait*both
	}
	lo, hi := 0.0, 1/mu
	for tail(hi) > 1-q {
		hi *= 2
	}
	for range 100 {
		mid := (lo + hi) / 2
		if tail(mid) > 1-q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration(hi * 1e9), true
}
