// Package pingpong is the smallest end-to-end scenario: N nodes pass
// messages to random peers over a constant-latency network, so the whole
// path (engine, network, node runtime, runner, CLI) runs.
package pingpong

import (
	"fmt"
	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
	"strings"
)

// Scenario is the pingpong scenario.
var Scenario = &scenarios.Scenario{
	Name:    "pingpong",
	Summary: "N nodes bounce messages to random peers over a constant-latency network",
	Description: "Each node starts one ball. A node that receives a ball passes it to a " +
		"random other node until the ball has made `hops` hops. The check is that " +
		"every ball arrives and none is lost or duplicated, so it holds whenever " +
		"loss is 0; with loss > 0 it fails, which shows a failing run and its replay.",
	Params: []scenarios.Param{
		{Name: "nodes", Default: "3", Kind: scenarios.Int, Min: 2, Max: 10000, Help: "number of nodes"},
		{Name: "hops", Default: "20", Kind: scenarios.Int, Min: 1, Max: 1_000_000, Help: "hops each ball makes before it is done"},
		scenarios.LatencyParam("1ms"),
		scenarios.LossParam("0", ""),
	},
	Run: run,
}

type ball struct {
	Origin nodes.NodeID
	Hops   int
}

type player struct {
	hops  int
	n     int
	done  []int // finished balls by origin
	sends *sim.Counter
}

// Start serves the node's ball once: a restarted node remembers on its
// disk that it already did.
func (p *player) Start(env *nodes.Env) {
	if env.Disk()["served"] != nil {
		return
	}
	env.Disk()["served"] = true
	p.pass(env, ball{Origin: env.ID()})
}

func (p *player) pass(env *nodes.Env, b ball) {
	to := nodes.NodeID(env.Rand().Int32N(int32(p.n - 1)))
	if to >= env.ID() {
		to++
	}
	p.sends.Inc()
	env.Send(to, b, 64)
}

func (p *player) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	b := msg.(ball)
	b.Hops++
	if b.Hops >= p.hops {
		p.done[b.Origin]++
		env.Metrics().Histogram("ball_done_ms").Observe(float64(env.TrueNow()) / 1e6)
		return
	}
	p.pass(env, b)
}

func (p *player) Timer(*nodes.Env, nodes.TimerID, any) {}

func run(r *scenarios.Run) error {
	n := r.Params.Int("nodes")
	// The cluster glue also applies the run's fault schedule (--faults
	// FILE, or nemesis=true).
	cl, err := r.NewCluster(n, r.Params.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	done := make([]int, n)
	sends := r.World.Metrics.Counter("passes")
	for range n {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node {
			return &player{hops: r.Params.Int("hops"), n: n, done: done, sends: sends}
		}); err != nil {
			return err
		}
	}
	if err := r.World.Run(); err != nil {
		return err
	}
	r.Metrics(net.CostMetrics())
	finished, missing, twice := 0, []string{}, []string{}
	for origin, k := range done {
		finished += k
		switch {
		case k == 0:
			missing = append(missing, network.Name(network.NodeID(origin)))
		case k > 1:
			twice = append(twice, fmt.Sprintf("%s×%d", network.Name(network.NodeID(origin)), k))
		}
	}
	r.Metric("balls_done", float64(finished))
	if len(missing) == 0 && len(twice) == 0 {
		r.Check(checks.Pass("all_balls_arrive"))
	} else {
		t := net.Totals()
		r.Check(checks.Failf("all_balls_arrive", "%d of %d balls finished exactly once (missing: %s; more than once: %s); %d messages dropped (%d lost, %d by partitions, %d to down nodes), %d duplicated",
			n-len(missing)-len(twice), n, list(missing), list(twice), t.DroppedTotal(), t.Dropped[network.CauseLoss], t.Dropped[network.CausePartition], t.Dropped[network.CauseDown], t.Duplicated))
	}
	return nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}
