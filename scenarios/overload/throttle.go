package overload

import (
	"fmt"
	"strconv"
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/throttle"
	"github.com/faultline/faultline/patterns/timeout"
	"github.com/faultline/faultline/scenarios"
)

// Throttle shows client-side adaptive throttling cutting the load that
// retries of rejected requests put on an overloaded backend.
var Throttle = &scenarios.Scenario{
	Name:    "throttle",
	Summary: "an overloaded backend rejects and clients retry: adaptive client-side throttling (Google SRE, K=2 or 1.1) cuts the attempts that reach the backend to about K × what it accepts",
	Description: "Open-loop clients send `base`× the backend's capacity (workers/mean service), and `load`× " +
		"it from `overload_at` for `overload_for`. The backend has `workers` workers and a queue of " +
		"`max_queue` places; a call that finds the queue full is rejected at once as overloaded. Clients " +
		"retry rejected and timed-out attempts up to `retries` times with full-jitter exponential backoff. " +
		"With k=0 (no throttling) every rejection brings retries, so the backend receives several attempts " +
		"per request and rejects most of them: the rejected work is a load of its own (each one is still a " +
		"message to receive, parse and answer). With k ≥ 1 the client throttles adaptively (Google SRE book, " +
		"\"Handling Overload\"; patterns/throttle): it counts its requests and the backend's accepts over " +
		"`throttle.window` (2 minutes by default) and refuses an attempt locally with probability " +
		"max(0, (requests − k·accepts)/(requests + 1)), so at most about k× what the backend accepts reaches " +
		"it. Goodput stays at the backend's capacity either way; what falls is the backend's load " +
		"(backend_load_overload_rps, attempts reaching it per second during the overload) and its " +
		"rejections. The cost: requests refused locally fail without trying (throttled), and the window " +
		"remembers the overload, so the throttle still refuses some requests after it has ended " +
		"(goodput_after_rps; a shorter throttle.window forgets sooner). Refusals count as requests, so a " +
		"k close to 1 feeds on itself: k=1.1 refuses most requests from its cold start on (while the first " +
		"replies are in flight no accepts are counted yet), even below capacity, and recovers only slowly. Reports capacity_rps, " +
		"backend_load_rps, backend_load_overload_rps, backend_rejected_overload_rps, " +
		"amplification_overload, throttled, success_rate and goodput before, during and after the overload; " +
		"checks that no request made more than retries + 1 attempts.",
	Params: []scenarios.Param{
		{Name: "k", Default: "2", Kind: scenarios.Float, Min: 0, Max: 100, Help: "throttle's accepts multiplier: 0 = no throttling (throttle.* keys then ignored), else in [1, 100] (lower refuses sooner)",
			Validate: func(v string) error {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1 {
					return fmt.Errorf("bad value %q (accepted: 0 for no throttling, or a number in [1, 100])", v)
				}
				return nil
			}},
		{Name: "retries", Default: "3", Kind: scenarios.Int, Min: 0, Max: 20, Help: "retries per request (attempts = retries + 1)"},
		{Name: "base", Default: "0.5", Kind: scenarios.Float, Min: 0.01, Max: 100, Help: "offered load outside the overload, as a multiple of capacity"},
		{Name: "load", Default: "2", Kind: scenarios.Float, Min: 0.01, Max: 100, Help: "offered load during the overload, as a multiple of capacity"},
		{Name: "overload_at", Default: "10s", Kind: scenarios.Duration, Help: "when the overload starts"},
		{Name: "overload_for", Default: "30s", Kind: scenarios.Duration, Help: "how long the overload lasts"},
		{Name: "workers", Default: "4", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "backend workers"},
		{Name: "service", Default: "exp:40ms", Kind: scenarios.String, Help: "backend service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "max_queue", Default: "20", Kind: scenarios.Int, Min: 0, Max: 1e6, Help: "backend queue places; a call that finds them full is rejected"},
		{Name: "duration", Default: "60s", Kind: scenarios.Duration, Help: "how long clients send requests"},
	},
	MoreParams: pipelineTail,
	Run:        runThrottle,
	Validate:   windowBeforeEnd("overload", "overload_at", "overload_for"),
}

func runThrottle(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	dur, at0, span := p.Duration("duration"), p.Duration("overload_at"), p.Duration("overload_for")
	attempts := p.Int("retries") + 1
	pl, err := applySets(r, throttlePipeline(attempts, p.Float("k")))
	if err != nil {
		return err
	}
	if p.Float("k") == 0 {
		pl.Throttle = nil // k=0 is off, whatever throttle.* keys say
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	workers := p.Int("workers")
	capacity := float64(workers) / dist.MeanDuration().Seconds()
	srv, _, err := addServer(rt, services.ServerConfig{Prefix: "server_", Workers: workers, MaxQueue: p.Int("max_queue"),
		Service: dist, Attempts: st.Attempts})
	if err != nil {
		return err
	}
	throttled := m.Counter("throttled")
	prof := services.Profile{Kind: services.Spike, Rate: p.Float("base") * capacity, Peak: p.Float("load") * capacity, At: at0, For: span}
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: pl},
		Open:   &prof, Stop: dur,
		OnResult: func(_ int, res services.Result) {
			if res.Class == retry.Rejected { // refused by the client's own throttle
				throttled.Inc()
			}
		},
	})); err != nil {
		return err
	}
	shed := m.Counter("server_shed")
	type sample struct{ req, att, shed float64 }
	var s [2]sample
	snap := func(i int) func() {
		return func() { s[i] = sample{st.Requests.Value(), st.Attempts.Value(), shed.Value()} }
	}
	at(r.World, at0, snap(0))
	at(r.World, at0+span, snap(1))
	if err := finish(r, rt, dur, 3*time.Second, st); err != nil {
		return err
	}
	req, att := st.Requests.Value(), st.Attempts.Value()
	r.Check(attemptsBounded(pl, st.MostAttempts))
	w := r.World
	r.Metric("capacity_rps", capacity)
	r.Metric("backend_load_rps", att/dur.Seconds())
	r.Metric("backend_load_overload_rps", (s[1].att-s[0].att)/span.Seconds())
	r.Metric("backend_rejected_overload_rps", (s[1].shed-s[0].shed)/span.Seconds())
	r.Metric("amplification_overload", ratio(s[1].att-s[0].att, s[1].req-s[0].req))
	r.Metric("success_rate", ratio(st.Succeeded.Value(), req))
	r.Metric("goodput_before_rps", windowRate(w, "goodput_rps", min(5*time.Second, at0/2), at0))
	r.Metric("goodput_overload_rps", windowRate(w, "goodput_rps", at0, at0+span))
	r.Metric("goodput_after_rps", windowRate(w, "goodput_rps", at0+span, dur))
	return nil
}

// throttlePipeline retries with full jitter and, if k > 0, throttles with
// accepts multiplier k.
func throttlePipeline(attempts int, k float64) *pipeline.Config {
	c := &pipeline.Config{
		Retry: &retry.Config{MaxAttempts: attempts,
			Backoff: retry.BackoffConfig{Kind: retry.FullJitter, Base: 50 * time.Millisecond, Cap: time.Second}},
		Timeout: &timeout.Config{PerAttempt: time.Second},
	}
	if k > 0 {
		c.Throttle = &throttle.Config{K: k}
	}
	return c
}
