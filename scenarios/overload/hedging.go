package overload

import (
	"cmp"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/scenarios"
)

var hedgePolicies = []string{"off", "delay", "p95"}

// Hedging shows hedged requests cutting the tail latency of a service
// with rare slow calls, and what they cost.
var Hedging = &scenarios.Scenario{
	Name:    "hedging",
	Summary: "rare slow calls (2% take 20× longer) over replicas: hedging after a fixed delay or at p95 cuts p99 for a few % extra attempts; near saturation a fixed-delay hedge costs throughput",
	Description: "`users` closed-loop users each send a request, wait for its result, think for `think`, and " +
		"repeat. Requests go round-robin to `replicas` replicas with `workers` workers each, over links of " +
		"one-way `latency`. The service time `service` is bimodal by default: 10 ms, but 200 ms for 2% of " +
		"calls, so the p99 of a plain call is the slow mode. hedge=off sends one attempt. hedge=delay sends a " +
		"second copy of a request that has not answered after `hedge_delay`, to the next replica, and takes " +
		"whichever answers first (\"The Tail at Scale\", Dean and Barroso); hedge=p95 waits for the p95 of " +
		"the last 100 successful attempts' latencies instead (`hedge_delay` until it has 20). The losing copy " +
		"is not cancelled at the server: its work is done anyway and its reply counted in late_replies. With " +
		"spare capacity, hedging cuts the p99 from the slow mode to about the hedge delay plus a fast call, " +
		"for a few % more attempts (amplification). Near saturation (e.g. users=150) queueing makes most " +
		"attempts slower than a fixed delay, so most requests are hedged, the servers spend their capacity " +
		"on duplicate work, and throughput falls while latency grows; the p95 delay follows the latency up " +
		"and hedges far fewer. Reports hedge_rate (hedges per request), capacity_rps, offered_rps (requests " +
		"per second of the run), utilization (calls served over capacity) and the common request metrics; " +
		"checks that no request put more than 1 + hedge.max_hedges attempts on the wire (retry.max_attempts + " +
		"hedge.max_hedges with retries on), as the client counts its sends.",
	Params: []scenarios.Param{
		{Name: "hedge", Default: "p95", Kind: scenarios.String, Choices: hedgePolicies, Help: "hedging policy: off, a fixed delay, or the p95 of recent latencies"},
		{Name: "hedge_delay", Default: "30ms", Kind: scenarios.Duration, Help: "hedge delay for hedge=delay, and for hedge=p95 until it has 20 latencies"},
		{Name: "replicas", Default: "3", Kind: scenarios.Int, Min: 1, Max: 1000, Help: "replicas behind the round-robin balancer"},
		{Name: "workers", Default: "8", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "workers per replica"},
		{Name: "service", Default: "bimodal:10ms,200ms,0.02", Kind: scenarios.String, Help: "service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "users", Default: "40", Kind: scenarios.Int, Min: 1, Max: 100000, Help: "closed-loop users"},
		{Name: "think", Default: "exp:50ms", Kind: scenarios.String, Help: "users' think time between requests: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "latency", Default: "uniform:500us-1500us", Kind: scenarios.String, Help: "one-way network latency: " + network.DistSyntax,
			Validate: network.ValidateDist},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "how long users send requests",
			Validate: scenarios.PositiveDuration},
	},
	MoreParams: pipelineTail,
	Run:        runHedging,
}

func runHedging(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	think, _ := services.ParseDist(p.String("think"))
	pl, err := applySets(r, hedgingPipeline(p.String("hedge"), p.Duration("hedge_delay")))
	if err != nil {
		return err
	}
	n, workers := p.Int("replicas"), p.Int("workers")
	lat, _ := network.ParseDist(p.String("latency"))
	cl, err := r.NewCluster(n+1, network.Link{Latency: lat})
	if err != nil {
		return err
	}
	rt := cl.RT
	st := services.NewStats(r.World.Metrics, "")
	ids := make([]nodes.NodeID, 0, n)
	for range n {
		id, _, err := addServer(rt, services.ServerConfig{Prefix: "replicas_", Workers: workers, MaxQueue: services.Unbounded,
			Service: dist, Attempts: st.Attempts})
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	next := 0
	pick := func() nodes.NodeID {
		id := ids[next%n]
		next++
		return id
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{Pick: pick, Stats: st, Pipeline: pl},
		Users:  p.Int("users"), Think: think, Stop: dur,
	})); err != nil {
		return err
	}
	if err := finish(r, rt, dur, untilIdle, st); err != nil {
		return err
	}
	req, att := st.Requests.Value(), st.Attempts.Value()
	r.Check(attemptsBounded(pl, st.MostAttempts))
	capacity := float64(n*workers) / dist.MeanDuration().Seconds()
	served := r.World.Metrics.Counter("replicas_served").Value()
	r.Metric("hedge_rate", ratio(att-req, req))
	r.Metric("capacity_rps", capacity)
	r.Metric("offered_rps", req/dur.Seconds())
	r.Metric("utilization", ratio(served/dur.Seconds(), capacity))
	return nil
}

// hedgingPipeline hedges after delay ("delay"), or at the p95 of recent
// latencies once known ("p95"), or not at all.
func hedgingPipeline(policy string, delay time.Duration) *pipeline.Config {
	switch policy {
	case "delay":
		return &pipeline.Config{Hedge: &hedge.Config{Delay: asSet(delay)}}
	case "p95":
		return &pipeline.Config{Hedge: &hedge.Config{Delay: asSet(delay), Quantile: 0.95}}
	}
	return &pipeline.Config{}
}

// attemptsBounded checks that no request put more attempts on the wire
// than its retries and hedges allow, counted as the client sends them: the
// servers' count of arrivals says nothing under loss, partitions,
// duplication or local refusals.
func attemptsBounded(pl *pipeline.Config, most int) checks.Result {
	limit := 1
	if pl.Retry != nil {
		limit = cmp.Or(pl.Retry.MaxAttempts, retry.DefaultMaxAttempts)
	}
	if pl.Hedge != nil {
		limit += max(pl.Hedge.MaxHedges, 1)
	}
	if most > limit {
		return checks.Failf("attempts_bounded", "a request sent %d attempts, want at most %d (retries and hedges included)", most, limit)
	}
	return checks.Pass("attempts_bounded")
}
