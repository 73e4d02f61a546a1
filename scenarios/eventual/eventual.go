package eventual

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the eventual scenario.
var Scenario = &scenarios.Scenario{
	Name:    "eventual",
	Summary: "a primary with asynchronous replicas: staleness under partitions, convergence after the heal",
	Description: "A primary (n1) accepts writes and ships its log to the replicas every 20ms; " +
		"clients write to the primary and read from random replicas. Seeded partitions cut " +
		"replicas off, so their reads go stale; staleness is the time since the oldest write " +
		"the replica has not applied was accepted (faults=none turns the partitions off; --faults FILE " +
		"or nemesis=true replace them). After the quiet period the replicas must " +
		"agree (convergence) and every key must hold the last write the primary accepted. " +
		"mode=correct orders writes by the primary's sequence numbers; mode=buggy resolves " +
		"them last-writer-wins by the clients' skewed wall clocks, which loses acknowledged writes.",
	Params: []scenarios.Param{
		scenarios.ModeParam("the primary orders writes", "last-writer-wins on client wall clocks"),
		{Name: "replicas", Default: "2", Kind: scenarios.Int, Min: 1, Max: 16, Help: "number of replicas besides the primary"},
		{Name: "clients", Default: "3", Kind: scenarios.Int, Min: 1, Max: 16, Help: "number of clients"},
		{Name: "keys", Default: "2", Kind: scenarios.Int, Min: 1, Max: 100, Help: "number of keys"},
		{Name: "duration", Default: "2s", Kind: scenarios.Duration, Help: "how long clients issue operations; partitions happen in this window"},
		{Name: "quiet", Default: "500ms", Kind: scenarios.Duration, Help: "fault-free time after the heal; the replicas must converge within it"},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.LossParam("0.02", ""),
		scenarios.DuplicateParam("0.02"),
		{Name: "max_skew", Default: "50ms", Kind: scenarios.Duration, Help: "client clock offsets are drawn from [-max_skew/2, max_skew/2]"},
		scenarios.SeededFaultsParam("a replica cut off from the primary for 100-500ms at a time, across duration"),
		scenarios.NemesisDurationParam("2s"),
	},
	Run: run,
}

const (
	primary   nodes.NodeID = 0
	ship                   = 20 * time.Millisecond // how often the primary ships its log
	attempts               = 3                     // sends of one write before the client gives up
	opTimeout              = 50 * time.Millisecond
)

// accepted is one write the primary took, as the harness saw it.
type accepted struct {
	atNs  int64
	key   string
	value string
	acked bool
	// readBack is the key's value at the primary as the write was
	// acknowledged: the write's own value, unless it was lost.
	readBack string
}

// harness records what the run needs for its checks and metrics. Node
// logic never reads it.
type harness struct {
	buggy    bool
	keys     int
	replicas int
	issueEnd sim.Time

	disks     map[nodes.NodeID]*storeDisk // each store's disk, from its first start
	writes    []accepted                  // in the order the primary accepted them
	index     map[uint64]int              // write id -> index in writes
	staleness *sim.Histogram
	reads     int
	stale     int
}

// observeRead records the staleness of a read served by a replica that
// has applied the first applied entries of the primary's log.
func (h *harness) observeRead(now sim.Time, applied int) {
	h.reads++
	lag := time.Duration(0)
	if applied < len(h.writes) {
		h.stale++
		lag = time.Duration(int64(now) - h.writes[applied].atNs)
	}
	h.staleness.ObserveDuration(lag)
}

func run(r *scenarios.Run) error {
	p := r.Params
	nRep, nCli := p.Int("replicas"), p.Int("clients")
	n := 1 + nRep + nCli
	cl, err := r.NewCluster(n, p.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	duration, quiet := p.Duration("duration"), p.Duration("quiet")
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return drawFaults(r.World.Rand("faults"), n, nRep, duration) })
	if err != nil {
		return err
	}
	h := &harness{
		buggy:     p.String("mode") == "buggy",
		keys:      p.Int("keys"),
		replicas:  nRep,
		issueEnd:  sim.At(duration),
		staleness: r.World.Metrics.Histogram("staleness_ms"),
		disks:     map[nodes.NodeID]*storeDisk{},
	}
	for range 1 + nRep {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &store{h: h} }); err != nil {
			return fmt.Errorf("eventual: %w", err)
		}
	}
	// The client clocks are the scenario's setting, not faults: their own
	// stream keeps them as the seed drew them under any fault schedule.
	rng := r.World.Rand("clocks")
	skew := p.Duration("max_skew")
	var skews []string
	for c := range nCli {
		id, err := rt.Add(func(nodes.NodeID) nodes.Node { return &client{h: h, idx: c} })
		if err != nil {
			return fmt.Errorf("eventual: %w", err)
		}
		off := time.Duration(rng.Int64N(int64(skew)+1)) - skew/2
		off = off.Round(time.Millisecond)
		rt.SetClock(id, off, 0)
		skews = append(skews, fmt.Sprintf("%s %+v", network.Name(id), off))
	}
	r.Note("client clock offsets: %s", strings.Join(skews, ", "))
	// The replicas must converge within quiet of the heal: the end of the
	// clients' window, or of the faults if they go on longer.
	heal := max(duration, scenarios.QuietAt(cl, sched))
	if err := r.World.RunUntil(sim.At(heal + quiet)); err != nil {
		return err
	}

	acked := 0
	for _, w := range h.writes {
		if w.acked {
			acked++
		}
	}
	r.Metric("writes", float64(len(h.writes)))
	r.Metric("acked_writes", float64(acked))
	r.Metric("reads", float64(h.reads))
	r.Metric("stale_reads", float64(h.stale))
	r.Metrics(net.CostMetrics())
	var replicas []invariants.Replica
	for id := range nodes.NodeID(1 + nRep) {
		d := h.disks[id]
		var reached int64
		if d != nil {
			reached = d.changedNs
		}
		replicas = append(replicas, invariants.Replica{Name: network.Name(id), State: h.values(d), ReachedNs: reached})
	}
	r.Check(invariants.Convergence(replicas, int64(sim.At(heal)), quiet))
	r.Check(lastWriteWins(h.writes, replicas))
	return nil
}

// LastWriteName is the name of the check that every key ends with the
// last write the primary accepted.
const LastWriteName = "acknowledged_writes"

// lastWriteWins checks that every acknowledged write took effect (reading
// its key back at the primary as it was acknowledged returned its value),
// and that on every replica each key ends with the value of the last write
// the primary accepted for it, by true time.
func lastWriteWins(writes []accepted, replicas []invariants.Replica) checks.Result {
	var lost []string
	for _, w := range writes {
		if w.acked && w.readBack != w.value {
			lost = append(lost, fmt.Sprintf("write %q to key %q acknowledged at %v never took effect: the primary held %q",
				w.value, w.key, time.Duration(w.atNs), w.readBack))
		}
	}
	if len(lost) > 0 {
		return checks.Failf(LastWriteName, "%d of %d acknowledged writes lost; first: %s", len(lost), len(writes), lost[0])
	}
	last := map[string]accepted{}
	for _, w := range writes {
		last[w.key] = w
	}
	for _, key := range slices.Sorted(maps.Keys(last)) {
		w := last[key]
		for _, rep := range replicas {
			if got := rep.State[key]; got != w.value {
				lost = append(lost, fmt.Sprintf("key %q on %s holds %q, but the last write the primary accepted was %q at %v (acknowledged: %v)",
					key, rep.Name, got, w.value, time.Duration(w.atNs), w.acked))
				break
			}
		}
	}
	if len(lost) > 0 {
		return checks.Failf(LastWriteName, "%d of %d keys do not end with their last write: %s", len(lost), len(last), strings.Join(lost, "; "))
	}
	return checks.Passf(LastWriteName, "%d accepted writes took effect; %d keys hold their last write on %d replicas", len(writes), len(last), len(replicas))
}

// drawFaults draws the default schedule from the "faults" stream:
// partition windows, each cutting one replica off from the primary in
// both directions; clients still reach it, so its reads go stale.
func drawFaults(rng *rand.Rand, n, replicas int, duration time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: n}
	t := ms(0, 200)
	for {
		dur := ms(100, 500)
		if t+dur > duration {
			return s
		}
		rep := []nodes.NodeID{nodes.NodeID(1 + rng.IntN(replicas))}
		s.Faults = append(s.Faults,
			faults.Fault{At: t, Kind: faults.OneWay, From: []nodes.NodeID{primary}, To: rep, For: dur},
			faults.Fault{At: t, Kind: faults.OneWay, From: rep, To: []nodes.NodeID{primary}, For: dur})
		t += dur + ms(50, 300)
	}
}
