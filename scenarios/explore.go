package scenarios

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes/faults"
)

// ExploreOptions control a guided exploration.
type ExploreOptions struct {
	// Runs is how many runs to make in all; 0 means 200.
	Runs int
	// Seed seeds the explorer's own choices: the same Seed, Runs and
	// corpus give the same exploration, whatever Workers is.
	Seed uint64
	// Random is how many of the first runs are plain nemesis seeds (0,
	// 1, 2, ...) that fill the corpus; 0 means 10.
	Random int
	// Workers run a batch of candidates in parallel; < 1 means 1.
	Workers int
	// Corpus holds schedules from an earlier exploration (see
	// ExploreSummary.Corpus) to start from; they are run again first.
	Corpus []CorpusEntry
	// StopAtFailure ends the exploration at its first failing run.
	StopAtFailure bool
	Run           Options
	// OnRun, if set, receives every run in order, with whether it was new.
	OnRun func(i int, e CorpusEntry, res *Result, isNew bool)
	// Stop, when closed, ends the exploration after the batch under way.
	Stop <-chan struct{}
}

// CorpusEntry is a fault schedule for a seed, and what its run covered.
type CorpusEntry struct {
	Seed     uint64           `json:"seed"`
	Schedule *faults.Schedule `json:"-"`
	Lines    []string         `json:"schedule"` // Schedule in the text form
	Features []string         `json:"features"`
	Origin   string           `json:"origin"` // "seed", "corpus" or the mutations made
}

// ExploreFailure is a failing run the exploration found.
type ExploreFailure struct {
	Run    int         `json:"run"` // 1-based index among the runs
	Entry  CorpusEntry `json:"entry"`
	Result *Result     `json:"result"`
}

// ExploreSummary is the outcome of an exploration.
type ExploreSummary struct {
	Scenario    string            `json:"scenario"`
	Params      map[string]string `json:"params"`
	Seed        uint64            `json:"seed"`
	Runs        int               `json:"runs"`
	Features    int               `json:"features"` // distinct features covered
	Corpus      []CorpusEntry     `json:"corpus"`
	Failures    []ExploreFailure  `json:"failures"`
	Interrupted bool              `json:"interrupted"`
	// Refused counts mutants the scenario refused as bad input (not runs).
	Refused int `json:"refused"`
	// Values replay a failure's schedule when it is passed as
	// Options.Faults: the nemesis off, ties broken as in the nemesis runs.
	Values Values `json:"-"`
}

// batch is how many candidates are drawn before any of their results is
// seen. It is fixed, not the worker count, so that the exploration does
// not depend on the number of workers.
const batch = 8

// Explore searches seeds and fault schedules for failures of s with v,
// guided by coverage: it keeps the schedules whose runs reach a feature
// no earlier run reached (a Sometimes or Reachable assertion made true, a
// state fingerprint from Env.Cover, a new combination or overlap of fault
// kinds, a check outcome) and mutates those, preferring the ones whose
// features are rare: it adds, removes, moves, lengthens, retargets and
// combines faults. v must have the common parameter nemesis; the first
// runs are the nemesis's own schedules for seeds 0, 1, 2, ...
func Explore(s *Scenario, v Values, o ExploreOptions) (*ExploreSummary, error) {
	if !has(v, "nemesis") || s.declares("nemesis") {
		return nil, &BadInputError{Err: fmt.Errorf("scenario %s has no common nemesis to explore from", s.Name)}
	}
	o = o.withDefaults()
	m := v.Map()
	m["nemesis"] = "true"
	nv, err := Resolve(s.AllParams(), m)
	if err != nil {
		return nil, err
	}
	rv, err := ScheduleValues(s, nv)
	if err != nil {
		return nil, err
	}
	x := &explorer{
		s: s, nv: nv, rv: rv, o: o,
		rng:   rand.New(rand.NewPCG(o.Seed, 0x6578706c6f7265)), // "explore"
		count: map[string]int{},
		sum:   &ExploreSummary{Scenario: s.Name, Params: v.Map(), Seed: o.Seed, Failures: []ExploreFailure{}, Values: rv},
	}
	pending := slices.Clone(o.Corpus)
	for i := range pending {
		pending[i].Origin = "corpus"
	}
	nextSeed := uint64(0)
	// Mutants the scenario refuses are not runs; a bound on attempts ends
	// an exploration whose every mutant is refused.
	for attempts := 0; x.sum.Runs < o.Runs && attempts < 4*o.Runs+batch; {
		if stopped(o.Stop) {
			x.sum.Interrupted = true
			break
		}
		var cands []CorpusEntry
		for len(cands) < batch && x.sum.Runs+len(cands) < o.Runs {
			switch {
			case len(pending) > 0:
				cands, pending = append(cands, pending[0]), pending[1:]
			case x.sum.Runs+len(cands) < o.Random || len(x.sum.Corpus) == 0 || x.rng.IntN(4) == 0:
				// A quarter of the runs stay fresh nemesis seeds, so the
				// search never does much worse than random seeds.
				cands = append(cands, CorpusEntry{Seed: nextSeed, Origin: "seed"})
				nextSeed++
			default:
				cands = append(cands, x.mutate())
			}
		}
		attempts += len(cands)
		results := x.runBatch(cands)
		for i, res := range results {
			if res.Status == StatusBadInput && cands[i].Schedule == nil {
				// The nemesis's own run is refused: nothing to explore.
				return nil, &BadInputError{Err: fmt.Errorf("%s seed %d: %s", s.Name, cands[i].Seed, res.Error)}
			}
			if x.take(cands[i], res) {
				return x.sum, nil
			}
		}
	}
	return x.sum, nil
}

func (o ExploreOptions) withDefaults() ExploreOptions {
	if o.Runs <= 0 {
		o.Runs = 200
	}
	if o.Random <= 0 {
		o.Random = 10
	}
	o.Workers = max(o.Workers, 1)
	o.Run.Sink = nil
	return o
}

func stopped(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

type explorer struct {
	s      *Scenario
	nv, rv Values // the nemesis's values, and those that replay a schedule
	o      ExploreOptions
	rng    *rand.Rand
	count  map[string]int // runs that reached each feature
	sum    *ExploreSummary
}

// runBatch runs the candidates on the workers and returns their results
// in order. A seed candidate runs the nemesis; the others their schedule.
func (x *explorer) runBatch(cands []CorpusEntry) []*Result {
	out := make([]*Result, len(cands))
	jobs := func(yield func(int) bool) {
		for i := range cands {
			if !yield(i) {
				return
			}
		}
	}
	Pool(jobs, x.o.Workers, nil,
		func(i int) *Result {
			c := cands[i]
			if c.Schedule == nil {
				return Execute(x.s, x.nv, c.Seed, x.o.Run)
			}
			return ExecuteSchedule(x.s, x.rv, c.Seed, x.o.Run, c.Schedule)
		},
		func(i int, r *Result) bool { out[i] = r; return true }, nil)
	return out
}

// take scores one run; it returns true when the exploration should stop.
func (x *explorer) take(c CorpusEntry, res *Result) bool {
	if res.Status == StatusBadInput {
		x.sum.Refused++ // a mutant the scenario refuses: not a run
		return false
	}
	x.sum.Runs++
	if c.Schedule == nil {
		sched, err := ScheduleOf(res)
		if err != nil {
			return false
		}
		sched.Nodes = res.nodes
		c.Schedule = sched
	}
	c.Lines = c.Schedule.Lines()
	c.Features = features(c.Schedule, res)
	isNew := false
	for _, f := range c.Features {
		if x.count[f] == 0 {
			isNew = true
		}
		x.count[f]++
	}
	x.sum.Features = len(x.count)
	if isNew {
		x.sum.Corpus = append(x.sum.Corpus, c)
	}
	if x.o.OnRun != nil {
		x.o.OnRun(x.sum.Runs, c, res, isNew)
	}
	if res.Failed() && res.Status != StatusLimit {
		x.sum.Failures = append(x.sum.Failures, ExploreFailure{Run: x.sum.Runs, Entry: c, Result: res})
		return x.o.StopAtFailure
	}
	return false
}

// features names what a run covered: its fault kinds together, which
// kinds overlapped in time, the assertions it made true, its state
// fingerprints, and its checks' outcomes.
func features(sched *faults.Schedule, res *Result) []string {
	set := map[string]bool{}
	var kinds []string
	for _, f := range sched.Faults {
		if f.Kind != faults.Heal {
			kinds = append(kinds, f.Kind.String())
		}
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	if len(kinds) > 0 {
		set["kinds:"+strings.Join(kinds, "+")] = true
	}
	for i, a := range sched.Faults {
		for _, b := range sched.Faults[i+1:] {
			if a.Kind != faults.Heal && b.Kind != faults.Heal && overlaps(a, b) {
				p := []string{a.Kind.String(), b.Kind.String()}
				slices.Sort(p)
				set["overlap:"+p[0]+"&"+p[1]] = true
			}
		}
	}
	for _, a := range res.Assertions {
		if a.True > 0 && a.Kind != "always" {
			set[a.Kind+":"+a.Name] = true
		}
	}
	for _, fp := range res.Coverage {
		set["state:"+fp] = true
	}
	for _, c := range res.Checks {
		set["check:"+c.Name+"="+c.Outcome] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

func overlaps(a, b faults.Fault) bool {
	ea, eb := a.End(), b.End()
	if ea < 0 {
		ea = a.At + time.Millisecond
	}
	if eb < 0 {
		eb = b.At + time.Millisecond
	}
	return a.At < eb && b.At < ea
}

// pick chooses a corpus entry, weighted toward rare features: each
// entry's weight is the sum over its features of 1/(runs that reached it).
func (x *explorer) pick() CorpusEntry {
	ws := make([]float64, len(x.sum.Corpus))
	var total float64
	for i, e := range x.sum.Corpus {
		for _, f := range e.Features {
			ws[i] += 1 / float64(x.count[f])
		}
		total += ws[i]
	}
	r := x.rng.Float64() * total
	for i, w := range ws {
		if r < w {
			return x.sum.Corpus[i]
		}
		r -= w
	}
	return x.sum.Corpus[len(x.sum.Corpus)-1]
}

// mutate returns a mutant of a corpus entry: one to three mutations.
func (x *explorer) mutate() CorpusEntry {
	parent := x.pick()
	sc := &faults.Schedule{Nodes: parent.Schedule.Nodes, Faults: slices.Clone(parent.Schedule.Faults)}
	seed := parent.Seed
	var made []string
	for range 1 + x.rng.IntN(3) {
		name := x.mutateOnce(sc, &seed)
		made = append(made, name)
	}
	slices.SortStableFunc(sc.Faults, func(a, b faults.Fault) int { return int(a.At - b.At) })
	return CorpusEntry{Seed: seed, Schedule: sc, Origin: strings.Join(made, ",")}
}

// horizon is the end of the fault phase: faults stay before it.
func horizon(sc *faults.Schedule) time.Duration {
	var h time.Duration
	for _, f := range sc.Faults {
		if f.Kind == faults.Heal {
			h = max(h, f.At)
		}
	}
	if h == 0 {
		h = max(sc.QuietAfter(), time.Second)
	}
	return h
}

// active returns the indexes of the faults that are not heals.
func active(sc *faults.Schedule) []int {
	var out []int
	for i, f := range sc.Faults {
		if f.Kind != faults.Heal {
			out = append(out, i)
		}
	}
	return out
}

func (x *explorer) mutateOnce(sc *faults.Schedule, seed *uint64) string {
	h := horizon(sc)
	idx := active(sc)
	op := x.rng.IntN(7)
	if len(idx) == 0 {
		op = 0 // nothing to change: add
	}
	switch op {
	case 0: // add a fault from another corpus entry, at a new time
		other := x.sum.Corpus[x.rng.IntN(len(x.sum.Corpus))].Schedule
		if oi := active(other); len(oi) > 0 {
			f := other.Faults[oi[x.rng.IntN(len(oi))]]
			f.At = time.Duration(x.rng.Int64N(int64(h)))
			sc.Faults = append(sc.Faults, clampEnd(f, h))
		}
		return "add"
	case 1: // remove one
		i := idx[x.rng.IntN(len(idx))]
		sc.Faults = slices.Delete(sc.Faults, i, i+1)
		return "remove"
	case 2: // move one
		i := idx[x.rng.IntN(len(idx))]
		sc.Faults[i].At = time.Duration(x.rng.Int64N(int64(h)))
		sc.Faults[i] = clampEnd(sc.Faults[i], h)
		return "move"
	case 3: // lengthen one
		i := idx[x.rng.IntN(len(idx))]
		if sc.Faults[i].For > 0 {
			sc.Faults[i].For *= 2
			sc.Faults[i] = clampEnd(sc.Faults[i], h)
		}
		return "lengthen"
	case 4: // retarget one
		i := idx[x.rng.IntN(len(idx))]
		retarget(&sc.Faults[i], sc.Nodes, x.rng)
		return "retarget"
	case 5: // combine: splice in the faults of another entry in a window
		other := x.sum.Corpus[x.rng.IntN(len(x.sum.Corpus))].Schedule
		from := time.Duration(x.rng.Int64N(int64(h)))
		to := from + time.Duration(x.rng.Int64N(int64(h-from)+1))
		for _, f := range other.Faults {
			if f.Kind != faults.Heal && f.At >= from && f.At < to {
				sc.Faults = append(sc.Faults, clampEnd(f, h))
			}
		}
		return "combine"
	default: // another seed: the same faults against other arrivals
		*seed = x.rng.Uint64N(1 << 32)
		return "reseed"
	}
}

// clampEnd keeps a fault's end within the fault phase.
func clampEnd(f faults.Fault, h time.Duration) faults.Fault {
	if f.At >= h {
		f.At = h - time.Millisecond
	}
	if f.For > 0 && f.At+f.For > h {
		f.For = max(h-f.At, time.Millisecond)
	}
	return f
}

// retarget moves a node fault to other nodes of the same number, when the
// node count is known.
func retarget(f *faults.Fault, n int, rng *rand.Rand) {
	if n < 2 || len(f.Nodes) == 0 || len(f.Nodes) >= n {
		return
	}
	perm := rng.Perm(n)[:len(f.Nodes)]
	slices.Sort(perm)
	out := make([]faults.NodeID, len(perm))
	for i, p := range perm {
		out[i] = faults.NodeID(p)
	}
	f.Nodes = out
}
