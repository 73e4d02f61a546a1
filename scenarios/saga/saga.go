package saga

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

func init() { scenarios.Register(Scenario) }

// Scenario is the saga scenario.
var Scenario = &scenarios.Scenario{
	Name:    "saga",
	Summary: "an order saga (reserve, charge, create order) with compensations under loss, rejections and crashes",
	Description: "An orchestrator (n1) runs sagas over three services: inventory (n2) reserves, " +
		"payment (n3) charges, orders (n4) creates the order. Each service rejects some " +
		"requests, the links lose and duplicate messages, and a seeded nemesis crashes the " +
		"services (their state is durable). A rejected step is compensated backwards; a step " +
		"that timed out may have happened, so it is compensated too; compensations are " +
		"retried until acknowledged, and a service refuses a forward step that arrives after " +
		"its compensation. The checks: every saga ends fully committed or fully compensated " +
		"(read from the services), and the customer's cash plus the price of the orders it " +
		"received is conserved. mode=buggy forgets the refund when the order step fails.",
	Params: []scenarios.Param{
		{Name: "mode", Default: "correct", Kind: scenarios.String, Choices: []string{"correct", "buggy"},
			Help: "correct: every step is compensated; buggy: a failed order step leaves the charge unrefunded"},
		{Name: "sagas", Default: "8", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "number of orders"},
		{Name: "latency", Default: "lognormal:5ms,0.8", Kind: scenarios.String, Help: "link latency distribution: " + network.DistSyntax,
			Validate: func(v string) error { _, err := network.ParseDist(v); return err }},
		{Name: "loss", Default: "0.1", Kind: scenarios.Prob, Help: "probability a message is lost"},
		{Name: "duplicate", Default: "0.02", Kind: scenarios.Prob, Help: "probability a message is delivered twice"},
		{Name: "reject", Default: "0.1", Kind: scenarios.Prob, Help: "probability a service rejects a forward step"},
		{Name: "step_timeout", Default: "30ms", Kind: scenarios.Duration, Help: "orchestrator time-out per attempt of a step"},
		{Name: "faults", Default: "true", Kind: scenarios.Bool, Help: "inject the seeded schedule of service crashes"},
	},
	Run: run,
}

// Node ids.
const (
	orchestrator nodes.NodeID = iota
	inventory
	payment
	orders
	nodeCount
)

// steps are the saga's steps in order, each served by one service.
var steps = []struct {
	name    string
	service nodes.NodeID
}{{"reserve", inventory}, {"charge", payment}, {"order", orders}}

const (
	price       = 100    // cents per order
	initialCash = 10_000 // the customer's cash at the start
	spacing     = 40 * time.Millisecond
	horizon     = 5 * time.Second // every saga is finished long before
)

type config struct {
	buggy   bool
	sagas   int
	reject  float64
	timeout time.Duration
}

func run(r *scenarios.Run) error {
	p := r.Params
	lat, _ := network.ParseDist(p.String("latency"))
	net, err := network.New(r.World, int(nodeCount), network.Link{Latency: lat, Loss: p.Float("loss"), Duplicate: p.Float("duplicate")})
	if err != nil {
		return fmt.Errorf("saga: %w", err)
	}
	rt := nodes.NewRuntime(r.World, net)
	cfg := &config{buggy: p.String("mode") == "buggy", sagas: p.Int("sagas"), reject: p.Float("reject"), timeout: p.Duration("step_timeout")}
	o := &orchestratorNode{cfg: cfg}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return o }); err != nil {
		return fmt.Errorf("saga: %w", err)
	}
	for range len(steps) {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &service{cfg: cfg} }); err != nil {
			return fmt.Errorf("saga: %w", err)
		}
	}
	if p.Bool("faults") {
		sched := drawCrashes(r.World.Rand("faults"), time.Duration(cfg.sagas)*spacing+200*time.Millisecond)
		r.Note("faults: %s", describeCrashes(sched))
		for _, c := range sched {
			r.World.Schedule(sim.At(c.At), sim.HandlerFunc(func(*sim.Event) { rt.Crash(c.Node) }), sim.Event{Node: c.Node})
			r.World.Schedule(sim.At(c.At+c.Dur), sim.HandlerFunc(func(*sim.Event) { rt.Restart(c.Node) }), sim.Event{Node: c.Node})
		}
	}
	if err := r.World.RunUntil(sim.At(horizon)); err != nil {
		return err
	}

	state := func(id nodes.NodeID) *serviceState { return rt.Node(id).(*service).st }
	inv, pay, ord := state(inventory), state(payment), state(orders)
	var sagas []invariants.Saga
	var requests []invariants.Request
	committed, compensated := 0, 0
	for i := range cfg.sagas {
		id := sagaID(i)
		s := invariants.Saga{ID: id, HeldReservations: inv.inEffect(id), Charged: pay.inEffect(id) > 0, Ordered: ord.inEffect(id) > 0}
		for _, st := range []*serviceState{inv, pay, ord} {
			s.Steps = append(s.Steps, invariants.SagaStep{Name: st.name, Done: st.done[id], Compensated: st.compensated[id]})
		}
		sagas = append(sagas, s)
		run := o.runs[i]
		requests = append(requests, invariants.Request{ID: id, IssuedNs: run.startNs, Completed: run.finished, CompletedNs: run.endNs})
		switch {
		case run.finished && run.committed:
			committed++
		case run.finished:
			compensated++
		}
	}
	r.Metric("sagas", float64(cfg.sagas))
	r.Metric("sagas_committed", float64(committed))
	r.Metric("sagas_compensated", float64(compensated))
	r.Metric("compensations_sent", float64(o.compSends))
	for k, v := range net.CostMetrics() {
		r.Metric(k, v)
	}
	r.Check(invariants.SagaAtomicity(sagas))
	// The customer's wealth, cash plus the price of the orders it holds,
	// is conserved: nobody pays for nothing, nobody gets goods for free.
	orderValue := int64(0)
	for i := range cfg.sagas {
		orderValue += int64(price * ord.inEffect(sagaID(i)))
	}
	r.Check(invariants.Conservation(initialCash, []invariants.Snapshot{{
		AtNs:     int64(r.World.Now()),
		Balances: map[string]int64{"customer_cash": initialCash - pay.charged(), "customer_orders": orderValue},
	}}))
	r.Check(invariants.Liveness(requests, 0, horizon-time.Second))
	return nil
}

func sagaID(i int) string { return fmt.Sprintf("order-%d", i+1) }

// crash is one window in which a service is down.
type crash struct {
	At, Dur time.Duration
	Node    nodes.NodeID
}

// drawCrashes draws service crash windows across the busy part of the run.
func drawCrashes(rng *rand.Rand, busy time.Duration) []crash {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	var out []crash
	for t := ms(0, 100); t < busy; t += ms(100, 300) {
		dur := ms(20, 100)
		out = append(out, crash{At: t, Dur: dur, Node: inventory + nodes.NodeID(rng.IntN(len(steps)))})
		t += dur
	}
	return out
}

func describeCrashes(cs []crash) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%v crash %s for %v", c.At, network.Name(c.Node), c.Dur)
	}
	return strings.Join(parts, "; ")
}
