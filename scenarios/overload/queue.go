package overload

import (
	"math"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/scenarios"
)

// Queue is the calibration scenario: an M/M/c queue whose mean response
// time must agree with the Erlang C formula.
var Queue = &scenarios.Scenario{
	Name:    "queue",
	Summary: "one server, Poisson arrivals, exponential service: latency against queueing theory (M/M/c)",
	Description: "A single server with `workers` workers and a FIFO queue takes Poisson arrivals at " +
		"`rate` requests per second; each call takes an exponential service time of mean " +
		"`service`. This calibrates the simulator: with exponential service and utilization " +
		"below 1, the mean response time must match the Erlang C formula for M/M/c " +
		"(reported as theory_latency_mean_ms), and the check erlang_c fails when it does not. " +
		"Other service distributions (const, lognormal, bimodal) and a bounded queue show how " +
		"far reality is from the formula; the check is then unknown.",
	Params: []scenarios.Param{
		{Name: "rate", Default: "70", Kind: scenarios.Float, Min: 0.001, Max: 1e6, Help: "arrivals per second (Poisson)"},
		{Name: "workers", Default: "2", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "server workers (c in M/M/c)"},
		{Name: "service", Default: "exp:20ms", Kind: scenarios.String, Help: "service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "queue", Default: "-1", Kind: scenarios.Int, Min: -1, Max: 1e9, Help: "queue bound: -1 unbounded, 0 none"},
		{Name: "duration", Default: "60s", Kind: scenarios.Duration, Help: "how long arrivals last; the queue then drains",
			Validate: scenarios.PositiveDuration},
		{Name: "tolerance", Default: "0.15", Kind: scenarios.Float, Min: 0, Max: 10, Help: "relative error allowed against Erlang C"},
		loadShapeParam(),
	},
	Run: runQueue,
}

// MMcResponse returns the mean response time (wait plus service) of an
// M/M/c queue with arrival rate lambda per second and mean service time
// s, by the Erlang C formula, and false if the queue is unstable.
func MMcResponse(c int, lambda float64, s time.Duration) (time.Duration, bool) {
	mu := 1 / s.Seconds()
	a := lambda / mu
	rho := a / float64(c)
	if rho >= 1 {
		return 0, false
	}
	// Sum a^k/k! iteratively to avoid overflow for large c.
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		sum += term
		// float64() rounds the product, so no platform fuses it into an FMA.
		term = float64(term * (a / float64(k+1)))
	}
	tail := term / (1 - rho) // a^c/c! · 1/(1-ρ)
	pWait := tail / (sum + tail)
	w := pWait/(float64(float64(c)*mu)-lambda) + 1/mu
	return time.Duration(w * 1e9), true
}

func runQueue(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	dur := p.Duration("duration")
	rt, err := cluster(r, 2, 0)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	srv, _, err := addServer(rt, services.ServerConfig{
		Prefix: "server_", Workers: p.Int("workers"), MaxQueue: p.Int("queue"), Service: dist, Attempts: st.Attempts,
	})
	if err != nil {
		return err
	}
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")},
		Stop:   dur,
	})); err != nil {
		return err
	}
	if err := finish(r, rt, dur, untilIdle, st); err != nil {
		return err
	}
	m := r.World.Metrics
	busy := m.Gauge("server_busy").Mean(r.World.Now())
	r.Metric("utilization", busy/float64(p.Int("workers")))
	theory, stable := MMcResponse(p.Int("workers"), p.Float("rate"), dist.MeanDuration())
	mean := st.Latency.Mean()
	const name = "erlang_c"
	switch {
	case !stable:
		r.Note("utilization ≥ 1: the queue is unstable, Erlang C does not apply")
		r.Check(checks.Unknownf(name, "utilization ≥ 1"))
	case !shapeOf(r).IsConstant():
		r.Check(checks.Unknownf(name, "Erlang C needs a constant load (load_shape=constant)"))
	case dist.Kind != services.Exponential || p.Int("queue") != services.Unbounded:
		r.Metric("theory_latency_mean_ms", float64(theory)/1e6)
		r.Check(checks.Unknownf(name, "Erlang C needs exponential service and an unbounded queue"))
	case st.Latency.Count() < 2000:
		r.Metric("theory_latency_mean_ms", float64(theory)/1e6)
		r.Check(checks.Unknownf(name, "fewer than 2000 requests: too few to compare"))
	default:
		th := float64(theory) / 1e6
		r.Metric("theory_latency_mean_ms", th)
		rel := math.Abs(mean-th) / th
		r.Metric("theory_error", rel)
		if rel <= p.Float("tolerance") {
			r.Check(checks.Pass(name))
		} else {
			r.Check(checks.Failf(name, "mean response %.3fms vs Erlang C %.3fms: error %.1f%% > %.0f%%", mean, th, 100*rel, 100*p.Float("tolerance")))
		}
	}
	return nil
}
