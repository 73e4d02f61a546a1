package faults

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// action is the start or the end of one fault.
type action struct {
	at   sim.Time
	end  bool
	i    int // index in the schedule
	step int // an upgrade's node, by its place in the list; -1 for all
}

// Applier runs a schedule on a runtime and its network. Overlapping faults
// compose:
//
//   - partitions: the grudge in force is the union of the active ones; the
//     end of one leaves the others in force, and when none is left the
//     network heals. heal ends every partition and every link fault.
//   - link faults are layers over the link's own parameters (read when the
//     first layer starts, restored when the last ends): losses and
//     duplications combine as independent chances, the latest latency
//     wins, and clog factors multiply.
//   - slow and slowdisk: the largest active factor applies.
//   - writeerr, bitflip, badsector, lostwrite: the rates of the active
//     faults of a kind combine as independent chances; diskfull holds
//     while any is active.
//   - crash for D restarts after D even if another crash overlapped.
//   - offset for D and drift for D set the offset or drift back to zero
//     when they end.
type Applier struct {
	s      *Schedule
	rt     *nodes.Runtime
	net    *network.Network
	w      *sim.World
	acts   []action
	next   int
	active map[int]network.Grudge // partition faults in force
	layers map[uint64][]int       // link → link faults in force, in start order
	base   map[uint64]network.Link
	slows  [][]int // node → slow faults in force
	disks  [][]int // node → storage faults in force
}

// Apply schedules every fault of s, and the end of every fault with a
// duration, on rt and net, which must be the runtime's network. Faults at
// the same time apply in schedule order, ends before starts, whatever the
// world's tie-breaking. It returns an error if the schedule was made for
// another cluster size.
func Apply(s *Schedule, rt *nodes.Runtime, net *network.Network) (*Applier, error) {
	if s.Nodes > 0 && s.Nodes != net.Size() {
		return nil, fmt.Errorf("faults: schedule is for %d nodes, the network has %d", s.Nodes, net.Size())
	}
	n := net.Size()
	for _, f := range s.Faults {
		for _, ids := range append([][]NodeID{f.Nodes, f.From, f.To}, f.Groups...) {
			for _, id := range ids {
				if id < 0 || int(id) >= n {
					return nil, fmt.Errorf("faults: %q: node id %d out of range for %d nodes", f, id, n)
				}
			}
		}
	}
	w := rt.World()
	a := &Applier{s: s, rt: rt, net: net, w: w, active: map[int]network.Grudge{},
		layers: map[uint64][]int{}, base: map[uint64]network.Link{}, slows: make([][]int, n), disks: make([][]int, n)}
	for i, f := range s.Faults {
		if f.Kind == Upgrade && f.Every > 0 {
			// One node at a time: old and new versions run side by side.
			for step := range a.nodes(f.Nodes) {
				a.acts = append(a.acts, action{at: max(sim.At(stepAt(f, step)), w.Now()), i: i, step: step})
			}
			continue
		}
		a.acts = append(a.acts, action{at: max(sim.At(f.At), w.Now()), i: i, step: -1})
		if e := f.End(); e >= 0 && f.Kind != Pause {
			a.acts = append(a.acts, action{at: max(sim.At(e), w.Now()), end: true, i: i, step: -1})
		}
	}
	slices.SortStableFunc(a.acts, func(x, y action) int {
		if c := cmp.Compare(x.at, y.at); c != 0 {
			return c
		}
		if x.end != y.end {
			if x.end {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(x.i, y.i); c != 0 {
			return c
		}
		return cmp.Compare(x.step, y.step)
	})
	a.schedule()
	return a, nil
}

func (a *Applier) schedule() {
	if a.next < len(a.acts) {
		a.w.Schedule(a.acts[a.next].at, a, sim.Event{Kind: 300, Node: -1, A: int64(a.next)})
	}
}

// Handle applies every action due now, in order.
func (a *Applier) Handle(*sim.Event) {
	now := a.w.Now()
	for a.next < len(a.acts) && a.acts[a.next].at <= now {
		act := a.acts[a.next]
		a.next++
		if err := a.do(act); err != nil {
			a.w.Stop(err)
			return
		}
	}
	a.schedule()
}

func (a *Applier) nodes(ids []NodeID) []NodeID {
	if ids != nil {
		return ids
	}
	all := make([]NodeID, a.net.Size())
	for i := range all {
		all[i] = NodeID(i)
	}
	return all
}

func (a *Applier) do(act action) error {
	f := a.s.Faults[act.i]
	kind := "fault"
	if act.end {
		kind = "fault_end"
	}
	if act.step <= 0 { // an upgrade's later steps are traced by the runtime
		a.w.Trace(sim.Record{Kind: kind, Node: -1, Peer: -1, Detail: f.String()})
	}
	if f.Kind.targets() == tNodes && f.Kind != Isolate {
		for _, id := range a.nodes(f.Nodes) {
			if int(id) >= a.rt.Len() {
				return fmt.Errorf("fault %q: node %s was never added to the runtime (it has %d nodes)", f, network.Name(id), a.rt.Len())
			}
		}
	}
	switch {
	case f.Kind.partition():
		return a.partitionFault(f, act)
	case f.Kind.link():
		return a.linkFault(act)
	case f.Kind.disk():
		for _, id := range a.nodes(f.Nodes) {
			a.diskFault(id, act)
		}
		return nil
	case f.Kind.topology():
		if err := a.topology(f, act); err != nil {
			return &InputError{Err: fmt.Errorf("fault %q: %w", f, err)}
		}
		return nil
	case f.Kind == Heal:
		return a.heal()
	}
	for _, id := range a.nodes(f.Nodes) {
		a.nodeFault(id, f, act)
	}
	return nil
}

// partitionFault starts or ends one partition; the grudge the network
// holds is the union of the active ones.
func (a *Applier) partitionFault(f Fault, act action) error {
	if act.end {
		if _, ok := a.active[act.i]; !ok {
			return nil // healed already
		}
		delete(a.active, act.i)
	} else {
		g, err := a.grudge(f)
		if err != nil {
			return fmt.Errorf("fault %q: %w", f, err)
		}
		a.active[act.i] = g
	}
	return a.setGrudge()
}

// heal ends every partition and every link fault.
func (a *Applier) heal() error {
	clear(a.active)
	a.net.Heal()
	for _, k := range slices.Sorted(maps.Keys(a.layers)) {
		a.layers[k] = nil
		if err := a.recompute(k); err != nil {
			return err
		}
	}
	return nil
}

// nodeFault starts or ends a crash, pause, slowdown or clock fault on id.
func (a *Applier) nodeFault(id NodeID, f Fault, act action) {
	switch f.Kind {
	case Crash:
		if act.end {
			a.rt.Restart(id)
		} else {
			a.rt.Crash(id)
		}
	case Restart:
		a.rt.Restart(id)
	case Pause:
		a.rt.Pause(id, f.For)
	case Slow:
		if act.end {
			a.slows[id] = slices.DeleteFunc(a.slows[id], func(j int) bool { return j == act.i })
		} else {
			a.slows[id] = append(a.slows[id], act.i)
		}
		factor := 1.0
		for _, j := range a.slows[id] {
			factor = max(factor, a.s.Faults[j].Factor)
		}
		a.rt.Slow(id, factor)
	case Offset:
		shift := f.Shift
		if act.end {
			shift = 0
		}
		a.rt.SetOffset(id, shift)
	case Drift:
		ppm := f.PPM
		if act.end {
			ppm = 0
		}
		a.rt.SetDrift(id, ppm)
	case Jump:
		a.rt.JumpClock(id, f.Shift)
	}
}

// topology applies join, leave (and, at its end, the rejoin), replace
// and one step of an upgrade.
func (a *Applier) topology(f Fault, act action) error {
	ids := a.nodes(f.Nodes)
	if act.step >= 0 {
		ids = ids[act.step : act.step+1]
	}
	for _, id := range ids {
		var err error
		switch {
		case f.Kind == Join || (f.Kind == Leave && act.end):
			err = a.rt.Join(id, f.Version)
		case f.Kind == Leave:
			a.rt.Leave(id, f.Drain)
		case f.Kind == Replace:
			err = a.rt.Replace(id, f.Version)
		case f.Kind == Upgrade:
			err = a.rt.Upgrade(id, f.Version)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stepAt returns when an upgrade reaches the node at place step of its
// list, saturating at the largest time.
func stepAt(f Fault, step int) time.Duration {
	if step > 0 && int64(f.Every) > (math.MaxInt64-int64(f.At))/int64(step) {
		return math.MaxInt64
	}
	return f.At + time.Duration(step)*f.Every
}

// InputError is a fault that the run cannot apply as written, found when
// it comes due: an upgrade to a version the scenario does not define, for
// example. A run that stops on one ends as bad input.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// diskFault starts or ends a storage fault on node id's disk and sets
// the disk from the storage faults in force.
func (a *Applier) diskFault(id NodeID, act action) {
	if act.end {
		a.disks[id] = slices.DeleteFunc(a.disks[id], func(j int) bool { return j == act.i })
	} else {
		a.disks[id] = append(a.disks[id], act.i)
	}
	slow, full := 1.0, false
	var werr, flip, bad, lost float64
	for _, j := range a.disks[id] {
		f := a.s.Faults[j]
		switch f.Kind {
		case SlowDisk:
			slow = max(slow, f.Factor)
		case DiskFull:
			full = true
		case WriteErr:
			werr = either(werr, f.Prob)
		case BitFlip:
			flip = either(flip, f.Prob)
		case BadSector:
			bad = either(bad, f.Prob)
		case LostWrite:
			lost = either(lost, f.Prob)
		}
	}
	d := a.rt.Storage(id)
	d.SetSlow(slow)
	d.SetFull(full)
	d.SetWriteErrors(werr)
	d.SetBitFlips(flip)
	d.SetBadSectors(bad)
	d.SetLostWrites(lost)
}

func (a *Applier) grudge(f Fault) (network.Grudge, error) {
	n := a.net.Size()
	switch f.Kind {
	case Partition:
		return network.Split(n, f.Groups...)
	case OneWay:
		from, to := f.From, f.To
		if from == nil {
			from = others(n, to)
		}
		if to == nil {
			to = others(n, from)
		}
		return network.OneWay(n, from, to)
	case Bridge:
		l, r := f.Groups[0], f.Groups[2]
		g1, err := network.OneWay(n, l, r)
		if err != nil {
			return nil, err
		}
		g2, err := network.OneWay(n, r, l)
		if err != nil {
			return nil, err
		}
		return network.Union(g1, g2), nil
	case Ring:
		return network.MajorityRing(n)
	case Isolate:
		var gs []network.Grudge
		for _, id := range a.nodes(f.Nodes) {
			g, err := network.Isolate(n, id)
			if err != nil {
				return nil, err
			}
			gs = append(gs, g)
		}
		return network.Union(gs...), nil
	}
	return nil, fmt.Errorf("not a partition")
}

func others(n int, ids []NodeID) []NodeID {
	var out []NodeID
	for i := range NodeID(n) {
		if !slices.Contains(ids, i) {
			out = append(out, i)
		}
	}
	return out
}

// setGrudge puts the union of the active partitions in force.
func (a *Applier) setGrudge() error {
	if len(a.active) == 0 {
		a.net.Heal()
		return nil
	}
	var gs []network.Grudge
	var labels []string
	for _, i := range slices.Sorted(maps.Keys(a.active)) {
		gs = append(gs, a.active[i])
		f := a.s.Faults[i]
		f.For = 0
		labels = append(labels, strings.TrimPrefix(f.String(), "at "+f.At.String()+" "))
	}
	return a.net.SetGrudge(network.Union(gs...), strings.Join(labels, " + "))
}

func linkKey(from, to NodeID) uint64 { return uint64(uint32(from))<<32 | uint64(uint32(to)) }

func (a *Applier) linkFault(act action) error {
	f := a.s.Faults[act.i]
	for _, from := range a.nodes(f.From) {
		for _, to := range a.nodes(f.To) {
			if from == to {
				continue
			}
			k := linkKey(from, to)
			if act.end {
				before := len(a.layers[k])
				a.layers[k] = slices.DeleteFunc(a.layers[k], func(j int) bool { return j == act.i })
				if len(a.layers[k]) == before {
					continue // healed already
				}
			} else {
				if len(a.layers[k]) == 0 {
					a.base[k] = a.net.LinkParams(from, to)
				}
				a.layers[k] = append(a.layers[k], act.i)
			}
			if err := a.recompute(k); err != nil {
				return fmt.Errorf("fault %q: %w", f, err)
			}
		}
	}
	return nil
}

// recompute sets link k to its base with the active layers on top.
func (a *Applier) recompute(k uint64) error {
	from, to := NodeID(k>>32), NodeID(uint32(k))
	base, ok := a.base[k]
	if !ok {
		return nil
	}
	p := base
	clog := 1.0
	for _, j := range a.layers[k] {
		f := a.s.Faults[j]
		switch f.Kind {
		case Loss:
			p.Loss = either(p.Loss, f.Prob)
		case Dup:
			p.Duplicate = either(p.Duplicate, f.Prob)
		case Latency:
			p.Latency = f.Latency
		case Clog:
			clog *= f.Factor
		}
	}
	if clog != 1 {
		if err := a.net.Clog(from, to, clog, 0); err != nil {
			return err
		}
	} else if a.net.Clogged(from, to) != 1 {
		if err := a.net.Unclog(from, to); err != nil {
			return err
		}
	}
	if len(a.layers[k]) == 0 {
		delete(a.layers, k)
		delete(a.base, k)
		if base == a.net.Defaults() {
			return a.net.ResetLink(from, to)
		}
	}
	if p == a.net.LinkParams(from, to) {
		return nil
	}
	return a.net.SetLink(from, to, p)
}

// Pending returns how many starts and ends are still to apply.
func (a *Applier) Pending() int { return len(a.acts) - a.next }

// QuietAfter returns the time after which the schedule changes nothing:
// the last start or end.
func (s *Schedule) QuietAfter() time.Duration {
	var t time.Duration
	for _, f := range s.Faults {
		t = max(t, f.At, f.End())
		if f.Kind == Upgrade && f.Every > 0 {
			steps := len(f.Nodes)
			if f.Nodes == nil {
				steps = s.Nodes
			}
			t = max(t, stepAt(f, max(steps-1, 0)))
		}
	}
	return t
}

// either is the chance that at least one of two independent events with
// chances p and q happens; exact when either is 0. float64() rounds the
// product, so no platform fuses it into an FMA.
func either(p, q float64) float64 { return min(1, p+q-float64(p*q)) }
