package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/scenarios"
)

// Chaos injects errors and latency in front of a server, and compares the
// client's resilience with and without retries and a fallback.
var Chaos = &scenarios.Scenario{
	Name:    "chaos",
	Summary: "chaos middleware injects errors and latency: with and without retries and fallback",
	Description: "Chaos middleware in front of a healthy server fails a fraction `error_rate` of calls at once and " +
		"adds `delay` to a fraction `delay_rate` of them. The client has a per-attempt `timeout`. With " +
		"resilience=none every injected error and every delay longer than the timeout fails a request. " +
		"With retry, up to 3 attempts with exponential backoff (10 ms base, full jitter) recover most of " +
		"them at the cost of amplification. With retry+fallback, what retries cannot save is served " +
		"degraded. Reports success_rate, degraded_fraction, amplification and latency. Keys of the client " +
		"pipeline can be set with --set.",
	Params: []scenarios.Param{
		{Name: "resilience", Default: "retry+fallback", Kind: scenarios.String, Choices: []string{"none", "retry", "retry+fallback"}, Help: "client pipeline"},
		{Name: "error_rate", Default: "0.2", Kind: scenarios.Prob, Help: "fraction of calls failed by chaos"},
		{Name: "delay_rate", Default: "0.1", Kind: scenarios.Prob, Help: "fraction of calls delayed by chaos"},
		{Name: "delay", Default: "500ms", Kind: scenarios.Duration, Help: "injected delay"},
		{Name: "timeout", Default: "200ms", Kind: scenarios.Duration, Help: "per-attempt timeout"},
		{Name: "rate", Default: "100", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runChaos,
}

func runChaos(r *scenarios.Run) error {
	p := r.Params
	pl, err := applySets(r, chaosPipeline(p.String("resilience"), p.Duration("timeout")))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	srv, _, err := addServer(rt, services.ServerConfig{Prefix: "server_", Workers: 50, MaxQueue: services.Unbounded,
		Service: services.Exp(10 * time.Millisecond), Attempts: st.Attempts,
		ChaosErrorRate: p.Float("error_rate"), ChaosLatencyRate: p.Float("delay_rate"), ChaosLatency: p.Duration("delay")})
	if err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: pl},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
	})); err != nil {
		return err
	}
	if err := finish(r, rt, dur, 3*time.Second, st); err != nil {
		return err
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	r.Metric("degraded_fraction", ratio(st.Degraded.Value(), st.Requests.Value()))
	return nil
}

// chaosPipeline is the client's pipeline: each attempt bounded by to, and
// with resilience on, retries of internal errors too, then a fallback.
func chaosPipeline(resilience string, to time.Duration) *pipeline.Config {
	c := perAttempt(to)
	switch resilience {
	case "retry", "retry+fallback":
		c.Retry = &retry.Config{MaxAttempts: 3,
			RetryOn: []retry.Class{retry.Timeout, retry.Unavailable, retry.Overloaded, retry.Internal},
			Backoff: retry.BackoffConfig{Kind: retry.FullJitter, Base: 10 * time.Millisecond}}
	}
	if resilience == "retry+fallback" {
		c.Fallback = &fallback.Config{Value: "cached"}
	}
	return c
}
