package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/patterns/timeout"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

var stormPolicies = []string{"naive", "budget", "breaker", "backoff", "shed"}

// RetryStorm is the metastable-failure demo.
var RetryStorm = &scenarios.Scenario{
	Name:    "retry-storm",
	Summary: "metastable failure: a short trigger plus naive retries leaves goodput stuck low; budgets, breakers, backoff or shedding recover",
	Description: "Open-loop clients send `rate` requests per second to a server with `workers` workers, " +
		"an unbounded FIFO queue and exponential service of mean `service` (capacity workers/service). " +
		"Each request has a per-attempt `timeout` and an overall `deadline`. At `trigger_at` a trigger " +
		"lasts `trigger_for`: a capacity dip (service `dip`× slower) or a load spike (`spike`× the rate). " +
		"With policy=naive (3 attempts, immediate retries on timeout) the queue fills with attempts whose " +
		"clients already gave up; the server keeps doing that zombie work, every attempt times out, " +
		"retries multiply the load past capacity, and goodput stays near zero long after the trigger ended. " +
		"policy=budget adds a token-bucket retry budget, breaker a circuit breaker, backoff exponential " +
		"backoff with equal jitter (a retry waits at least half the backoff, so fewer retries fit the deadline), and shed a bounded adaptive-LIFO queue " +
		"with CoDel-style delay shedding on the server; each lets the system recover. Reports goodput " +
		"before, during and after the trigger and recovery_ms, the time from the trigger's end until the " +
		"goodput is back to 90% of its level before (the rest of the run when it never is; recovered=0).",
	Params: []scenarios.Param{
		{Name: "policy", Default: "naive", Kind: scenarios.String, Choices: stormPolicies, Help: "client/server policy"},
		{Name: "rate", Default: "45", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second"},
		{Name: "workers", Default: "8", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "server workers"},
		{Name: "service", Default: "exp:80ms", Kind: scenarios.String, Help: "service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "timeout", Default: "500ms", Kind: scenarios.Duration, Help: "per-attempt timeout"},
		{Name: "deadline", Default: "1.5s", Kind: scenarios.Duration, Help: "overall deadline of a request, retries included"},
		{Name: "trigger", Default: "dip", Kind: scenarios.String, Choices: []string{"dip", "spike", "none"}, Help: "capacity dip or load spike"},
		{Name: "trigger_at", Default: "20s", Kind: scenarios.Duration, Help: "when the trigger starts"},
		{Name: "trigger_for", Default: "5s", Kind: scenarios.Duration, Help: "how long the trigger lasts"},
		{Name: "dip", Default: "4", Kind: scenarios.Float, Min: 1, Max: 1000, Help: "service-time factor during a dip"},
		{Name: "spike", Default: "3", Kind: scenarios.Float, Min: 1, Max: 1000, Help: "rate factor during a spike"},
		{Name: "duration", Default: "60s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runRetryStorm,
	Validate:   windowBeforeEnd("trigger", "trigger_at", "trigger_for"),
}

// stormPipeline is the callers' pipeline under each policy: three attempts
// without backoff, bounded per attempt and overall.
func stormPipeline(policy string, attemptTimeout, deadline time.Duration) *pipeline.Config {
	c := &pipeline.Config{
		Retry:   &retry.Config{MaxAttempts: 3, Backoff: retry.BackoffConfig{Kind: retry.None}},
		Timeout: &timeout.Config{PerAttempt: attemptTimeout, Overall: deadline},
	}
	switch policy {
	case "budget":
		c.Budget = &budget.Config{Kind: budget.Token}
	case "breaker":
		c.Breaker = &breaker.Config{FailureRateThreshold: 0.5, WindowSize: 20, MinimumCalls: 10,
			OpenDuration: 2 * time.Second, HalfOpenProbes: 3}
	case "backoff":
		c.Retry.Backoff = retry.BackoffConfig{Kind: retry.EqualJitter, Base: asSet(attemptTimeout), Cap: 10 * time.Second}
	}
	return c
}

func runRetryStorm(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	dur, at0, span := p.Duration("duration"), p.Duration("trigger_at"), p.Duration("trigger_for")
	policy := p.String("policy")
	pl, err := applySets(r, stormPipeline(policy, p.Duration("timeout"), p.Duration("deadline")))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 2, time.Millisecond)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	sc := services.ServerConfig{Prefix: "server_", Workers: p.Int("workers"), MaxQueue: services.Unbounded, Service: dist, Attempts: st.Attempts}
	if policy == "shed" {
		sc.Shed = &shed.Config{MaxQueue: 2 * p.Int("workers"), Order: shed.AdaptiveLIFO, TargetDelay: p.Duration("timeout") / 5, Interval: p.Duration("timeout")}
	}
	srv, server, err := addServer(rt, sc)
	if err != nil {
		return err
	}
	prof := services.Profile{Kind: services.Steady, Rate: p.Float("rate")}
	if p.String("trigger") == "spike" {
		prof = services.Profile{Kind: services.Spike, Rate: p.Float("rate"), Peak: p.Float("rate") * p.Float("spike"), At: at0, For: span}
	}
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: pl, BreakerSeries: "breaker_state"},
		Open:   &prof, Stop: dur,
	})); err != nil {
		return err
	}
	if p.String("trigger") == "dip" {
		at(r.World, at0, func() { server().SetSlow(p.Float("dip")) })
		at(r.World, at0+span, func() { server().SetSlow(1) })
	}
	if err := finish(r, rt, dur, 0, st); err != nil {
		return err
	}
	w := r.World
	before := windowRate(w, "goodput_rps", min(5*time.Second, at0/2), at0)
	during := windowRate(w, "goodput_rps", at0, at0+span)
	afterFrom := max(at0+span, dur-(dur-at0-span)/2)
	after := windowRate(w, "goodput_rps", afterFrom, dur)
	r.Metric("goodput_before_rps", before)
	r.Metric("goodput_during_rps", during)
	r.Metric("goodput_after_rps", after)
	rec, ok := recovery(w, at0+span, dur, 0.9*before)
	r.Metric("recovery_ms", float64(rec)/1e6)
	r.Metric("recovered", b2f(ok))
	if !ok {
		r.Note("no recovery: goodput stayed below 90%% of %.1f rps for the %v after the trigger", before, dur-at0-span)
	}
	return nil
}

// recovery returns how long after from the goodput series first reaches
// target for two steps in a row, or the time to end and false.
func recovery(w *sim.World, from, end time.Duration, target float64) (time.Duration, bool) {
	pts := w.Metrics.Series("goodput_rps", sim.SeriesRate, services.SeriesStep).Points(sim.At(end))
	for i := 0; i+1 < len(pts); i++ {
		t := time.Duration(pts[i].T * 1e9)
		if t < from {
			continue
		}
		if pts[i].V >= target && pts[i+1].V >= target {
			return max(t-from, 0), true
		}
	}
	return end - from, false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
