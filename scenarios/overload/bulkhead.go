package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/bulkhead"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

var bulkheadOps = []string{"search", "checkout", "profile"}

// Bulkhead shows one slow dependency taking a shared worker pool, and
// per-dependency bulkheads preventing it.
var Bulkhead = &scenarios.Scenario{
	Name:    "bulkhead",
	Summary: "search, checkout and profile share one worker pool, or each gets its own: slow search must not break checkout",
	Description: "A front service with `workers` workers serves three operations, each backed by its own " +
		"service: search, checkout and profile. From `slow_at` for `slow_for`, search becomes `slow`× slower. " +
		"With isolation=shared, search calls hold the front's workers until they all wait on search, and " +
		"checkout and profile fail with it. With isolation=bulkhead, calls to each dependency go through a " +
		"bulkhead of workers/3 slots (no queue): search is refused once its share is busy, and checkout keeps " +
		"the rest of the pool. Reports success rate and p99 per operation (checkout_success_rate, " +
		"checkout_latency_p99_ms...). Keys of the front→search pipeline can be set with --set.",
	Params: []scenarios.Param{
		{Name: "isolation", Default: "bulkhead", Kind: scenarios.String, Choices: []string{"shared", "bulkhead"}, Help: "one pool or a bulkhead per dependency"},
		{Name: "workers", Default: "30", Kind: scenarios.Int, Min: 3, Max: 10000, Help: "front workers"},
		{Name: "slow", Default: "200", Kind: scenarios.Float, Min: 1, Max: 1e6, Help: "search slowdown factor"},
		{Name: "slow_at", Default: "10s", Kind: scenarios.Duration, Help: "when search becomes slow"},
		{Name: "slow_for", Default: "15s", Kind: scenarios.Duration, Help: "how long search stays slow"},
		{Name: "rate", Default: "60", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second, split evenly"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runBulkhead,
}

func runBulkhead(r *scenarios.Run) error {
	p := r.Params
	dep := func(studied bool) (*pipeline.Config, error) {
		c := bulkheadPipeline(p.String("isolation"), p.Int("workers"))
		if studied {
			return applySets(r, c)
		}
		return c, nil
	}
	rt, err := cluster(r, 5, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	var ops []*services.Stats
	var deps []services.Dep
	for i, name := range bulkheadOps {
		ops = append(ops, services.NewStats(m, name+"_"))
		id, _, err := addServer(rt, services.ServerConfig{Prefix: name + "_server_", Workers: 20, MaxQueue: services.Unbounded, Service: services.Exp(20 * time.Millisecond)})
		if err != nil {
			return err
		}
		pl, err := dep(i == 0)
		if err != nil {
			return err
		}
		deps = append(deps, services.Dep{To: id, Op: i, Pipeline: pl})
	}
	front, _, err := addServer(rt, services.ServerConfig{Prefix: "front_", Workers: p.Int("workers"), MaxQueue: services.Unbounded,
		Service: services.Exp(2 * time.Millisecond), Attempts: st.Attempts, Deps: deps})
	if err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: front, Stats: st, Pipeline: perAttempt(2 * time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
		Ops: []float64{1, 1, 1}, OpStats: ops,
	})); err != nil {
		return err
	}
	search := rt.Node(0).(*services.Server)
	sa, sf := p.Duration("slow_at"), p.Duration("slow_for")
	at(r.World, sa, func() { search.SetSlow(p.Float("slow")) })
	at(r.World, sa+sf, func() { search.SetSlow(1) })
	if err := finish(r, rt, dur, 6*time.Second, append(ops, st)...); err != nil {
		return err
	}
	for i, s := range ops {
		r.Metric(bulkheadOps[i]+"_success_rate", ratio(s.Succeeded.Value(), s.Requests.Value()))
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	return nil
}

// bulkheadPipeline is a front's pipeline to one dependency: with
// isolation=bulkhead, a third of the front's workers may call it at once.
func bulkheadPipeline(isolation string, workers int) *pipeline.Config {
	c := perAttempt(5 * time.Second)
	if isolation == "bulkhead" {
		c.Bulkhead = &bulkhead.Config{MaxConcurrent: workers / 3}
	}
	return c
}
