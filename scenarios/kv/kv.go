package kv

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/checks/linearizability"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the kv scenario.
var Scenario = &scenarios.Scenario{
	Name:    "kv",
	Summary: "a replicated key-value store under partitions, crashes and loss, checked for linearizability",
	Description: "Three servers: a fixed primary (n1) appends each put to a durable log and " +
		"replicates it to the backups; a put is committed, applied and acknowledged once a " +
		"majority holds it. Clients put unique values and get keys, retry on time-outs with " +
		"the same request id (the primary deduplicates), and record a history; an op whose " +
		"reply never came is pending. A seeded nemesis isolates and crashes servers and the " +
		"links lose and duplicate messages; faults=none turns the nemesis off, and --faults FILE or " +
		"nemesis=true replace it.  The history is checked for linearizability, per " +
		"key. mode=correct reads from the primary's committed state; mode=buggy lets backups " +
		"serve reads from their own copy, which lags behind, so reads go stale.",
	Params: []scenarios.Param{
		scenarios.ModeParam("reads go to the primary", "backups serve reads (stale reads)"),
		{Name: "clients", Default: "3", Kind: scenarios.Int, Min: 1, Max: 16, Help: "number of clients", Workload: true},
		{Name: "keys", Default: "2", Kind: scenarios.Int, Min: 1, Max: 100, Help: "number of keys", Workload: true},
		{Name: "duration", Default: "2s", Kind: scenarios.Duration, Help: "how long clients issue operations; faults happen in this window"},
		{Name: "quiet", Default: "500ms", Kind: scenarios.Duration, Help: "fault-free time after the last operation is issued"},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.LossParam("0.05", ""),
		scenarios.DuplicateParam("0.02"),
		scenarios.SeededFaultsParam("one server at a time isolated or crashed for 50-300ms, across duration"),
		scenarios.NemesisDurationParam("2s"),
		{Name: "op_timeout", Default: "50ms", Kind: scenarios.Duration, Help: "client time-out per attempt; after 3 attempts the op is pending"},
		{Name: "check_timeout", Default: "10s", Kind: scenarios.Duration, Help: "wall-clock limit of the linearizability check (hitting it gives unknown); 0 means none"},
	},
	Run: run,
}

// Server ids: n1 is the primary, n2 and n3 the backups. Clients follow.
const primary nodes.NodeID = 0

// serverCount is the number of servers: a majority is two.
const serverCount = 3

// attempts is how many times a client sends one op before giving up.
const attempts = 3

// heartbeat is how often the primary sends each backup what it lacks.
const heartbeat = 10 * time.Millisecond

// config is what every node of a run shares, read-only.
type config struct {
	buggy     bool
	keys      int
	issueEnd  sim.Time
	opTimeout time.Duration
}

// harness is the run's recorder: the clients append to its history. Node
// logic never reads it.
type harness struct {
	cfg     config
	history []linearizability.Op
}

func run(r *scenarios.Run) error {
	p := r.Params
	nClients := p.Int("clients")
	n := serverCount + nClients
	cl, err := r.NewCluster(n, p.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	duration, quiet := p.Duration("duration"), p.Duration("quiet")
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return drawFaults(r.World.Rand("faults"), n, duration) })
	if err != nil {
		return err
	}
	h := &harness{cfg: config{
		buggy:     p.String("mode") == "buggy",
		keys:      p.Int("keys"),
		issueEnd:  sim.At(duration),
		opTimeout: p.Duration("op_timeout"),
	}}
	for range serverCount {
		if _, err := rt.Add(func(id nodes.NodeID) nodes.Node { return &server{cfg: &h.cfg} }); err != nil {
			return fmt.Errorf("kv: %w", err)
		}
	}
	for c := range nClients {
		if _, err := rt.Add(func(id nodes.NodeID) nodes.Node { return &client{h: h, idx: c} }); err != nil {
			return fmt.Errorf("kv: %w", err)
		}
	}
	// Clients stop issuing at duration; faults may go on longer (a
	// --faults file), and the run lasts until they are over.
	if err := r.World.RunUntil(sim.At(max(duration, scenarios.QuietAt(cl, sched)) + quiet)); err != nil {
		return err
	}

	ok, pending := 0, 0
	for _, op := range h.history {
		switch {
		case op.Pending:
			pending++
		case op.OK:
			ok++
		}
	}
	total := len(h.history)
	r.Metric("ops", float64(total))
	r.Metric("ok_ops", float64(ok))
	r.Metric("pending_ops", float64(pending))
	if total > 0 {
		r.Metric("availability", float64(ok)/float64(total))
	}
	r.Metrics(net.CostMetrics())
	r.Check(linearizability.Check(h.history, linearizability.Options{
		Timeout:      r.CheckTimeout(p.Duration("check_timeout")),
		VisualizeDir: r.ArtifactDir,
	}))
	return nil
}

// drawFaults draws the default schedule from the "faults" stream: fault
// windows one after another across the run, each isolating or crashing
// one server, so each seed breaks something different.
func drawFaults(rng *rand.Rand, n int, duration time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: n}
	t := ms(0, 200)
	for {
		dur := ms(50, 300)
		if t+dur > duration {
			return s
		}
		kind := faults.Isolate
		if rng.IntN(2) == 0 {
			kind = faults.Crash
		}
		s.Faults = append(s.Faults, faults.Fault{At: t, Kind: kind, Nodes: []nodes.NodeID{nodes.NodeID(rng.IntN(serverCount))}, For: dur})
		t += dur + ms(50, 300)
	}
}
