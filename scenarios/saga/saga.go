package saga

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

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
		"received is conserved. faults=none turns the nemesis off; --faults FILE or nemesis=true " +
		"replace it. mode=buggy forgets the refund when the order step fails.",
	Params: []scenarios.Param{
		scenarios.ModeParam("every step is compensated", "a failed order step leaves the charge unrefunded"),
		{Name: "sagas", Default: "8", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "number of orders"},
		scenarios.LatencyParam("lognormal:5ms,0.8"),
		scenarios.LossParam("0.1", ""),
		scenarios.DuplicateParam("0.02"),
		{Name: "reject", Default: "0.1", Kind: scenarios.Prob, Help: "probability a service rejects a forward step"},
		{Name: "step_timeout", Default: "30ms", Kind: scenarios.Duration, Help: "orchestrator time-out per attempt of a step",
			Validate: scenarios.PositiveDuration},
		scenarios.SeededFaultsParam("a service at a time crashed for 20-100ms while the sagas run"),
		scenarios.NemesisDurationParam("1s"),
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

	// disks are the nodes' durable states, registered at their first
	// start, for the checks; node logic never reads them. The checks read
	// the disks, not the nodes: a node restarted and crashed at one
	// instant never started again.
	disks map[nodes.NodeID]any
}

func run(r *scenarios.Run) error {
	p := r.Params
	cl, err := r.NewCluster(int(nodeCount), p.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	cfg := &config{buggy: p.String("mode") == "buggy", sagas: p.Int("sagas"), reject: p.Float("reject"), timeout: p.Duration("step_timeout"),
		disks: map[nodes.NodeID]any{}}
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule {
		return drawCrashes(r.World.Rand("faults"), time.Duration(cfg.sagas)*spacing+200*time.Millisecond)
	})
	if err != nil {
		return err
	}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &orchestratorNode{cfg: cfg} }); err != nil {
		return fmt.Errorf("saga: %w", err)
	}
	for range len(steps) {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &service{cfg: cfg} }); err != nil {
			return fmt.Errorf("saga: %w", err)
		}
	}
	// Every saga must be over within horizon-1s of the last fault's end:
	// a --faults file or the nemesis may fail nodes for a long while.
	heal := scenarios.QuietAt(cl, sched)
	end := max(horizon, heal+horizon)
	if err := r.World.RunUntil(sim.At(end)); err != nil {
		return err
	}
	o, ok := cfg.disks[orchestrator].(*orchState)
	if !ok { // crashed before it ever started
		o = newOrchState(cfg)
	}
	state := func(id nodes.NodeID) *serviceState {
		if st, ok := cfg.disks[id].(*serviceState); ok {
			return st
		}
		return newServiceState(id) // crashed before it ever started
	}
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
	r.Metrics(net.CostMetrics())
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
	r.Check(invariants.Liveness(requests, int64(heal), horizon-time.Second))
	return nil
}

func sagaID(i int) string { return fmt.Sprintf("order-%d", i+1) }

// drawCrashes draws the default schedule from the "faults" stream:
// service crash windows across the busy part of the run.
func drawCrashes(rng *rand.Rand, busy time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: int(nodeCount)}
	for t := ms(0, 100); t < busy; t += ms(100, 300) {
		dur := ms(20, 100)
		s.Faults = append(s.Faults, faults.Fault{At: t, Kind: faults.Crash, Nodes: []nodes.NodeID{inventory + nodes.NodeID(rng.IntN(len(steps)))}, For: dur})
		t += dur
	}
	return s
}
