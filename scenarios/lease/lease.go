package lease

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the lease scenario.
var Scenario = &scenarios.Scenario{
	Name:    "lease",
	Summary: "leader leases under clock skew and drift: a margin below the skew gives two leaders",
	Description: "A lease server (n1) grants a lease that expires at server time T = now + " +
		"lease; it renews it for the holder and hands it to the next waiting node once its own " +
		"clock passes T. A holder believes it leads while its own clock reads less than " +
		"T - margin. Every node's clock has a seeded offset and drift, bounded so that any two " +
		"differ by less than max_skew; holders work for a random while and then let the lease " +
		"lapse, and seeded partitions make renewals fail (faults=none turns them off; --faults FILE " +
		"or nemesis=true replace them). The check: at no true instant do " +
		"two nodes both believe they hold the lease. mode=correct uses margin = max_skew; " +
		"mode=buggy uses max_skew/4.",
	Params: []scenarios.Param{
		scenarios.ModeParam("margin = max_skew", "margin = max_skew/4"),
		{Name: "nodes", Default: "3", Kind: scenarios.Int, Min: 2, Max: 32, Help: "number of nodes competing for the lease"},
		{Name: "lease", Default: "200ms", Kind: scenarios.Duration, Help: "lease duration, on the server's clock"},
		{Name: "max_skew", Default: "50ms", Kind: scenarios.Duration, Help: "bound on the difference between any two clocks, offset and drift included"},
		{Name: "drift_ppm", Default: "100", Kind: scenarios.Float, Min: 0, Max: 10000, Help: "bound on each clock's drift, in parts per million"},
		{Name: "duration", Default: "3s", Kind: scenarios.Duration, Help: "how long the nodes compete; partitions happen in this window"},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.LossParam("0.02", ""),
		scenarios.SeededFaultsParam("a contender cut off from the server for 100-400ms at a time, across duration"),
		scenarios.NemesisDurationParam("3s"),
	},
	Run:      run,
	Validate: validate,
}

const server nodes.NodeID = 0

type config struct {
	lease    time.Duration
	margin   time.Duration
	issueEnd sim.Time
}

// belief is a true-time interval in which a node believed it held the lease.
type belief struct {
	node         nodes.NodeID
	startNs, end int64
}

// harness collects the belief intervals; node logic never reads it.
type harness struct {
	cfg     config
	beliefs []belief
	open    map[nodes.NodeID]belief // by contender: its current belief, ending at its expiry
	grants  int
}

// offsetRoom returns the clock offset each node may draw: each clock
// stays within ±max_skew/2 of true time over the run, so any two differ
// by less than max_skew, and the drift takes its share.
func offsetRoom(p scenarios.Values) (offsetMax, driftShare, end time.Duration) {
	end = p.Duration("duration") + p.Duration("lease") + time.Second
	driftShare = time.Duration(p.Float("drift_ppm") * 1e-6 * float64(end))
	return p.Duration("max_skew")/2 - driftShare, driftShare, end
}

// validate refuses a drift that leaves no room for clock offsets.
func validate(p scenarios.Values) error {
	if offsetMax, driftShare, end := offsetRoom(p); offsetMax <= 0 {
		return fmt.Errorf("parameters drift_ppm=%g and max_skew=%v contradict: %g ppm over %v drifts %v, which leaves no room within max_skew/2 = %v; lower drift_ppm or raise max_skew",
			p.Float("drift_ppm"), p.Duration("max_skew"), p.Float("drift_ppm"), end, driftShare, p.Duration("max_skew")/2)
	}
	return nil
}

func run(r *scenarios.Run) error {
	p := r.Params
	n := 1 + p.Int("nodes")
	duration := p.Duration("duration")
	skew := p.Duration("max_skew")
	offsetMax, _, end := offsetRoom(p)
	margin := skew
	if p.String("mode") == "buggy" {
		margin = skew / 4
	}
	cl, err := r.NewCluster(n, p.Link())
	if err != nil {
		return err
	}
	rt := cl.RT
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return drawFaults(r.World.Rand("faults"), n, duration) })
	if err != nil {
		return err
	}
	h := &harness{cfg: config{lease: p.Duration("lease"), margin: margin, issueEnd: sim.At(duration)}, open: map[nodes.NodeID]belief{}}
	// The clocks are the scenario's setting, not faults: they come from
	// their own stream, so a fault schedule, the nemesis's or one given,
	// leaves them as the seed drew them.
	rng := r.World.Rand("clocks")
	var clocks []string
	for id := range n {
		ctor := func(nodes.NodeID) nodes.Node { return &contender{h: h} }
		if id == int(server) {
			ctor = func(nodes.NodeID) nodes.Node { return &leaseServer{h: h} }
		}
		if _, err := rt.Add(ctor); err != nil {
			return fmt.Errorf("lease: %w", err)
		}
		off := (time.Duration(rng.Int64N(int64(2*offsetMax)+1)) - offsetMax).Round(time.Microsecond)
		drift := float64(int((rng.Float64()*2-1)*p.Float("drift_ppm")*10)) / 10
		rt.SetClock(nodes.NodeID(id), off, drift)
		clocks = append(clocks, fmt.Sprintf("%s %+v %+gppm", network.Name(nodes.NodeID(id)), off, drift))
	}
	r.Note("clocks: %s; margin %v", strings.Join(clocks, ", "), margin)
	if err := r.World.RunUntil(sim.At(max(end, scenarios.QuietAt(cl, sched)+end-duration))); err != nil {
		return err
	}
	// Close the beliefs still open: a live holder's at the end of the
	// run, a crashed one's as restarted does.
	for _, id := range slices.Sorted(maps.Keys(h.open)) {
		if rt.Up(id) {
			h.released(id, r.World.Now())
		} else {
			h.restarted(id, r.World.Now())
		}
	}
	var held time.Duration
	for _, b := range h.beliefs {
		held += time.Duration(b.end - b.startNs)
	}
	r.Metric("grants", float64(h.grants))
	r.Metric("terms", float64(len(h.beliefs)))
	r.Metric("held_fraction", held.Seconds()/time.Duration(r.World.Now()).Seconds())
	r.Metric("margin_ms", float64(margin)/1e6)
	overlap, res := checkOneLeader(h.beliefs)
	r.Metric("overlap_max_ms", float64(overlap)/1e6)
	r.Check(res)
	return nil
}

// OneLeaderName is the name of the single-leader check.
const OneLeaderName = "one_leader"

// checkOneLeader checks that no two nodes' belief intervals overlap in true
// time (intervals are half-open: one may end at the instant the next
// starts). It returns the longest overlap too.
func checkOneLeader(bs []belief) (time.Duration, checks.Result) {
	sorted := slices.SortedFunc(slices.Values(bs), func(a, b belief) int {
		return cmp.Or(cmp.Compare(a.startNs, b.startNs), cmp.Compare(a.node, b.node))
	})
	var longest time.Duration
	var first string
	count := 0
	for i, a := range sorted {
		for _, b := range sorted[i+1:] {
			if b.startNs >= a.end {
				break
			}
			if a.node == b.node {
				continue
			}
			count++
			o := time.Duration(min(a.end, b.end) - b.startNs)
			longest = max(longest, o)
			if first == "" {
				first = fmt.Sprintf("%s and %s both held the lease from %v to %v (%v)",
					network.Name(a.node), network.Name(b.node), time.Duration(b.startNs), time.Duration(min(a.end, b.end)), o)
			}
		}
	}
	if count > 0 {
		return longest, checks.Failf(OneLeaderName, "%d overlapping terms, longest %v; first: %s", count, longest, first)
	}
	return 0, checks.Passf(OneLeaderName, "%d terms, never two leaders at once", len(bs))
}

// drawFaults draws the default schedule from the "faults" stream:
// windows in which one contender is cut off from the server (both
// directions; the other contenders still reach both).
func drawFaults(rng *rand.Rand, n int, duration time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: n}
	t := ms(100, 500)
	for {
		dur := ms(100, 400)
		if t+dur > duration {
			return s
		}
		c := []nodes.NodeID{nodes.NodeID(1 + rng.IntN(n-1))}
		s.Faults = append(s.Faults,
			faults.Fault{At: t, Kind: faults.OneWay, From: []nodes.NodeID{server}, To: c, For: dur},
			faults.Fault{At: t, Kind: faults.OneWay, From: c, To: []nodes.NodeID{server}, For: dur})
		t += dur + ms(200, 600)
	}
}
