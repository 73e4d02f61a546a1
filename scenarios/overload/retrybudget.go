package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/retrybreaker"
	"github.com/faultline/faultline/scenarios"
)

// RetryBudget compares retry policies against a server that fails a
// fraction of calls.
var RetryBudget = &scenarios.Scenario{
	Name:    "retry-budget",
	Summary: "a failing server: no retries, N retries, a token-bucket budget, a breaker on calls and a breaker on retries, on success and amplification",
	Description: "Clients send `rate` requests per second to a server that fails a fraction `error_rate` of calls " +
		"(503, retryable), and `outage_rate` of them during an outage from `outage_at` lasting `outage_for`. " +
		"policy=none makes one attempt; retries makes up to `retries` retries, which lifts the success rate when " +
		"failures are rare but multiplies the load (amplification) by up to retries+1 during the outage; budget " +
		"adds a gRPC-style token bucket that allows retries only while most calls succeed; breaker adds a circuit " +
		"breaker on the failure rate, which stops calling during the outage; retry-breaker adds Brooker's circuit " +
		"breaker on retries, which stops retrying (first tries still go out) while the recent failure rate is at " +
		"least 10%. Reports success_rate, amplification, " +
		"and amplification_outage (attempts per request during the outage).",
	Params: []scenarios.Param{
		{Name: "policy", Default: "budget", Kind: scenarios.String, Choices: []string{"none", "retries", "budget", "breaker", "retry-breaker"}, Help: "retry policy"},
		{Name: "retries", Default: "3", Kind: scenarios.Int, Min: 0, Max: 20, Help: "retries per request (attempts = retries + 1)"},
		{Name: "error_rate", Default: "0.1", Kind: scenarios.Prob, Help: "fraction of calls that fail"},
		{Name: "outage_rate", Default: "0.9", Kind: scenarios.Prob, Help: "fraction that fail during the outage"},
		{Name: "outage_at", Default: "10s", Kind: scenarios.Duration, Help: "outage start"},
		{Name: "outage_for", Default: "10s", Kind: scenarios.Duration, Help: "outage length"},
		{Name: "rate", Default: "100", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runRetryBudget,
}

func runRetryBudget(r *scenarios.Run) error {
	p := r.Params
	pl, err := applySets(r, retryBudgetPipeline(p.String("policy"), p.Int("retries")+1))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	srv, server, err := addServer(rt, services.ServerConfig{Prefix: "server_", Workers: 50, MaxQueue: services.Unbounded,
		Service: services.Exp(10 * time.Millisecond), ErrorRate: p.Float("error_rate"), ErrorClass: retry.Unavailable, Attempts: st.Attempts})
	if err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: pl, BreakerSeries: "breaker_state"},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
	})); err != nil {
		return err
	}
	oa, of := p.Duration("outage_at"), p.Duration("outage_for")
	var reqAt, attAt [2]float64
	at(r.World, oa, func() {
		server().SetErrorRate(p.Float("outage_rate"))
		reqAt[0], attAt[0] = st.Requests.Value(), st.Attempts.Value()
	})
	at(r.World, oa+of, func() {
		server().SetErrorRate(p.Float("error_rate"))
		reqAt[1], attAt[1] = st.Requests.Value(), st.Attempts.Value()
	})
	if err := finish(r, rt, dur, 3*time.Second, st); err != nil {
		return err
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	r.Metric("amplification_outage", ratio(attAt[1]-attAt[0], reqAt[1]-reqAt[0]))
	return nil
}

// retryBudgetPipeline is the client's pipeline under each policy: every
// policy but "none" retries with exponential backoff, and some bound the
// retries by a budget or a breaker.
func retryBudgetPipeline(policy string, attempts int) *pipeline.Config {
	c := perAttempt(time.Second)
	switch policy {
	case "retries", "budget", "breaker", "retry-breaker":
		c.Retry = &retry.Config{MaxAttempts: attempts,
			Backoff: retry.BackoffConfig{Kind: retry.Exponential, Base: 10 * time.Millisecond}}
	}
	switch policy {
	case "budget":
		c.Budget = &budget.Config{Kind: budget.Token}
	case "breaker":
		c.Breaker = &breaker.Config{FailureRateThreshold: 0.5, WindowSize: 50, MinimumCalls: 20, OpenDuration: time.Second}
	case "retry-breaker":
		c.RetryBreaker = &retrybreaker.Config{FailureRateThreshold: 0.1, WindowSize: 100}
	}
	return c
}
