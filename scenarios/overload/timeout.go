package overload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

// Timeout shows a caller's workers exhausted by a dependency that never
// answers, and bounded by a timeout.
var Timeout = &scenarios.Scenario{
	Name:    "timeout",
	Summary: "a dependency sometimes never answers: without a timeout the caller's workers are exhausted",
	Description: "Clients call service A (`a_workers` workers, bounded queue), which calls service B for every " +
		"request. A fraction `hang` of B's calls are never answered. With timeout=none, each hung call holds one " +
		"of A's workers forever: A's workers run out within seconds, A's queue fills and A rejects everything. " +
		"With a timeout (a duration, or auto = 3 × B's healthy p99 computed from its service distribution plus " +
		"the network round trip), a hung call costs a worker for one timeout only, so the damage is bounded to " +
		"the `hang` fraction. Keys of the A→B pipeline can be set with --set.",
	Params: []scenarios.Param{
		{Name: "timeout", Default: "auto", Kind: scenarios.String, Help: "A→B timeout: none, auto (3 × B's p99), or a duration",
			Validate: func(v string) error {
				if v == "none" || v == "auto" {
					return nil
				}
				if d, err := time.ParseDuration(v); err != nil || d <= 0 {
					return fmt.Errorf("bad value %q (accepted: none, auto, or a duration > 0)", v)
				}
				return nil
			}},
		{Name: "hang", Default: "0.05", Kind: scenarios.Prob, Help: "fraction of B's calls never answered"},
		{Name: "rate", Default: "50", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second"},
		{Name: "a_workers", Default: "10", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "A's workers"},
		{Name: "b_service", Default: "exp:10ms", Kind: scenarios.String, Help: "B's service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runTimeout,
}

const netLatency = time.Millisecond

func runTimeout(r *scenarios.Run) error {
	p := r.Params
	bDist, _ := services.ParseDist(p.String("b_service"))
	var to time.Duration
	switch v := p.String("timeout"); v {
	case "none":
	case "auto":
		to = 3 * (bDist.Quantile(0.99) + 2*netLatency)
	default:
		to, _ = time.ParseDuration(v)
	}
	pl, err := applySets(r, timeoutPipeline(to))
	if err != nil {
		return err
	}
	r.Metric("timeout_ms", float64(to)/1e6)
	rt, err := cluster(r, 3, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	const b, a = 0, 1
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: "b_", Workers: 50, MaxQueue: services.Unbounded, Service: bDist}); err != nil {
		return err
	}
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: "a_", Workers: p.Int("a_workers"), MaxQueue: 4 * p.Int("a_workers"),
		Service: services.Exp(2 * time.Millisecond), Attempts: st.Attempts, Deps: []services.Dep{{To: b, Op: -1, Pipeline: pl}}}); err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: a, Stats: st, Pipeline: perAttempt(2 * time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
	})); err != nil {
		return err
	}
	rt.Node(b).(*services.Server).SetHang(p.Float("hang"))
	if err := finish(r, rt, dur, 3*time.Second, st); err != nil {
		return err
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	r.Metric("a_workers_stuck", float64(rt.Node(a).(*services.Server).Busy()))
	return nil
}

// timeoutPipeline bounds each attempt by to; 0 leaves attempts unbounded.
func timeoutPipeline(to time.Duration) *pipeline.Config {
	if to > 0 {
		return perAttempt(to)
	}
	return &pipeline.Config{}
}
