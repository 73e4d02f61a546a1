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
}

// profileNames lists the profiles in a fixed order, for messages.
var profileNames = []string{"crashes", "partitions", "clocks", "pauses", "network", "storage"}

func generable(k Kind) bool {
	return slices.Contains(NemesisKinds, k) || slices.Contains(StorageKinds, k)
}

// Plan is what the nemesis drew for one seed.
type Plan struct {
	Schedule *Schedule
	Enabled  []Kind        // the fault kinds this seed uses
	Core     []NodeID      // the core, in core mode
	QuietAt  time.Duration // start of the quiet period
	Quiet    time.Duration
	knobs    []string
}

// Describe returns every knob the nemesis drew, one "name = value" per
// line, so that a seed describes its own run.
func (p *Plan) Describe() []string { return slices.Clone(p.knobs) }

// knobs drawn per seed
type knobs struct {
	gapMean          time.Duration // mean time between faults
	forMax           time.Duration // longest fault
	lossMax, dupMax  float64
	latencyMax       time.Duration
	slowMax, clogMax float64
	driftMax         float64 // ppm
	shiftMax         time.Duration
	pauseMax         time.Duration
	nodesMax         int // most nodes one node fault hits
	permanentShare   float64
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

// Generate draws a fault schedule from rng, which should be the run's
// "faults" stream. The same stream state gives the same plan.
func Generate(rng *rand.Rand, o NemesisOptions) (*Plan, error) {
	n := o.Nodes
	if n < 1 {
		return nil, fmt.Errorf("nemesis: nodes %d: want ≥ 1", n)
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Quiet == 0 {
		o.Quiet = 5 * time.Second
	}
	if o.Duration < 0 || o.Quiet < 0 {
		return nil, fmt.Errorf("nemesis: duration %v and quiet %v: want durations > 0", o.Duration, o.Quiet)
	}
	usable := func(k Kind) bool {
		switch k {
		case Bridge, Ring:
			return n >= 3
		case Partition, OneWay, Isolate, Loss, Dup, Latency, Clog:
			return n >= 2
		}
		return true
	}
	var enabled []Kind
	if o.Kinds != nil {
		for _, k := range o.Kinds {
			if !generable(k) {
				return nil, fmt.Errorf("nemesis: kind %s cannot be generated (accepted: %s,%s)", k, kindList(NemesisKinds), kindList(StorageKinds))
			}
			if usable(k) && !slices.Contains(enabled, k) && !slices.Contains(o.Exclude, k) {
				enabled = append(enabled, k)
			}
		}
		if len(enabled) == 0 {
			return nil, fmt.Errorf("nemesis: no usable kind left of %s after excluding %s", kindList(o.Kinds), kindList(o.Exclude))
		}
	} else {
		// Swarm testing: each kind on or off for the whole run, so that
		// some seeds hammer on few faults and rare combinations happen.
		var cand []Kind
		for _, k := range NemesisKinds {
			if usable(k) && !slices.Contains(o.Exclude, k) {
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
	}
	slices.Sort(enabled)
	k := knobs{
		gapMean:        roundDur(uniformDur(rng, 100*time.Millisecond, 2*time.Second), time.Millisecond),
		forMax:         roundDur(uniformDur(rng, 200*time.Millisecond, 3*time.Second), time.Millisecond),
		lossMax:        round3(uniform(rng, 0.05, 0.5)),
		dupMax:         round3(uniform(rng, 0.05, 0.3)),
		latencyMax:     roundDur(uniformDur(rng, 5*time.Millisecond, 200*time.Millisecond), time.Millisecond),
		slowMax:        round3(uniform(rng, 2, 20)),
		clogMax:        round3(uniform(rng, 2, 20)),
		driftMax:       round3(uniform(rng, 10, 1000)),
		shiftMax:       roundDur(uniformDur(rng, 10*time.Millisecond, 2*time.Second), time.Millisecond),
		pauseMax:       roundDur(uniformDur(rng, 10*time.Millisecond, 2*time.Second), time.Millisecond),
		nodesMax:       1 + rng.IntN(max(1, (n-1)/2)),
		permanentShare: round3(uniform(rng, 0, 1)),
	}
	// Drawn only when storage kinds are on, so that other plans draw
	// what they always drew.
	var diskProbMax float64
	storage := slices.ContainsFunc(enabled, Kind.disk)
	if storage {
		diskProbMax = round3(uniform(rng, 0.05, 0.5))
	}
	p := &Plan{Enabled: enabled, QuietAt: o.Duration, Quiet: o.Quiet}
	s := &Schedule{Nodes: n}
	pickNodes := func() []NodeID {
		m := 1 + rng.IntN(k.nodesMax)
		perm := rng.Perm(n)[:m]
		ids := make([]NodeID, m)
		for i, v := range perm {
			ids[i] = NodeID(v)
		}
		slices.Sort(ids)
		return ids
	}
	pickSplit := func(groups int) [][]NodeID {
		perm := rng.Perm(n)
		// cut points so that every group is non-empty
		cuts := rng.Perm(n - 1)[:groups-1]
		slices.Sort(cuts)
		out := make([][]NodeID, 0, groups)
		start := 0
		for _, c := range append(cuts, n-1) {
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
	pickLinks := func() (from, to []NodeID) {
		switch rng.IntN(3) {
		case 0:
			return nil, nil // every link
		case 1:
			return pickNodes(), nil // out of some nodes
		}
		a := NodeID(rng.IntN(n))
		b := NodeID(rng.IntN(n - 1))
		if b >= a {
			b++
		}
		return []NodeID{a}, []NodeID{b}
	}
	clockHit := map[NodeID]bool{}
	t := time.Duration(0)
	for {
		t += roundDur(time.Duration(rng.ExpFloat64()*float64(k.gapMean)), time.Millisecond)
		if t >= o.Duration || len(s.Faults) >= MaxFaults/2 {
			break
		}
		left := o.Duration - t
		dur := min(roundDur(uniformDur(rng, k.forMax/10, k.forMax), time.Millisecond), left)
		f := Fault{At: t, Kind: enabled[rng.IntN(len(enabled))], For: dur}
		switch f.Kind {
		case Partition:
			f.Groups = pickSplit(2 + rng.IntN(min(2, n-1)))
		case OneWay:
			g := pickSplit(2)
			f.From, f.To = g[0], g[1]
		case Bridge:
			f.Groups = pickSplit(3)
		case Ring:
		case Isolate, Crash, Slow, Pause, Offset, Drift, Jump, SlowDisk, WriteErr, DiskFull, BitFlip, BadSector, LostWrite:
			f.Nodes = pickNodes()
		case Loss, Dup, Latency, Clog:
			f.From, f.To = pickLinks()
		}
		switch f.Kind {
		case Pause:
			f.For = min(roundDur(uniformDur(rng, k.pauseMax/10, k.pauseMax), time.Millisecond), left)
		case Slow, SlowDisk:
			f.Factor = round3(uniform(rng, 1.5, k.slowMax))
		case WriteErr, BitFlip, BadSector, LostWrite:
			f.Prob = round3(uniform(rng, 0.01, diskProbMax))
		case Clog:
			f.Factor = round3(uniform(rng, 1.5, k.clogMax))
		case Loss:
			f.Prob = round3(uniform(rng, 0.01, k.lossMax))
		case Dup:
			f.Prob = round3(uniform(rng, 0.01, k.dupMax))
		case Latency:
			hi := roundDur(uniformDur(rng, time.Millisecond, k.latencyMax), time.Millisecond)
			f.Latency = network.Dist{Kind: network.Uniform, Min: hi / 10, Max: hi}
		case Drift:
			f.PPM = round3(uniform(rng, -k.driftMax, k.driftMax))
		case Offset, Jump:
			f.Shift = roundDur(uniformDur(rng, time.Millisecond, k.shiftMax), time.Millisecond)
			if rng.IntN(2) == 0 {
				f.Shift = -f.Shift
			}
			if f.Kind == Jump {
				f.For = 0
			}
		}
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
		ids := sortedKeys(clockHit)
		s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Offset, Nodes: ids})
	}
	var permanent []string
	if o.Core {
		quorum := n/2 + 1
		size := quorum + rng.IntN(n-quorum+1)
		perm := rng.Perm(n)[:size]
		for _, v := range perm {
			p.Core = append(p.Core, NodeID(v))
		}
		slices.Sort(p.Core)
		s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Restart, Nodes: p.Core})
		crash, isol := slices.Contains(enabled, Crash), slices.Contains(enabled, Isolate)
		var crashed, isolated []NodeID
		for id := range NodeID(n) {
			if slices.Contains(p.Core, id) || (!crash && !isol) || rng.Float64() >= k.permanentShare {
				continue
			}
			if crash && (!isol || rng.IntN(2) == 0) {
				crashed = append(crashed, id)
			} else {
				isolated = append(isolated, id)
			}
		}
		if crashed != nil {
			s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Crash, Nodes: crashed})
			permanent = append(permanent, "crash "+nodeList(crashed))
		}
		if isolated != nil {
			s.Faults = append(s.Faults, Fault{At: o.Duration, Kind: Isolate, Nodes: isolated})
			permanent = append(permanent, "isolate "+nodeList(isolated))
		}
	}
	p.Schedule = s
	p.knobs = []string{
		fmt.Sprintf("nemesis.kinds = %s", kindList(enabled)),
		fmt.Sprintf("nemesis.fault_gap_mean = %v", k.gapMean),
		fmt.Sprintf("nemesis.fault_duration_max = %v", k.forMax),
		fmt.Sprintf("nemesis.nodes_per_fault_max = %d", k.nodesMax),
		fmt.Sprintf("nemesis.loss_max = %g", k.lossMax),
		fmt.Sprintf("nemesis.dup_max = %g", k.dupMax),
		fmt.Sprintf("nemesis.latency_max = %v", k.latencyMax),
		fmt.Sprintf("nemesis.slow_factor_max = %g", k.slowMax),
		fmt.Sprintf("nemesis.clog_factor_max = %g", k.clogMax),
		fmt.Sprintf("nemesis.drift_ppm_max = %g", k.driftMax),
		fmt.Sprintf("nemesis.clock_shift_max = %v", k.shiftMax),
		fmt.Sprintf("nemesis.pause_max = %v", k.pauseMax),
	}
	if storage {
		p.knobs = append(p.knobs, fmt.Sprintf("nemesis.disk_prob_max = %g", diskProbMax))
	}
	p.knobs = append(p.knobs,
		fmt.Sprintf("nemesis.faults = %d", len(s.Faults)),
		fmt.Sprintf("nemesis.quiet = %v from %v", o.Quiet, o.Duration))
	if o.Core {
		perm := "none"
		if permanent != nil {
			perm = strings.Join(permanent, "; ")
		}
		p.knobs = append(p.knobs,
			fmt.Sprintf("nemesis.core = %s", nodeList(p.Core)),
			fmt.Sprintf("nemesis.permanent_share = %g", k.permanentShare),
			fmt.Sprintf("nemesis.permanent = %s", perm))
	}
	return p, nil
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
				return nil, fmt.Errorf("unknown fault kind %q (accepted: %s,%s, or a profile: %s)", name, kindList(NemesisKinds), kindList(StorageKinds), strings.Join(profileNames, ", "))
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
