package overload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/scenarios"
)

// RateLimit shows server-side admission by a token bucket under a load
// spike, against none.
var RateLimit = &scenarios.Scenario{
	Name:    "rate-limit",
	Summary: "a load spike on a server that slows down under concurrency: a token-bucket limiter keeps admitted calls fast and goodput near the limit; without one latency explodes and goodput collapses",
	Description: "Open-loop clients send `rate` requests per second, `spike`× that from `spike_at` for `spike_for`, " +
		"with a per-request `timeout` and no retries. The server has `workers` workers, an unbounded FIFO queue " +
		"and service `service`, stretched by a load-dependent `slowdown`: a call that starts with b workers busy " +
		"takes service·(1 + slowdown·(b−1)), so a saturated server does less work per second (contention, " +
		"cache thrashing) than its nominal capacity (capacity_rps against saturated_capacity_rps). " +
		"With limiter=none the spike saturates it, the queue grows past what any client will wait for, the " +
		"server spends its capacity on calls whose clients gave up, and goodput falls to zero until the " +
		"backlog has drained, long after the spike. With limiter=bursty a token bucket at the server's door " +
		"(patterns/ratelimit: `limit` per second, bucket of `burst`) rejects calls over the limit at once as " +
		"overloaded, without queueing them: admitted calls keep a low latency (ok_latency_*_ms, the latency of " +
		"succeeded requests) and goodput stays near the limit through the spike. limiter=smooth is a bucket of " +
		"one token: calls are admitted at least 1/limit apart, which also rejects Poisson arrivals well under " +
		"the limit (reject_fraction_before). Reports goodput before, during and after the spike, " +
		"admitted_spike_rps, server_rate_limited and rejected_latency_*_ms; checks that the admitted calls " +
		"never exceed limit·t + bucket size, over the spike and over the run.",
	Params: []scenarios.Param{
		{Name: "limiter", Default: "bursty", Kind: scenarios.String, Choices: []string{"none", "bursty", "smooth"}, Help: "server-side rate limiter"},
		{Name: "limit", Default: "200", Kind: scenarios.Float, Min: 0.1, Max: 1e6, Help: "calls admitted per second"},
		{Name: "burst", Default: "20", Kind: scenarios.Int, Min: 1, Max: 1e6, Help: "bucket size in bursty mode"},
		{Name: "rate", Default: "150", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second outside the spike"},
		{Name: "spike", Default: "3", Kind: scenarios.Float, Min: 1, Max: 1000, Help: "rate factor during the spike"},
		{Name: "spike_at", Default: "10s", Kind: scenarios.Duration, Help: "when the spike starts"},
		{Name: "spike_for", Default: "10s", Kind: scenarios.Duration, Help: "how long the spike lasts"},
		{Name: "workers", Default: "8", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "server workers"},
		{Name: "service", Default: "exp:20ms", Kind: scenarios.String, Help: "service time at one busy worker: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "slowdown", Default: "0.1", Kind: scenarios.Float, Min: 0, Max: 100, Help: "service-time stretch per other busy worker"},
		{Name: "timeout", Default: "1s", Kind: scenarios.Duration, Help: "per-request timeout"},
		{Name: "duration", Default: "40s", Kind: scenarios.Duration, Help: "how long clients send requests"},
	},
	MoreParams: pipelineTail,
	Run:        runRateLimit,
	Validate: func(v scenarios.Values) error {
		if v.Duration("timeout") <= 0 {
			return fmt.Errorf("parameter timeout: want a duration > 0")
		}
		return windowBeforeEnd("spike", "spike_at", "spike_for")(v)
	},
}

func runRateLimit(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	dur, at0, span := p.Duration("duration"), p.Duration("spike_at"), p.Duration("spike_for")
	pl, err := applySets(r, perAttempt(p.Duration("timeout")))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	workers, slowdown := p.Int("workers"), p.Float("slowdown")
	sc := services.ServerConfig{Prefix: "server_", Workers: workers, MaxQueue: services.Unbounded, Service: dist,
		Slowdown: slowdown, Attempts: st.Attempts}
	limit := p.Float("limit")
	bucket := 0.0
	if mode := p.String("limiter"); mode != "none" {
		sc.RateLimit = &ratelimit.Config{RatePerSec: limit, Burst: p.Int("burst"), Mode: ratelimit.Mode(mode)}
		bucket = float64(p.Int("burst"))
		if mode == "smooth" {
			bucket = 1
		}
	}
	srv, _, err := addServer(rt, sc)
	if err != nil {
		return err
	}
	okLat, rejLat := m.Histogram("ok_latency_ms"), m.Histogram("rejected_latency_ms")
	prof := services.Profile{Kind: services.Spike, Rate: p.Float("rate"), Peak: p.Float("rate") * p.Float("spike"), At: at0, For: span}
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: pl},
		Open:   &prof, Stop: dur,
		OnResult: func(_ int, res services.Result) {
			switch {
			case res.OK:
				okLat.ObserveDuration(res.Latency)
			case res.Class == retry.Overloaded:
				rejLat.ObserveDuration(res.Latency)
			}
		},
	})); err != nil {
		return err
	}
	limited := m.Counter("server_rate_limited")
	admitted := func() float64 { return st.Attempts.Value() - limited.Value() }
	var admAt [2]float64
	var reqBefore, rejBefore float64
	at(r.World, at0, func() {
		admAt[0] = admitted()
		reqBefore, rejBefore = st.Requests.Value(), st.Rejected.Value()
	})
	at(r.World, at0+span, func() { admAt[1] = admitted() })
	if err := finish(r, rt, dur, p.Duration("timeout")+time.Second, st); err != nil {
		return err
	}
	if sc.RateLimit != nil {
		r.Check(withinLimit("admitted_within_limit", admAt[1]-admAt[0], limit, span, bucket))
		r.Check(withinLimit("admitted_within_limit_run", admitted(), limit, dur, bucket))
	}
	w := r.World
	capacity := float64(workers) / dist.MeanDuration().Seconds()
	r.Metric("capacity_rps", capacity)
	r.Metric("saturated_capacity_rps", capacity/(1+float64(slowdown*float64(workers-1))))
	r.Metric("admitted_spike_rps", (admAt[1]-admAt[0])/span.Seconds())
	r.Metric("reject_fraction_before", ratio(rejBefore, reqBefore))
	r.Metric("goodput_before_rps", windowRate(w, "goodput_rps", min(5*time.Second, at0/2), at0))
	r.Metric("goodput_spike_rps", windowRate(w, "goodput_rps", at0, at0+span))
	r.Metric("goodput_after_rps", windowRate(w, "goodput_rps", at0+span, dur))
	return nil
}

// withinLimit checks a token bucket's promise: in any span, at most
// rate·span + bucket calls get through.
func withinLimit(name string, admitted, rate float64, span time.Duration, bucket float64) checks.Result {
	// float64() rounds the product, so no platform fuses it into an FMA.
	if bound := float64(rate*span.Seconds()) + bucket; admitted > bound+1e-9 {
		return checks.Failf(name, "%v calls admitted in %v, want ≤ %v·%v + %v = %v", admitted, span, rate, span.Seconds(), bucket, bound)
	}
	return checks.Pass(name)
}
