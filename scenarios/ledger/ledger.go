package ledger

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the ledger scenario.
var Scenario = &scenarios.Scenario{
	Name:    "ledger",
	Summary: "an event-sourced ledger under crash, restart, replay and duplicated deliveries",
	Description: "Clients send transfers to a ledger (n1), which checks the balance, appends an " +
		"AccountDebited and an AccountCredited event to its durable log and pushes the log to " +
		"a projector (n2) until acknowledged. The projector keeps balances in memory: after a " +
		"crash it replays the log from the start, and after a ledger crash the ledger re-sends " +
		"from the start, so events arrive more than once. The checks: the projection equals " +
		"the log replayed, and money is conserved. mode=correct applies each event once, by " +
		"its log position; mode=buggy applies every delivery, duplicates included. faults=none " +
		"turns the seeded crashes off; --faults FILE or nemesis=true replace them.",
	Params: []scenarios.Param{
		scenarios.ModeParam("the projector deduplicates by log position", "it applies duplicates again"),
		{Name: "clients", Default: "2", Kind: scenarios.Int, Min: 1, Max: 16, Help: "number of clients"},
		{Name: "accounts", Default: "4", Kind: scenarios.Int, Min: 2, Max: 1000, Help: "number of accounts, each opened with 1000"},
		{Name: "duration", Default: "2s", Kind: scenarios.Duration, Help: "how long clients send transfers; crashes happen in this window"},
		{Name: "quiet", Default: "500ms", Kind: scenarios.Duration, Help: "fault-free time at the end for the projector to catch up"},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.LossParam("0.05", ""),
		scenarios.DuplicateParam("0.02"),
		scenarios.SeededFaultsParam("the ledger or the projector crashed for 20-200ms at a time, across duration"),
		scenarios.NemesisDurationParam("2s"),
	},
	Run: run,
}

const (
	ledgerID    nodes.NodeID = 0
	projectorID nodes.NodeID = 1
	openBalance              = 1000
	push                     = 20 * time.Millisecond // how often the ledger pushes its log
)

type config struct {
	buggy    bool
	accounts int
	issueEnd sim.Time

	// Counters the harness reads; node logic only adds to them.
	deliveries, duplicates, starts int
	// Disks the harness reads, registered at each node's first start: a
	// node restarted and crashed at one instant never started again, so
	// the checks read disks, not nodes.
	ledgerDisk map[string]any
	clients    map[nodes.NodeID]*clientDisk
}

func account(i int) string { return fmt.Sprintf("acct-%d", i+1) }

func run(r *scenarios.Run) error {
	p := r.Params
	nCli := p.Int("clients")
	cl, err := r.NewCluster(2+nCli, p.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	duration, quiet := p.Duration("duration"), p.Duration("quiet")
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return drawCrashes(r.World.Rand("faults"), 2+nCli, duration) })
	if err != nil {
		return err
	}
	cfg := &config{buggy: p.String("mode") == "buggy", accounts: p.Int("accounts"), issueEnd: sim.At(duration),
		clients: map[nodes.NodeID]*clientDisk{}}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &ledger{cfg: cfg} }); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &projector{cfg: cfg} }); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	for range nCli {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &client{cfg: cfg} }); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	// Snapshot the projection every 10ms at transfer boundaries, where
	// the debit and the credit of each transfer are both applied.
	total := int64(openBalance * cfg.accounts)
	var snaps []invariants.Snapshot
	var snap sim.HandlerFunc
	snap = func(*sim.Event) {
		if rt.Up(projectorID) {
			pr := rt.Node(projectorID).(*projector)
			if pr.balances != nil && pr.applied%2 == 0 { // nil: restarted, not yet started
				snaps = append(snaps, invariants.Snapshot{AtNs: int64(r.World.Now()), Balances: maps.Clone(pr.balances)})
			}
		}
		r.World.After(10*time.Millisecond, snap, sim.Event{Node: -1})
	}
	r.World.After(10*time.Millisecond, snap, sim.Event{Node: -1})
	// The quiet period follows the last fault, which a --faults file may
	// put after duration.
	if err := r.World.RunUntil(sim.At(max(duration, scenarios.QuietAt(cl, sched)) + quiet)); err != nil {
		return err
	}

	pr := rt.Node(projectorID).(*projector)
	log, _ := cfg.ledgerDisk["log"].([]event)
	rebuilt := replay(cfg.accounts, log)
	snaps = append(snaps, invariants.Snapshot{AtNs: int64(r.World.Now()), Balances: maps.Clone(pr.balances)})
	accepted, rejected := 0, 0
	for _, d := range cfg.clients {
		accepted += d.accepted
		rejected += d.rejected
	}
	r.Metric("events", float64(len(log)))
	r.Metric("transfers_accepted", float64(accepted))
	r.Metric("transfers_rejected", float64(rejected))
	r.Metric("deliveries", float64(cfg.deliveries))
	r.Metric("duplicate_deliveries", float64(cfg.duplicates))
	r.Metric("replays", float64(cfg.starts-1))
	r.Metrics(net.CostMetrics())
	r.Check(invariants.EventSourcing(rebuilt, pr.balances))
	r.Check(invariants.Conservation(total, snaps))
	return nil
}

// replay rebuilds the balances from the log alone.
func replay(accounts int, log []event) map[string]int64 {
	b := map[string]int64{}
	for i := range accounts {
		b[account(i)] = openBalance
	}
	for _, e := range log {
		b[e.Account] += e.Delta
	}
	return b
}

// drawCrashes draws the default schedule from the "faults" stream: the
// ledger or the projector crashed for a while, one at a time.
func drawCrashes(rng *rand.Rand, n int, duration time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: n}
	t := ms(50, 300)
	for {
		dur := ms(20, 200)
		if t+dur > duration {
			return s
		}
		s.Faults = append(s.Faults, faults.Fault{At: t, Kind: faults.Crash, Nodes: []nodes.NodeID{nodes.NodeID(rng.IntN(2))}, For: dur})
		t += dur + ms(100, 500)
	}
}
