package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

// Cascade shows a slow dependency exhausting its caller, and a circuit
// breaker containing it.
var Cascade = &scenarios.Scenario{
	Name:    "cascade",
	Summary: "A→B→C with B slow: without a breaker A's workers are exhausted and C's callers suffer",
	Description: "Service A serves two operations: half its calls need B, the other half need C. From `slow_at` " +
		"for `slow_for`, B becomes `slow`× slower, and A's calls to B have a generous timeout (`b_timeout`, 30 s " +
		"by default, a common library default). With breaker=off, A's workers all end up waiting on B, so the " +
		"callers of the C path, which has nothing wrong with it, time out too: the failure cascades. With " +
		"breaker=on, A's breaker on B trips on slow and failed calls, A fails the B path fast, its workers stay " +
		"free for the C path, and B, no longer flooded, gets room to recover. Reports per path success rates " +
		"(b_path_success_rate, c_path_success_rate) and A's latency (latency_p99_ms over all requests). " +
		"Keys of the A→B pipeline can be set with --set.",
	Params: []scenarios.Param{
		{Name: "breaker", Default: "on", Kind: scenarios.String, Choices: []string{"on", "off"}, Help: "circuit breaker on A→B"},
		{Name: "b_timeout", Default: "30s", Kind: scenarios.Duration, Help: "A's timeout on calls to B"},
		{Name: "slow", Default: "100", Kind: scenarios.Float, Min: 1, Max: 1e6, Help: "B's slowdown factor"},
		{Name: "slow_at", Default: "10s", Kind: scenarios.Duration, Help: "when B becomes slow"},
		{Name: "slow_for", Default: "20s", Kind: scenarios.Duration, Help: "how long B stays slow"},
		{Name: "rate", Default: "40", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second to A"},
		{Name: "a_workers", Default: "20", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "A's workers"},
		{Name: "duration", Default: "60s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runCascade,
}

func runCascade(r *scenarios.Run) error {
	p := r.Params
	pl, err := applySets(r, cascadePipeline(p.String("breaker"), p.Duration("b_timeout")))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 4, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	paths := []*services.Stats{services.NewStats(m, "b_path_"), services.NewStats(m, "c_path_")}
	const b, c, a = 0, 1, 2
	_, bServer, err := addServer(rt, services.ServerConfig{Prefix: "b_", Workers: 10, MaxQueue: services.Unbounded, Service: services.Exp(20 * time.Millisecond)})
	if err != nil {
		return err
	}
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: "c_", Workers: 10, MaxQueue: services.Unbounded, Service: services.Exp(20 * time.Millisecond)}); err != nil {
		return err
	}
	_, aServer, err := addServer(rt, services.ServerConfig{Prefix: "a_", Workers: p.Int("a_workers"), MaxQueue: services.Unbounded,
		Service: services.Exp(5 * time.Millisecond), Attempts: st.Attempts,
		Deps: []services.Dep{{To: b, Op: 0, Pipeline: pl}, {To: c, Op: 1, Pipeline: perAttempt(p.Duration("b_timeout"))}}})
	if err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: a, Stats: st, Pipeline: perAttempt(2 * time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
		Ops: []float64{1, 1}, OpStats: paths,
	})); err != nil {
		return err
	}
	sa, sf := p.Duration("slow_at"), p.Duration("slow_for")
	at(r.World, sa, func() { bServer().SetSlow(p.Float("slow")) })
	at(r.World, sa+sf, func() { bServer().SetSlow(1) })
	if err := finish(r, rt, dur, 3*time.Second, append(paths, st)...); err != nil {
		return err
	}
	for i, s := range paths {
		r.Metric([]string{"b_path_", "c_path_"}[i]+"success_rate", ratio(s.Succeeded.Value(), s.Requests.Value()))
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	_ = aServer
	return nil
}

// cascadePipeline is A's pipeline to B: each call bounded by bTimeout and,
// with mode "on", a breaker that trips on failures or slow calls.
func cascadePipeline(mode string, bTimeout time.Duration) *pipeline.Config {
	c := perAttempt(bTimeout)
	if mode == "on" {
		c.Breaker = &breaker.Config{FailureThreshold: 5, SlowCallRateThreshold: 0.5, SlowCallDuration: 500 * time.Millisecond,
			WindowSize: 20, MinimumCalls: 5, OpenDuration: 5 * time.Second}
	}
	return c
}
