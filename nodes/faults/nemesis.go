package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
)

// NemesisOptions configure the random nemesis. The zero value of a field
// takes the default its comment gives.
type NemesisOptions struct {
	_     struct{}
	Nodes int // cluster size; required, ≥ 1
	// Duration is the length of the fault phase; default 10s.
	Duration time.Duration
	// Quiet is the length of the quiet period that follows, in which every
	// fault is healed so liveness can be checked; default 5s. The nemesis
	// only records it: the run decides how long it goes on.
	Quiet time.Duration
	// Core turns on the core mode of TigerBeetle's VOPR: at the start of
	// the quiet period a core of at least a quorum is healed and
	// restarted, while nodes outside it may stay crashed or isolated.
	Core bool
	// Kinds, if set, are the fault kinds to use. Otherwise each seed
	// enables a random subset of NemesisKinds (swarm testing).
	Kinds []Kind
	// Exclude lists kinds never to draw, e.g. clock faults for a protocol
	// whose safety rests on bounded skew. Swarm testing picks its subset
	// from the rest.
	Exclude []Kind
}

// NemesisKinds are the kinds the nemesis draws from.
var NemesisKinds = []Kind{Partition, OneWay, Bridge, Ring, Isolate, Crash, Pause, Slow, Offset, Drift, Jump, Loss, Dup, Latency, Clog}

// StorageKinds are the storage faults. The nemesis draws them only when
// NemesisOptions.Kinds names them: swarm testing keeps to NemesisKinds,
// so a seed's plan without them is what it always was.
var StorageKinds = []Kind{SlowDisk, WriteErr, DiskFull, BitFlip, BadSector, LostWrite}

// MembershipKinds are the topology faults the nemesis can draw: leave
// (abrupt or drained, rejoining as a new node before the quiet period),
// replace, and join (of spares, or of nodes that left). Like the storage
// kinds they are drawn only when NemesisOptions.Kinds names them.
// Upgrade needs the versions of a scenario, and is never drawn.
var MembershipKinds = []Kind{Join, Leave, Replace}

// StorageProfile is what the kind list "storage" stands for: crashes,
// which decide what unsynced data survives, and every storage fault.
var StorageProfile = append([]Kind{Crash}, StorageKinds...)

// Profiles are named sets of kinds that fit a failure model: a name in
// nemesis.kinds or nemesis.exclude stands for its kinds. A bug that needs
// one kind of fault is diluted when every kind is on, so narrow the
// nemesis to the faults the protocol claims to survive (docs/faults.md
// says which profile finds which class of bug).
var Profiles = map[string][]Kind{
	"crashes":    {Crash},
	"partitions": {Partition, OneWay, Bridge, Ring, Isolate},
	"clocks":     {Offset, Drift, Jump},
	"pauses":     {Pause, Slow},
	"network":    {Loss, Dup, Latency, Clog},
	"storage":    StorageProfile,
	"membership": MembershipKinds,
}

// profileNames lists the profiles in a fixed order, for messages.
var profileNames = []string{"crashes", "partitions", "clocks", "pauses", "network", "storage", "membership"}

func generable(k Kind) bool {
	return slices.Contains(NemesisKinds, k) || slices.Contains(StorageKinds, k) || slices.Contains(MembershipKinds, k)
}

// Plan is what the nemesis drew for one seed.
type Plan struct {
	Schedule *Schedule
	Enabled  []Kind        // the fault kinds this seed uses
	Swarm    Swarm         // the knobs drawn for this seed
	Core     []NodeID      // the core, in core mode
	QuietAt  time.Duration // start of the quiet period
	Quiet    time.Duration
	knobs    []string
}

// Describe returns every knob the nemesis drew, one "name = value" per
// line, so that a seed describes its own run.
func (p *Plan) Describe() []string { return slices.Clone(p.knobs) }

// Swarm is every knob the nemesis draws for one seed, in one place, as
// TigerBeetle's VOPR draws its options from the seed: each seed runs its
// own mix of fault kinds, rates and sizes (swarm testing).
type Swarm struct {
	Kinds            []Kind        // the fault kinds this seed uses
	FaultGapMean     time.Duration // mean time between faults
	FaultDurationMax time.Duration // longest fault
	NodesPerFaultMax int           // most nodes one node fault hits
	LossMax          float64       // highest loss probability
	DupMax           float64       // highest duplication probability
	LatencyMax       time.Duration // highest added latency
	SlowFactorMax    float64       // strongest slow-down of a node or disk
	ClogFactorMax    float64       // strongest slow-down of a link
	DriftPPMMax      float64       // largest clock drift, either sign
	ClockShiftMax    time.Duration // largest clock offset or jump
	PauseMax         time.Duration // longest process pause
	// DiskProbMax is the highest probability of a storage fault; drawn,
	// and printed, only when a storage kind is on, so that other plans
	// draw what they always drew.
	DiskProbMax float64
	// PermanentShare is the chance that a node outside the core stays
	// down through the quiet period, in core mode.
	PermanentShare float64
}

func uniformDur(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + float64(rng.Float64()*(hi-lo)) }

// round keeps drawn values short in the text form. Here and in uniform,
// float64() rounds a product, so no platform fuses it into an FMA and a
// seed draws the same plan everywhere.
func roundDur(d, unit time.Duration) time.Duration { return max(d/unit*unit, unit) }
func round3(x float64) float64                     { return float64(int64(float64(x*1000)+0.5)) / 1000 }

func uniformMs(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return roundDur(uniformDur(rng, lo, hi), time.Millisecond)
}

func uniform3(rng *rand.Rand, lo, hi float64) float64 { return round3(uniform(rng, lo, hi)) }

// withDefaults fills the zero fields of o and checks the rest.
func (o NemesisOptions) withDefaults() (NemesisOptions, error) {
	if o.Nodes < 1 {
		return o, fmt.Errorf("nemesis: nodes %d: want ≥ 1", o.Nodes)
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Quiet == 0 {
		o.Quiet = 5 * time.Second
	}
	if o.Duration < 0 || o.Quiet < 0 {
		return o, fmt.Errorf("nemesis: duration %v and quiet %v: want durations > 0", o.Duration, o.Quiet)
	}
	return o, nil
}

// usable says whether kind k can hit a cluster of n nodes.
func usable(k Kind, n int) bool {
	switch k {
	case Bridge, Ring:
		return n >= 3
	case Partition, OneWay, Isolate, Loss, Dup, Latency, Clog:
		return n >= 2
	}
	return true
}

// drawKinds picks the kinds of o.Kinds that fit, or, with none given, a
// random subset of NemesisKinds: each kind on or off for the whole run,
// so that some seeds hammer on few faults and rare combinations happen.
func drawKinds(rng *rand.Rand, o NemesisOptions) ([]Kind, error) {
	var enabled []Kind
	if o.Kinds != nil {
		for _, k := range o.Kinds {
			if !generable(k) {
				return nil, fmt.Errorf("nemesis: kind %s cannot be generated (accepted: %s,%s,%s)", k, kindList(NemesisKinds), kindList(StorageKinds), kindList(MembershipKinds))
			}
			if usable(k, o.Nodes) && !slices.Contains(enabled, k) && !slices.Contains(o.Exclude, k) {
				enabled = append(enabled, k)
			}
		}
		if len(enabled) == 0 {
			return nil, fmt.Errorf("nemesis: no usable kind left of %s after excluding %s", kindList(o.Kinds), kindList(o.Exclude))
		}
		slices.Sort(enabled)
		return enabled, nil
	}
	var cand []Kind
	for _, k := range NemesisKinds {
		if usable(k, o.Nodes) && !slices.Contains(o.Exclude, k) {
			cand = append(cand, k)
		}
	}
	if len(cand) == 0 {
		return nil, fmt.Errorf("nemesis: every kind is excluded (%s)", kindList(o.Exclude))
	}
	for _, k := range cand {
		if rng.IntN(2) == 0 {
			enabled = append(enabled, k)
		}
	}
	if len(enabled) == 0 {
		enabled = append(enabled, cand[rng.IntN(len(cand))])
	}
	slices.Sort(enabled)
	return enabled, nil
}

// DrawSwarm draws the knobs of one seed for a cluster of n nodes and the
// given kinds. The order of the draws is part of every seed's plan.
func DrawSwarm(rng *rand.Rand, n int, kinds []Kind) Swarm {
	sw := Swarm{
		Kinds:            kinds,
		FaultGapMean:     uniformMs(rng, 100*time.Millisecond, 2*time.Second),
		FaultDurationMax: uniformMs(rng, 200*time.Millisecond, 3*time.Second),
		LossMax:          uniform3(rng, 0.05, 0.5),
		DupMax:           uniform3(rng, 0.05, 0.3),
		LatencyMax:       uniformMs(rng, 5*time.Millisecond, 200*time.Millisecond),
		SlowFactorMax:    uniform3(rng, 2, 20),
		ClogFactorMax:    uniform3(rng, 2, 20),
		DriftPPMMax:      uniform3(rng, 10, 1000),
		ClockShiftMax:    uniformMs(rng, 10*time.Millisecond, 2*time.Second),
		PauseMax:         uniformMs(rng, 10*time.Millisecond, 2*time.Second),
		NodesPerFaultMax: 1 + rng.IntN(max(1, (n-1)/2)),
		PermanentShare:   uniform3(rng, 0, 1),
	}
	if slices.ContainsFunc(kinds, Kind.disk) {
		sw.DiskProbMax = uniform3(rng, 0.05, 0.5)
	}
	return sw
}

// Generate draws a fault schedule from rng, which should be the run's
// "faults" stream. The same stream state gives the same plan.
func Generate(rng *rand.Rand, o NemesisOptions) (*Plan, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	enabled, err := drawKinds(rng, o)
	if err != nil {
		return nil, err
	}
	d := drawer{rng: rng, n: o.Nodes, sw: DrawSwarm(rng, o.Nodes, enabled)}
	p := &Plan{Enabled: enabled, Swarm: d.sw, QuietAt: o.Duration, Quiet: o.Quiet}
	s := &Schedule{Nodes: o.Nodes}
	clockHit := map[NodeID]bool{}
	for t := d.gap(0); t < o.Duration && len(s.Faults) < MaxFaults/2; t = d.gap(t) {
		f := d.fault(t, o.Duration-t)
		if f.Kind == Offset || f.Kind == Jump || f.Kind == Drift {
			for _, id := range f.Nodes {
				clockHit[id] = true
			}
		}
		s.Faults = append(s.Faults, f)
	}
	// The quiet period: every fault above ends by o.Duration; heal says
	// so in the schedule, and clocks that drifted or jumped are set right.
	s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Heal})
	if len(clockHit) > 0 {
		s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Offset, Nodes: sortedKeys(clockHit)})
	}
	var permanent []string
	if o.Core {
		permanent = d.core(p, s, o.Duration)
	}
	p.Schedule = s
	p.knobs = p.Swarm.describe(o, len(s.Faults))
	if o.Core {
		perm := "none"
		if permanent != nil {
			perm = strings.Join(permanent, "; ")
		}
		p.knobs = append(p.knobs,
			fmt.Sprintf("nemesis.core = %s", nodeList(p.Core)),
			fmt.Sprintf("nemesis.permanent_share = %g", p.Swarm.PermanentShare),
			fmt.Sprintf("nemesis.permanent = %s", perm))
	}
	return p, nil
}

// describe prints the knobs one "name = value" per line; the names are
// part of the CLI's output.
func (sw Swarm) describe(o NemesisOptions, faults int) []string {
	out := []string{
		fmt.Sprintf("nemesis.kinds = %s", kindList(sw.Kinds)),
		fmt.Sprintf("nemesis.fault_gap_mean = %v", sw.FaultGapMean),
		fmt.Sprintf("nemesis.fault_duration_max = %v", sw.FaultDurationMax),
		fmt.Sprintf("nemesis.nodes_per_fault_max = %d", sw.NodesPerFaultMax),
		fmt.Sprintf("nemesis.loss_max = %g", sw.LossMax),
		fmt.Sprintf("nemesis.dup_max = %g", sw.DupMax),
		fmt.Sprintf("nemesis.latency_max = %v", sw.LatencyMax),
		fmt.Sprintf("nemesis.slow_factor_max = %g", sw.SlowFactorMax),
		fmt.Sprintf("nemesis.clog_factor_max = %g", sw.ClogFactorMax),
		fmt.Sprintf("nemesis.drift_ppm_max = %g", sw.DriftPPMMax),
		fmt.Sprintf("nemesis.clock_shift_max = %v", sw.ClockShiftMax),
		fmt.Sprintf("nemesis.pause_max = %v", sw.PauseMax),
	}
	if slices.ContainsFunc(sw.Kinds, Kind.disk) {
		out = append(out, fmt.Sprintf("nemesis.disk_prob_max = %g", sw.DiskProbMax))
	}
	return append(out,
		fmt.Sprintf("nemesis.faults = %d", faults),
		fmt.Sprintf("nemesis.quiet = %v from %v", o.Quiet, o.Duration))
}

// drawer draws the faults of one plan from its swarm.
type drawer struct {
	rng *rand.Rand
	n   int
	sw  Swarm
}

// gap returns when the fault after the one at t starts.
func (d *drawer) gap(t time.Duration) time.Duration {
	return t + roundDur(time.Duration(d.rng.ExpFloat64()*float64(d.sw.FaultGapMean)), time.Millisecond)
}

// fault draws the fault that starts at t, with left to go in the fault
// phase: its kind, its targets, then its size.
func (d *drawer) fault(t, left time.Duration) Fault {
	rng, sw := d.rng, &d.sw
	dur := min(uniformMs(rng, sw.FaultDurationMax/10, sw.FaultDurationMax), left)
	f := Fault{At: t, Kind: sw.Kinds[rng.IntN(len(sw.Kinds))], For: dur}
	d.targets(&f)
	switch f.Kind {
	case Pause:
		f.For = min(uniformMs(rng, sw.PauseMax/10, sw.PauseMax), left)
	case Slow, SlowDisk:
		f.Factor = uniform3(rng, 1.5, sw.SlowFactorMax)
	case WriteErr, BitFlip, BadSector, LostWrite:
		f.Prob = uniform3(rng, 0.01, sw.DiskProbMax)
	case Clog:
		f.Factor = uniform3(rng, 1.5, sw.ClogFactorMax)
	case Loss:
		f.Prob = uniform3(rng, 0.01, sw.LossMax)
	case Dup:
		f.Prob = uniform3(rng, 0.01, sw.DupMax)
	case Latency:
		hi := uniformMs(rng, time.Millisecond, sw.LatencyMax)
		f.Latency = network.Dist{Kind: network.Uniform, Min: hi / 10, Max: hi}
	case Drift:
		f.PPM = uniform3(rng, -sw.DriftPPMMax, sw.DriftPPMMax)
	case Offset, Jump:
		f.Shift = uniformMs(rng, time.Millisecond, sw.ClockShiftMax)
		if rng.IntN(2) == 0 {
			f.Shift = -f.Shift
		}
		if f.Kind == Jump {
			f.For = 0
		}
	case Join, Replace:
		f.For = 0
	case Leave:
		// Half the leaves are drained, for up to half the time away;
		// every one rejoins when For ends, before the quiet period.
		if rng.IntN(2) == 0 {
			f.Drain = uniformMs(rng, dur/10, max(dur/2, dur/10))
		}
	}
	return f
}

// targets draws the nodes, groups or links that f hits.
func (d *drawer) targets(f *Fault) {
	switch f.Kind {
	case Partition:
		f.Groups = d.split(2 + d.rng.IntN(min(2, d.n-1)))
	case OneWay:
		g := d.split(2)
		f.From, f.To = g[0], g[1]
	case Bridge:
		f.Groups = d.split(3)
	case Ring:
	case Isolate, Crash, Slow, Pause, Offset, Drift, Jump, SlowDisk, WriteErr, DiskFull, BitFlip, BadSector, LostWrite, Join, Leave, Replace:
		f.Nodes = d.nodes()
	case Loss, Dup, Latency, Clog:
		f.From, f.To = d.links()
	}
}

// nodes draws 1 to NodesPerFaultMax distinct nodes, sorted.
func (d *drawer) nodes() []NodeID {
	m := 1 + d.rng.IntN(d.sw.NodesPerFaultMax)
	ids := make([]NodeID, m)
	for i, v := range d.rng.Perm(d.n)[:m] {
		ids[i] = NodeID(v)
	}
	slices.Sort(ids)
	return ids
}

// split draws a split of every node into the given number of non-empty
// groups.
func (d *drawer) split(groups int) [][]NodeID {
	perm := d.rng.Perm(d.n)
	cuts := d.rng.Perm(d.n - 1)[:groups-1]
	slices.Sort(cuts)
	out := make([][]NodeID, 0, groups)
	start := 0
	for _, c := range append(cuts, d.n-1) {
		g := make([]NodeID, 0, c+1-start)
		for _, v := range perm[start : c+1] {
			g = append(g, NodeID(v))
		}
		slices.Sort(g)
		out = append(out, g)
		start = c + 1
	}
	return out
}

// links draws every link, the links out of some nodes, or one link.
func (d *drawer) links() (from, to []NodeID) {
	switch d.rng.IntN(3) {
	case 0:
		return nil, nil
	case 1:
		return d.nodes(), nil
	}
	a := NodeID(d.rng.IntN(d.n))
	b := NodeID(d.rng.IntN(d.n - 1))
	if b >= a {
		b++
	}
	return []NodeID{a}, []NodeID{b}
}

// core draws the core of core mode: at least a quorum, healed and
// restarted at quiet, while each node outside it may stay crashed or
// isolated. It returns the permanent faults, for the description.
func (d *drawer) core(p *Plan, s *Schedule, quiet time.Duration) []string {
	rng, n := d.rng, d.n
	quorum := n/2 + 1
	size := quorum + rng.IntN(n-quorum+1)
	for _, v := range rng.Perm(n)[:size] {
		p.Core = append(p.Core, NodeID(v))
	}
	slices.Sort(p.Core)
	s.Faults = append(s.Faults, Fault{At: quiet, Kind: Restart, Nodes: p.Core})
	crash, isol := slices.Contains(p.Enabled, Crash), slices.Contains(p.Enabled, Isolate)
	var crashed, isolated []NodeID
	for id := range NodeID(n) {
		if slices.Contains(p.Core, id) || (!crash && !isol) || rng.Float64() >= d.sw.PermanentShare {
			continue
		}
		if crash && (!isol || rng.IntN(2) == 0) {
			crashed = append(crashed, id)
		} else {
			isolated = append(isolated, id)
		}
	}
	var permanent []string
	if crashed != nil {
		s.Faults = append(s.Faults, Fault{At: quiet, Kind: Crash, Nodes: crashed})
		permanent = append(permanent, "crash "+nodeList(crashed))
	}
	if isolated != nil {
		s.Faults = append(s.Faults, Fault{At: quiet, Kind: Isolate, Nodes: isolated})
		permanent = append(permanent, "isolate "+nodeList(isolated))
	}
	return permanent
}

func kindList(ks []Kind) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.String()
	}
	return strings.Join(names, ",")
}

func sortedKeys(m map[NodeID]bool) []NodeID {
	out := make([]NodeID, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// ParseKinds parses a comma-separated list of kinds the nemesis can draw,
// e.g. "partition,crash,loss". The name storage stands for
// StorageProfile. The empty string is no kinds.
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		kinds, ok := Profiles[name]
		if !ok {
			i := slices.Index(kindNames[:], name)
			if i <= 0 || !generable(Kind(i)) {
				return nil, fmt.Errorf("unknown fault kind %q (accepted: %s,%s,%s, or a profile: %s)", name, kindList(NemesisKinds), kindList(StorageKinds), kindList(MembershipKinds), strings.Join(profileNames, ", "))
			}
			kinds = []Kind{Kind(i)}
		}
		for _, k := range kinds {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}
