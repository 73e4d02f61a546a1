package scenarios

import (
	"fmt"
	"maps"
	"math"
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
	// Random is how many of the first runs are not mutants, 0 meaning
	// 10: two calm runs (no faults, world seeds Seed·10⁶ and
	// Seed·10⁶+1; always two, even when Random is smaller), then nemesis
	// seeds (Seed·10⁶+2, ...) that fill the corpus. With a Corpus, its
	// entries are run first and take the calm runs' place. MaxFaults
	// leaves only the calm runs.
	Random int
	// Workers run a batch of candidates in parallel; < 1 means 1.
	Workers int
	// Corpus holds schedules from an earlier exploration (see
	// ExploreSummary.Corpus) to start from; they are run again first.
	Corpus []CorpusEntry
	// StopAtFailure ends the exploration at its first failing run.
	StopAtFailure bool
	// Fails, if set, says which failing runs count as failures: found,
	// reported, and the end of the search with StopAtFailure. A run that
	// fails otherwise is scored as one that passed. nil: every run that
	// fails other than by a limit.
	Fails func(*Result) bool
	// MaxFaults, if > 0, caps the faults of the runs: a mutant with more
	// is not run, a strike that would go over stops only the node, or is
	// not made, and fresh runs are calm ones (no faults) with new world
	// seeds rather than nemesis seeds, whose schedules are known only
	// once they ran. Corpus entries still run first, but one with more
	// faults is not a failure. Strikes stop nodes with the kinds the
	// nemesis's profile allows (nemesis.kinds, nemesis.exclude), as no
	// nemesis run shows them, and those the corpus holds.
	// ShrinkOptions.Explore searches this way.
	MaxFaults int
	Run       Options
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
	Origin   string           `json:"origin"` // "calm", "seed", "strike", "corpus" or the mutations made
	// At holds, for each of Features, the moments the run reached it
	// (the first, and for an assertion the 2nd, 4th, 8th ... time it was
	// true); none for a feature without a time (a fault-kind overlap, a
	// check outcome).
	At [][]time.Duration `json:"-"`
	// By holds, for each moment of At, the node that reached the
	// feature then (a fingerprint ending in CoverNode), or -1.
	By [][]int `json:"-"`
	// With holds, for each moment of At, the peer that took part (a
	// fingerprint ending in CoverPeer: a marked event's sender), or -1.
	With [][]int `json:"-"`
	// mark is the marked event a strike aimed at, for its score.
	mark string
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
// kinds, a check outcome). Most later runs are strikes: a crash, pause
// or isolation of the node that reached a moment of a kept run, just
// after it, short or long; the moments of the calm runs (no faults) are
// surveyed first, each with each stop kind, and events the scenario
// marked are struck often, with the peer they name. The other runs
// mutate kept schedules, preferring rare features and small schedules:
// they aim faults at the moments a rare feature was reached, nudge,
// scale, sample, stack, add, remove, move, retarget and combine faults
// (docs/cli.md). v must have the common parameter nemesis; the first runs
// are two calm ones and the nemesis's own schedules for seeds
// Seed·10⁶+2, ..., and a bandit sets how many later runs are further
// fresh seeds.
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
	x := newExplorer(s, v, nv, rv, o)
	pending := slices.Clone(o.Corpus)
	for i := range pending {
		pending[i].Origin = "corpus"
	}
	// Fresh seeds run from Seed·10⁶ up, so that explorations with
	// different seeds try different random seeds too.
	nextSeed := o.Seed * freshSeedStride
	// Mutants the scenario refuses, or over MaxFaults, are not runs; a
	// bound on attempts ends an exploration whose every mutant is.
	limit := o.attempts()
	for attempts := 0; x.sum.Runs < o.Runs && attempts < limit; {
		if stopped(o.Stop) {
			x.sum.Interrupted = true
			break
		}
		var cands []CorpusEntry
		for len(cands) < batch && x.sum.Runs+len(cands) < o.Runs && attempts < limit {
			attempts++
			switch {
			case len(pending) > 0:
				cands, pending = append(cands, pending[0]), pending[1:]
			case x.sum.Runs+len(cands) < calmRuns,
				o.MaxFaults > 0 && (len(x.sum.Corpus) == 0 || x.rng.Float64() < x.freshShare()):
				// The first runs are calm: no faults, so that strikes see
				// the protocol's ordinary moments one at a time.
				cands = append(cands, CorpusEntry{Seed: nextSeed, Schedule: x.calm(), Origin: "calm"})
				nextSeed++
			case o.MaxFaults <= 0 && (x.sum.Runs+len(cands) < o.Random || len(x.sum.Corpus) == 0 || x.rng.Float64() < x.freshShare()):
				// Some runs stay fresh nemesis seeds, so the search never
				// does much worse than random seeds.
				cands = append(cands, CorpusEntry{Seed: nextSeed, Origin: "seed"})
				nextSeed++
			default:
				if c := x.mutate(); o.MaxFaults <= 0 || effective(c.Schedule.Faults) <= o.MaxFaults {
					cands = append(cands, c)
				}
			}
		}
		results := x.runBatch(cands)
		for i, res := range results {
			if res.Status == StatusBadInput && (cands[i].Schedule == nil || cands[i].Origin == "calm") {
				// The nemesis's own run, or a calm one, is refused:
				// nothing to explore.
				return nil, &BadInputError{Err: fmt.Errorf("%s seed %d: %s", s.Name, cands[i].Seed, res.Error)}
			}
			if x.take(cands[i], res) {
				return x.sum, nil
			}
		}
	}
	return x.sum, nil
}

// newExplorer returns the explorer of s with the user's values v, the
// nemesis's nv and the replay's rv.
func newExplorer(s *Scenario, v, nv, rv Values, o ExploreOptions) *explorer {
	x := &explorer{
		s: s, nv: nv, rv: rv, o: o,
		rng:     rand.New(rand.NewPCG(o.Seed, 0x6578706c6f7265)), // "explore"
		count:   map[string]int{},
		favored: map[string]int{},
		kinds:   map[faults.Kind]bool{},
		marks:   map[string]*markStats{},
		sum:     &ExploreSummary{Scenario: s.Name, Params: v.Map(), Seed: o.Seed, Failures: []ExploreFailure{}, Values: rv},
	}
	if o.MaxFaults > 0 {
		// No nemesis runs tell the kinds: take them from its profile.
		for _, k := range profileKinds(nv) {
			x.kinds[k] = true
		}
	}
	return x
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

// attempts bounds the candidates an exploration draws, run or not:
// four per run, sixteen under a cap, which many mutants break.
func (o ExploreOptions) attempts() int {
	if o.MaxFaults > 0 {
		return 16*o.Runs + batch
	}
	return 4*o.Runs + batch
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
	// favored holds, for each feature a corpus entry reached, the entry
	// with the fewest faults that reached it (the first among equals);
	// corpusFeats lists those features in the order they were found.
	favored     map[string]int
	corpusFeats []string
	events      int                   // how many of corpusFeats are marked events
	survey      []strikeSpec          // the survey's strikes still to make; nil before it is drawn
	calms       []CorpusEntry         // the runs without faults, new or not: what the survey strikes
	kinds       map[faults.Kind]bool  // the fault kinds the corpus holds (and, under a cap, the profile allows)
	marks       map[string]*markStats // what the strikes at each marked event did
	// tries and yield count the runs of fresh seeds [0] and of mutants
	// [1], and those that reached a new feature or failed.
	tries, yield [2]int
	sum          *ExploreSummary
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

// calmRuns is how many of the first runs have no faults.
const calmRuns = 2

// calm is the schedule of a calm run: only the heal that ends the fault
// phase, so that faults added to it stay within that phase.
func (x *explorer) calm() *faults.Schedule {
	return &faults.Schedule{Faults: []faults.Fault{{At: x.nv.Duration("nemesis.duration"), Kind: faults.Heal}}}
}

// freshSeedStride separates the fresh seeds of explorer seeds.
const freshSeedStride = 1_000_000

// freshShare is the share of candidates that are fresh nemesis seeds: a
// two-armed bandit between fresh seeds and mutants, each scored by the
// share of its runs that reached a new feature or failed (with one of
// each counted in advance; the calm runs count as fresh seeds), kept
// between 5% and 15%: fresh seeds of a
// swarm nemesis reach new states at almost every run, while the bugs
// lie behind the strikes.
// It reads only the results of earlier batches, so it is deterministic.
func (x *explorer) freshShare() float64 {
	f := float64(x.yield[0]+1) / float64(x.tries[0]+2)
	m := float64(x.yield[1]+1) / float64(x.tries[1]+2)
	return min(max(f/(f+m), 0.05), 0.15)
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
	} else if c.Schedule.Nodes == 0 {
		c.Schedule.Nodes = res.nodes
	}
	c.Lines = c.Schedule.Lines()
	failed := res.Failed() && res.Status != StatusLimit &&
		(x.o.Fails == nil || x.o.Fails(res)) &&
		(x.o.MaxFaults <= 0 || effective(c.Schedule.Faults) <= x.o.MaxFaults)
	c.Features, c.At, c.By, c.With = features(c.Schedule, res)
	x.noteCalm(c, res)
	isNew := false
	for _, f := range c.Features {
		if x.count[f] == 0 {
			isNew = true
		}
		x.count[f]++
	}
	x.sum.Features = len(x.count)
	arm := 1 // a mutant
	if c.Origin == "seed" || c.Origin == "calm" {
		arm = 0
	}
	if c.Origin != "corpus" {
		x.tries[arm]++
		if isNew || failed {
			x.yield[arm]++
		}
	}
	if c.mark != "" {
		m := x.markOf(c.mark)
		m.strikes++
		if isNew || failed {
			m.yield++
		}
	}
	if isNew {
		x.addCorpus(c)
	}
	if x.o.OnRun != nil {
		x.o.OnRun(x.sum.Runs, c, res, isNew)
	}
	if failed {
		x.sum.Failures = append(x.sum.Failures, ExploreFailure{Run: x.sum.Runs, Entry: c, Result: res})
		return x.o.StopAtFailure
	}
	return false
}

// features names what a run covered, and when it first did (-1 for a
// feature without a time): the fault kinds of a focused schedule (one or
// two kinds: a schedule of every kind is no news), which kinds
// overlapped in time, the assertions it made true (and whether once,
// a few times or many: hit counts in buckets, as AFL counts edges), its
// state fingerprints, and its checks' outcomes.
func features(sched *faults.Schedule, res *Result) (out []string, at [][]time.Duration, by, with [][]int) {
	set := map[string][]time.Duration{}
	nodeOf, peerOf := map[string][]int{}, map[string][]int{}
	var kinds []string
	for _, f := range sched.Faults {
		if f.Kind != faults.Heal {
			kinds = append(kinds, f.Kind.String())
		}
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	if len(kinds) > 0 && len(kinds) <= 2 {
		set["kinds:"+strings.Join(kinds, "+")] = nil
	}
	for i, a := range sched.Faults {
		for _, b := range sched.Faults[i+1:] {
			if a.Kind != faults.Heal && b.Kind != faults.Heal && overlaps(a, b) {
				p := []string{a.Kind.String(), b.Kind.String()}
				slices.Sort(p)
				set["overlap:"+p[0]+"&"+p[1]] = nil
			}
		}
	}
	for _, a := range res.Assertions {
		if a.True > 0 && a.Kind != "always" {
			set[a.Kind+":"+a.Name] = a.TrueAt
			switch {
			case a.True >= 8:
				set[a.Kind+":"+a.Name+"#8+"] = nil
			case a.True >= 2:
				set[a.Kind+":"+a.Name+"#2+"] = nil
			}
		}
	}
	for i, fp := range res.Coverage {
		name, node, peer := splitCoverNode(fp)
		k := "state:" + name
		if i < len(res.CoverageAt) && res.CoverageAt[i] >= 0 {
			set[k] = append(set[k], res.CoverageAt[i])
			nodeOf[k] = append(nodeOf[k], node)
			peerOf[k] = append(peerOf[k], peer)
		} else if _, ok := set[k]; !ok {
			set[k] = nil
		}
	}
	for _, c := range res.Checks {
		set["check:"+c.Name+"="+c.Outcome] = nil
	}
	out = slices.Sorted(maps.Keys(set))
	at = make([][]time.Duration, len(out))
	by, with = make([][]int, len(out)), make([][]int, len(out))
	for i, f := range out {
		at[i], by[i], with[i] = set[f], nodeOf[f], peerOf[f]
	}
	return out, at, by, with
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

// addCorpus keeps c, and makes it the favored entry of the features it
// reached with fewer faults than the entry favored so far.
func (x *explorer) addCorpus(c CorpusEntry) {
	i := len(x.sum.Corpus)
	x.sum.Corpus = append(x.sum.Corpus, c)
	n := len(active(c.Schedule))
	for _, f := range c.Schedule.Faults {
		x.kinds[f.Kind] = true
	}
	for _, f := range c.Features {
		j, ok := x.favored[f]
		if !ok {
			x.corpusFeats = append(x.corpusFeats, f)
			if strings.HasPrefix(f, eventFeature) {
				x.events++
			}
		}
		if !ok || n < len(active(x.sum.Corpus[j].Schedule)) {
			x.favored[f] = i
		}
	}
}

// pick chooses a corpus entry: half the time by feature, half by entry.
// By feature, a feature is drawn with weight 1/(runs that reached it)
// and its favored entry is taken: an entry that alone reached a rare
// feature is picked about as often as that feature is rare, however
// many common features the other entries share. By entry, see
// pickEntry.
func (x *explorer) pick() CorpusEntry {
	if x.rng.IntN(2) == 0 && len(x.corpusFeats) > 0 {
		if f, ok := x.rareFeature(false); ok {
			return x.sum.Corpus[x.favored[f]]
		}
	}
	return x.pickEntry()
}

// rareFeature draws a feature the corpus reached, with weight 1/(runs
// that reached it), among marked events only when events is set, and then
// also weighted by the share of the event's strikes that reached a new
// feature or failed; false when rounding leaves none drawn.
func (x *explorer) rareFeature(events bool) (string, bool) {
	in := func(f string) bool { return !events || strings.HasPrefix(f, eventFeature) }
	weight := func(f string) float64 {
		w := 1 / float64(x.count[f])
		if events {
			// Events whose strikes keep reaching new features or
			// failing get more of them.
			var m markStats
			if p := x.marks[f]; p != nil {
				m = *p
			}
			w *= float64(m.yield+1) / float64(m.strikes+2)
		}
		return w
	}
	var total float64
	for _, f := range x.corpusFeats {
		if in(f) {
			total += weight(f)
		}
	}
	r := x.rng.Float64() * total
	for _, f := range x.corpusFeats {
		if !in(f) {
			continue
		}
		w := weight(f)
		if r < w {
			return f, true
		}
		r -= w
	}
	return "", false
}

// pickEntry chooses a corpus entry, weighted toward rare features and small
// schedules: each entry's weight is the sum over its features of
// 1/(runs that reached it), divided by 1 + (its faults)/16.
func (x *explorer) pickEntry() CorpusEntry {
	return x.drawEntry(func(e CorpusEntry) float64 {
		var w float64
		for _, f := range e.Features {
			w += 1 / float64(x.count[f])
		}
		// Smaller schedules first: a change to one of few faults is
		// more likely to matter, and a failure found there shrinks well.
		return w / (1 + float64(len(active(e.Schedule)))/16)
	})
}

// drawEntry draws a corpus entry with the given weight.
func (x *explorer) drawEntry(weight func(CorpusEntry) float64) CorpusEntry {
	ws := make([]float64, len(x.sum.Corpus))
	var total float64
	for i, e := range x.sum.Corpus {
		ws[i] = weight(e)
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
	if e, ok := x.strike(); ok {
		return e
	}
	parent := x.pick()
	sc := &faults.Schedule{Nodes: parent.Schedule.Nodes, Faults: slices.Clone(parent.Schedule.Faults)}
	seed := parent.Seed
	var made []string
	for range 1 + x.rng.IntN(3) {
		name := x.mutateOnce(sc, &seed, parent)
		made = append(made, name)
	}
	slices.SortStableFunc(sc.Faults, func(a, b faults.Fault) int { return int(a.At - b.At) })
	return CorpusEntry{Seed: seed, Schedule: sc, Origin: strings.Join(made, ",")}
}

// strike returns, for five mutants in six, a schedule that stops a node
// at a moment its run reached: a crash, pause or isolation a few
// milliseconds after (or, for a quarter of the strikes not at marked
// events, just before). When the corpus holds marked events
// (StateCover.Mark), half the strikes aim at one, drawn by rarity and by
// how often its strikes reached something new, in the entry favored for
// it, with a short stop and a stop of the peer the moment names (or of
// one drawn, half the time), the kinds in turn (nextKinds): the dangerous
// moments of a protocol, however common. The others take the survey's
// next strike (each moment of the runs without faults, with each kind and
// length, once), and when it is done any moment of a small entry
// (pickSmall: the calm runs first), with a short or a long stop.
func (x *explorer) strike() (CorpusEntry, bool) {
	if x.rng.IntN(6) == 0 {
		return CorpusEntry{}, false
	}
	if x.events > 0 && x.rng.IntN(2) == 0 {
		f, ok := x.rareFeature(true)
		if !ok {
			return CorpusEntry{}, false
		}
		parent := x.sum.Corpus[x.favored[f]]
		i, ok := slices.BinarySearch(parent.Features, f)
		if !ok || i >= len(parent.At) || len(parent.At[i]) == 0 || i >= len(parent.By) {
			return CorpusEntry{}, false
		}
		j := x.rng.IntN(len(parent.At[i]))
		w := peerAt(parent, i, j)
		sp := strikeSpec{t: parent.At[i][j], node: parent.By[i][j], with: w + 1, peer: w >= 0 || x.rng.IntN(2) == 0}
		sp.kind, sp.peerKind = x.nextKinds(f)
		e, ok := x.strikeAt(parent, sp)
		e.mark = f
		return e, ok
	}
	if sp, ok := x.nextSurvey(); ok {
		return x.strikeAt(x.calms[sp.entry], sp)
	}
	parent := x.pickSmall()
	m, ok := x.anyMoment(parent)
	if !ok {
		return CorpusEntry{}, false
	}
	return x.strikeAt(parent, strikeSpec{t: m.t, node: m.node, with: m.peer + 1, long: x.rng.IntN(2) == 0, early: x.rng.IntN(4) == 0, peer: x.rng.IntN(2) == 0})
}

// strikeSpec is what a strike aims at: a moment t of node, and how.
type strikeSpec struct {
	entry int // the calm run, for the survey (an index into explorer.calms)
	t     time.Duration
	node  int
	kind  faults.Kind // 0: drawn among the stop kinds the corpus holds
	long  bool        // a long stop (a fortieth to an eighth of the fault phase), not a short one (1ms to 64ms)
	early bool        // 1ms to 4ms before the moment, not 1ms to 8ms after
	peer  bool        // also stop a peer for longer, before it hears of the moment
	with  int         // that peer + 1: the one the moment names (CoverPeer); 0 to draw one
	// peerKind stops the peer; 0: drawn like kind.
	peerKind faults.Kind
}

// nextKinds returns the stop kinds of the next strike at marked event f,
// for its node and its peer: each pair of the kinds the corpus holds in
// turn, from a place drawn at f's first strike, so that a few strikes at
// an event try every pair (a crash of the voter with a pause of its
// candidate) where draws would repeat some and miss others.
func (x *explorer) nextKinds(f string) (faults.Kind, faults.Kind) {
	kinds := x.stopKinds()
	n := len(kinds)
	if n == 0 {
		return 0, 0
	}
	m := x.markOf(f)
	if !m.started {
		m.turn, m.started = x.rng.IntN(n*n), true
	}
	turn := m.turn
	m.turn++
	return kinds[turn%n], kinds[turn/n%n]
}

// markStats is what the strikes at a marked event did.
type markStats struct {
	turn    int  // the next pair of stop kinds (nextKinds)
	started bool // turn was drawn
	strikes int  // runs of strikes at the event
	yield   int  // of those, runs that reached a new feature or failed
}

// markOf returns the stats of marked event f, made on first use.
func (x *explorer) markOf(f string) *markStats {
	m := x.marks[f]
	if m == nil {
		m = &markStats{}
		x.marks[f] = m
	}
	return m
}

// peerAt is the peer that took part in e's moment j of feature i, or -1.
func peerAt(e CorpusEntry, i, j int) int {
	if i < len(e.With) && j < len(e.With[i]) {
		return e.With[i][j]
	}
	return -1
}

// strikeAt returns parent's schedule with the strike sp added.
func (x *explorer) strikeAt(parent CorpusEntry, sp strikeSpec) (CorpusEntry, bool) {
	sc := &faults.Schedule{Nodes: parent.Schedule.Nodes, Faults: slices.Clone(parent.Schedule.Faults)}
	h := horizon(sc)
	if sp.node < 0 || sp.t >= h || (sc.Nodes > 0 && sp.node >= sc.Nodes) {
		return CorpusEntry{}, false
	}
	if x.rng.IntN(2) == 0 {
		// The faults after the moment did not lead to it: half the time
		// they go, so that the strike acts on a run calm from there on.
		// Heals, the nemesis's clock resets and anything at the horizon
		// stay: the run still ends healed.
		sc.Faults = slices.DeleteFunc(sc.Faults, func(f faults.Fault) bool { return !f.NoOp() && f.At > sp.t && f.At < h })
	}
	room := math.MaxInt // faults the strike may add under MaxFaults
	if x.o.MaxFaults > 0 {
		if room = x.o.MaxFaults - effective(sc.Faults); room < 1 {
			return CorpusEntry{}, false
		}
	}
	// Short: back while the protocol is still in the phase it was in.
	// Long: past the timeouts that make its peers act without it.
	lo, hi := time.Millisecond, 64*time.Millisecond
	if sp.long {
		lo, hi = max(h/40, 64*time.Millisecond), max(h/8, 128*time.Millisecond)
	}
	at := sp.t + x.logDuration(time.Millisecond, 8*time.Millisecond)
	if sp.early {
		at = sp.t - x.logDuration(time.Millisecond, 4*time.Millisecond)
	}
	node := faults.NodeID(sp.node)
	g, ok := x.stopFault(node, at, lo, hi)
	if !ok {
		return CorpusEntry{}, false
	}
	if sp.kind != 0 {
		g.Kind = sp.kind
	}
	sc.Faults = append(sc.Faults, clampEnd(g, h))
	if sp.peer && sc.Nodes > 1 && room > 1 {
		peer := faults.NodeID(sp.with - 1)
		if sp.with < 1 || sp.with > sc.Nodes || peer == node {
			peer = x.otherNode(sc.Nodes, node)
		}
		at := sp.t + x.logDuration(time.Millisecond, 4*time.Millisecond) - time.Millisecond
		if p, ok := x.stopFault(peer, at, 16*time.Millisecond, 512*time.Millisecond); ok {
			if sp.peerKind != 0 {
				p.Kind = sp.peerKind
			}
			sc.Faults = append(sc.Faults, clampEnd(p, h))
		}
	}
	slices.SortStableFunc(sc.Faults, func(a, b faults.Fault) int { return int(a.At - b.At) })
	return CorpusEntry{Seed: parent.Seed, Schedule: sc, Origin: "strike"}, true
}

// noteCalm keeps c for the survey when its run had no faults and passed,
// whether or not it reached anything new: the calm runs, and the entries
// without faults of a corpus read back.
func (x *explorer) noteCalm(c CorpusEntry, res *Result) {
	if len(active(c.Schedule)) == 0 && res.Status == StatusOK {
		x.calms = append(x.calms, c)
	}
}

// nextSurvey returns the next strike of the survey: every moment of the
// runs without faults (noteCalm), struck with each stop kind the corpus
// holds, short and long, in an order drawn once, like a systematic search
// for the single faults that break a protocol; false when it is done or
// there is nothing to survey. It is drawn at the first strike that is
// not at a marked event, after the first ten runs.
func (x *explorer) nextSurvey() (strikeSpec, bool) {
	if x.survey == nil {
		x.survey = []strikeSpec{}
		kinds := x.stopKinds()
		for i, e := range x.calms {
			for _, m := range moments(e) {
				for _, k := range kinds {
					for _, long := range []bool{false, true} {
						x.survey = append(x.survey, strikeSpec{entry: i, t: m.t, node: m.node, with: m.peer + 1, kind: k, long: long})
					}
				}
			}
		}
		x.rng.Shuffle(len(x.survey), func(i, j int) { x.survey[i], x.survey[j] = x.survey[j], x.survey[i] })
		for i := range x.survey {
			x.survey[i].early = x.rng.IntN(4) == 0
			x.survey[i].peer = x.rng.IntN(2) == 0
		}
	}
	if len(x.survey) == 0 {
		return strikeSpec{}, false
	}
	sp := x.survey[0]
	x.survey = x.survey[1:]
	return sp, true
}

// pickSmall draws a corpus entry with weight 1/(1+faults)²: the calm
// runs and the entries of one or two faults first.
func (x *explorer) pickSmall() CorpusEntry {
	return x.drawEntry(func(e CorpusEntry) float64 {
		n := float64(1 + len(active(e.Schedule)))
		return 1 / (n * n)
	})
}

// moment is when a node reached a feature, and the peer that took
// part, or -1.
type moment struct {
	t          time.Duration
	node, peer int
}

// moments lists, in time order, the distinct moments after the start
// at which a node of e's run reached one of its features.
func moments(e CorpusEntry) []moment {
	type at struct {
		t    time.Duration
		node int
	}
	seen := map[at]int{} // index in ms
	var ms []moment
	for i := range e.By {
		for j, node := range e.By[i] {
			m := moment{e.At[i][j], node, peerAt(e, i, j)}
			if node < 0 || m.t <= 0 {
				continue
			}
			// One moment per node and time, with the peer an event
			// named there, if any.
			if k, ok := seen[at{m.t, node}]; ok {
				if ms[k].peer < 0 {
					ms[k].peer = m.peer
				}
				continue
			}
			seen[at{m.t, node}] = len(ms)
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b moment) int {
		if a.t != b.t {
			return int(a.t - b.t)
		}
		return a.node - b.node
	})
	return ms
}

// anyMoment draws one of the moments of e uniformly.
func (x *explorer) anyMoment(e CorpusEntry) (moment, bool) {
	ms := moments(e)
	if len(ms) == 0 {
		return moment{}, false
	}
	return ms[x.rng.IntN(len(ms))], true
}

// stopFault returns a fault that stops node at, for lo to hi: a crash,
// pause or isolation, the kind drawn evenly among those the corpus holds
// (so the nemesis's profile still rules); false when it holds none.
func (x *explorer) stopFault(node faults.NodeID, at, lo, hi time.Duration) (faults.Fault, bool) {
	kinds := x.stopKinds()
	if len(kinds) == 0 {
		return faults.Fault{}, false
	}
	f := faults.Fault{At: max(at, 0), Kind: kinds[x.rng.IntN(len(kinds))], Nodes: []faults.NodeID{node}}
	f.For = x.logDuration(lo, hi)
	return f, true
}

// profileKinds are the fault kinds the nemesis of the values v may draw:
// nemesis.kinds, or else every kind swarm testing draws from, less
// nemesis.exclude.
func profileKinds(v Values) []faults.Kind {
	kinds, _ := faults.ParseKinds(v.String("nemesis.kinds"))
	if len(kinds) == 0 {
		kinds = faults.NemesisKinds
	}
	exclude, _ := faults.ParseKinds(v.String("nemesis.exclude"))
	return slices.DeleteFunc(slices.Clone(kinds), func(k faults.Kind) bool { return slices.Contains(exclude, k) })
}

// stopKinds are the kinds of fault that stop a node that the corpus
// holds, and under MaxFaults those the nemesis's profile allows.
func (x *explorer) stopKinds() []faults.Kind {
	var kinds []faults.Kind
	for _, k := range []faults.Kind{faults.Crash, faults.Pause, faults.Isolate} {
		if x.kinds[k] {
			kinds = append(kinds, k)
		}
	}
	return kinds
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

// The mutations and their shares of the draws. aim and nudge make the
// small, local changes a rare interleaving needs (a crash a few
// milliseconds after a vote); the others make large ones.
var mutations = []struct {
	name  string
	share int
}{
	{"add", 2}, {"remove", 2}, {"move", 1}, {"nudge", 3}, {"scale", 2},
	{"retarget", 2}, {"combine", 1}, {"reseed", 1}, {"aim", 4}, {"focus", 1},
	{"sample", 3}, {"stack", 2},
}

var mutationShares = func() int {
	n := 0
	for _, m := range mutations {
		n += m.share
	}
	return n
}()

func (x *explorer) drawMutation() string {
	r := x.rng.IntN(mutationShares)
	for _, m := range mutations {
		if r < m.share {
			return m.name
		}
		r -= m.share
	}
	return mutations[len(mutations)-1].name
}

// mutateOnce changes sc (or the seed) once; parent is the entry sc came
// from, whose feature times aim and focus use.
func (x *explorer) mutateOnce(sc *faults.Schedule, seed *uint64, parent CorpusEntry) string {
	h := horizon(sc)
	idx := active(sc)
	op := x.drawMutation()
	if len(idx) == 0 && op != "aim" && op != "reseed" {
		op = "add" // nothing to change
	}
	switch op {
	case "add", "combine", "reseed":
		x.mutateCorpus(op, sc, seed, h)
	case "remove", "move", "nudge", "scale", "retarget":
		x.mutateOne(op, sc, idx, h)
	case "aim":
		if !x.aim(sc, idx, parent, h) {
			return x.mutateOnce(sc, seed, parent)
		}
	case "stack":
		if !x.stack(sc, idx, h) {
			return x.mutateOnce(sc, seed, parent)
		}
	case "sample":
		x.sample(sc, idx)
	case "focus":
		x.focus(sc, idx, parent, h)
	}
	return op
}

// mutateCorpus makes the mutations that draw on the corpus or the seed.
func (x *explorer) mutateCorpus(op string, sc *faults.Schedule, seed *uint64, h time.Duration) {
	switch op {
	case "add": // a fault from another corpus entry, at a new time
		if f, ok := x.donor(); ok {
			f.At = time.Duration(x.rng.Int64N(int64(h)))
			sc.Faults = append(sc.Faults, clampEnd(f, h))
		}
	case "combine": // splice in the faults of another entry in a window
		other := x.sum.Corpus[x.rng.IntN(len(x.sum.Corpus))].Schedule
		from := time.Duration(x.rng.Int64N(int64(h)))
		to := from + time.Duration(x.rng.Int64N(int64(h-from)+1))
		for _, f := range other.Faults {
			if f.Kind != faults.Heal && f.At >= from && f.At < to {
				sc.Faults = append(sc.Faults, clampEnd(f, h))
			}
		}
	case "reseed": // the same faults against other arrivals
		*seed = x.rng.Uint64N(1 << 32)
	}
}

// mutateOne changes one fault of sc, drawn from idx.
func (x *explorer) mutateOne(op string, sc *faults.Schedule, idx []int, h time.Duration) {
	i := idx[x.rng.IntN(len(idx))]
	switch op {
	case "remove":
		sc.Faults = slices.Delete(sc.Faults, i, i+1)
	case "move":
		sc.Faults[i].At = time.Duration(x.rng.Int64N(int64(h)))
		sc.Faults[i] = clampEnd(sc.Faults[i], h)
	case "nudge": // shift one a little: 1ms to h/20, either way
		d := x.short(h)
		if x.rng.IntN(2) == 0 {
			d = -d
		}
		sc.Faults[i].At = max(sc.Faults[i].At+d, 0)
		sc.Faults[i] = clampEnd(sc.Faults[i], h)
	case "scale": // lengthen or shorten one: ×4, ×2, ÷2 or ÷4
		if f := &sc.Faults[i]; f.For > 0 {
			switch x.rng.IntN(4) {
			case 0:
				f.For *= 4
			case 1:
				f.For *= 2
			case 2:
				f.For = max(f.For/2, time.Millisecond)
			default:
				f.For = max(f.For/4, time.Millisecond)
			}
			*f = clampEnd(*f, h)
		}
	case "retarget":
		retarget(&sc.Faults[i], sc.Nodes, x.rng)
	}
}

// aim puts a fault just before or after the moment a rare feature of
// parent was reached: one of sc's own, moved there, or a donor's. It
// returns false when parent has no such moment before h.
func (x *explorer) aim(sc *faults.Schedule, idx []int, parent CorpusEntry, h time.Duration) bool {
	t, node, ok := x.moment(parent)
	if !ok || t >= h {
		return false
	}
	var f faults.Fault
	if len(idx) > 0 && x.rng.IntN(2) == 0 {
		i := idx[x.rng.IntN(len(idx))]
		f = sc.Faults[i]
		sc.Faults = slices.Delete(sc.Faults, i, i+1)
	} else if f, ok = x.donor(); !ok {
		return true
	}
	// Half the time within a few message latencies of the moment: a
	// crash between a vote and the append that follows it.
	d := x.short(h)
	if x.rng.IntN(2) == 0 {
		d = x.logDuration(time.Millisecond, min(aimNear, shortMax(h)))
	}
	if x.rng.IntN(4) == 0 {
		d = -d
	}
	f.At = max(t+d, 0)
	switch x.rng.IntN(3) {
	case 0, 1: // on the node that reached the feature, when it is known
		if node >= 0 && (sc.Nodes == 0 || node < sc.Nodes) {
			f = x.atNode(f, faults.NodeID(node), h)
		} else {
			retarget(&f, sc.Nodes, x.rng)
		}
	case 2:
		retarget(&f, sc.Nodes, x.rng)
	}
	sc.Faults = append(sc.Faults, clampEnd(f, h))
	if node >= 0 && sc.Nodes > 1 && node < sc.Nodes && x.rng.IntN(3) == 0 {
		x.aimPeer(sc, t, faults.NodeID(node), h)
	}
	return true
}

// aimPeer adds a second fault at the moment t that node reached: one
// that stops another node, drawn at random, for 1ms to h/20. A dangerous
// moment often needs two things at once: the node that reached it stops,
// and a peer is cut off (a voter crashes, and the candidate it voted for
// pauses before its appends go out).
func (x *explorer) aimPeer(sc *faults.Schedule, t time.Duration, node faults.NodeID, h time.Duration) {
	g, ok := x.nodeDonor()
	if !ok {
		return
	}
	peer := x.otherNode(sc.Nodes, node)
	g.Nodes = []faults.NodeID{peer}
	d := x.logDuration(time.Millisecond, min(aimNear, shortMax(h)))
	if x.rng.IntN(4) == 0 {
		d = -d
	}
	g.At = max(t+d, 0)
	if lasts(g.Kind) {
		g.For = x.short(h)
	}
	sc.Faults = append(sc.Faults, clampEnd(g, h))
}

// aimNear bounds the offset of half the aimed faults from their moment.
const aimNear = 16 * time.Millisecond

// otherNode draws one of n nodes other than node.
func (x *explorer) otherNode(n int, node faults.NodeID) faults.NodeID {
	peer := faults.NodeID(x.rng.IntN(n - 1))
	if peer >= node {
		peer++
	}
	return peer
}

// short draws a short fault length, 1ms to shortMax(h), log-uniform: a
// crash that restarts, or a pause that ends, while the protocol is still
// in the phase it was in.
func (x *explorer) short(h time.Duration) time.Duration {
	return x.logDuration(time.Millisecond, shortMax(h))
}

// shortMax is a twentieth of the horizon h, at least 2ms.
func shortMax(h time.Duration) time.Duration { return max(h/20, 2*time.Millisecond) }

// atNode aims f at node: a fault of a node kind (a link fault is
// swapped, half the time, for a donor's node fault, at f's time), on that
// node alone, and half the time short (1ms to h/20): a crash that
// restarts, or a pause that ends, while the protocol is still in the
// phase the moment marked, so a voter forgets a vote in the term it gave
// it, or a new leader misses its first appends.
func (x *explorer) atNode(f faults.Fault, node faults.NodeID, h time.Duration) faults.Fault {
	if len(f.Nodes) == 0 || !stopsNode(f.Kind) && x.rng.IntN(2) == 0 {
		if g, ok := x.nodeDonor(); ok {
			g.At = f.At
			f = g
		}
	}
	if len(f.Nodes) == 0 {
		return f
	}
	f.Nodes = []faults.NodeID{node}
	if lasts(f.Kind) && x.rng.IntN(2) == 0 {
		f.For = x.short(h)
	}
	return f
}

// lasts reports whether a fault of kind k can be given a duration.
func lasts(k faults.Kind) bool {
	switch k {
	case faults.Jump, faults.Heal, faults.Restart, faults.Join, faults.Replace, faults.Upgrade:
		return false
	}
	return true
}

// nodeDonor returns a fault aimed at nodes from a random corpus entry,
// one that stops a node if a few draws find one: a corpus with a few
// such faults among many others still gives one.
func (x *explorer) nodeDonor() (faults.Fault, bool) {
	var other faults.Fault
	found := false
	for range 8 {
		sc := x.sum.Corpus[x.rng.IntN(len(x.sum.Corpus))].Schedule
		var idx []int
		for _, i := range active(sc) {
			if len(sc.Faults[i].Nodes) > 0 {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			continue
		}
		f := sc.Faults[idx[x.rng.IntN(len(idx))]]
		if stopsNode(f.Kind) {
			return f, true
		}
		if !found {
			other, found = f, true
		}
	}
	return other, found
}

// stack adds another kind of fault on the same nodes as one of sc's,
// overlapping it; false when there is no node fault to stack on.
func (x *explorer) stack(sc *faults.Schedule, idx []int, h time.Duration) bool {
	f := sc.Faults[idx[x.rng.IntN(len(idx))]]
	g, ok := x.donor()
	if !ok || len(f.Nodes) == 0 || len(g.Nodes) == 0 {
		return false
	}
	g.Nodes = slices.Clone(f.Nodes)
	g.At = f.At + time.Duration(x.rng.Int64N(int64(max(f.For, time.Millisecond))))
	if x.rng.IntN(4) == 0 {
		g.At = max(f.At-x.short(h), 0)
	}
	sc.Faults = append(sc.Faults, clampEnd(g, h))
	return true
}

// sample keeps one to three of the faults: a small schedule to tune.
func (x *explorer) sample(sc *faults.Schedule, idx []int) {
	keep := map[int]bool{}
	for range 1 + x.rng.IntN(3) {
		keep[idx[x.rng.IntN(len(idx))]] = true
	}
	var out []faults.Fault
	for i, f := range sc.Faults {
		if f.Kind == faults.Heal || keep[i] {
			out = append(out, f)
		}
	}
	sc.Faults = out
}

// focus keeps the faults of one kind, or those near a rare moment.
func (x *explorer) focus(sc *faults.Schedule, idx []int, parent CorpusEntry, h time.Duration) {
	t, _, ok := x.moment(parent)
	if ok && x.rng.IntN(2) == 0 {
		w := max(h/10, time.Millisecond)
		sc.Faults = slices.DeleteFunc(sc.Faults, func(f faults.Fault) bool {
			return f.Kind != faults.Heal && (f.At+max(f.For, 0) < t-w || f.At > t+w)
		})
		return
	}
	k := sc.Faults[idx[x.rng.IntN(len(idx))]].Kind
	sc.Faults = slices.DeleteFunc(sc.Faults, func(f faults.Fault) bool { return f.Kind != faults.Heal && f.Kind != k })
}

// donor returns a fault of a random corpus entry.
func (x *explorer) donor() (faults.Fault, bool) {
	other := x.sum.Corpus[x.rng.IntN(len(x.sum.Corpus))].Schedule
	oi := active(other)
	if len(oi) == 0 {
		return faults.Fault{}, false
	}
	return other.Faults[oi[x.rng.IntN(len(oi))]], true
}

// moment picks a time at which e's run reached one of its features,
// the feature weighted toward rare ones and then one of its moments
// uniformly; false when no feature has a time. Half the time, when e
// reached events the scenario marked (StateCover.Mark: the dangerous
// moments of its protocol, however common), it picks among those alone.
func (x *explorer) moment(e CorpusEntry) (time.Duration, int, bool) {
	events := x.rng.IntN(2) == 0
	if t, node, ok := x.momentOf(e, events); ok || !events {
		return t, node, ok
	}
	return x.momentOf(e, false)
}

// momentOf is moment, among marked events only when events is set.
func (x *explorer) momentOf(e CorpusEntry, events bool) (time.Duration, int, bool) {
	timed := func(i int) bool {
		return i < len(e.At) && len(e.At[i]) > 0 && (!events || strings.HasPrefix(e.Features[i], eventFeature))
	}
	var total float64
	for i, f := range e.Features {
		if timed(i) {
			total += 1 / float64(x.count[f])
		}
	}
	if total == 0 {
		return 0, -1, false
	}
	r := x.rng.Float64() * total
	for i, f := range e.Features {
		if !timed(i) {
			continue
		}
		if w := 1 / float64(x.count[f]); r >= w {
			r -= w
			continue
		}
		j := x.rng.IntN(len(e.At[i]))
		node := -1
		if i < len(e.By) && j < len(e.By[i]) {
			node = e.By[i][j]
		}
		return e.At[i][j], node, true
	}
	return 0, -1, false
}

// eventFeature begins the feature of an event a scenario marked.
const eventFeature = "state:" + coverEvent

// logDuration draws a duration in [lo, hi], about uniform in its
// logarithm (a doubling drawn first, then a point in it): as many draws
// between 1ms and 8ms as between 8ms and 64ms. Integers only, so every
// platform draws the same.
func (x *explorer) logDuration(lo, hi time.Duration) time.Duration {
	n := 0
	for lo<<(n+1) <= hi {
		n++
	}
	base := lo << x.rng.IntN(n+1)
	d := base + time.Duration(x.rng.Int64N(int64(base)))
	return min(max(d/time.Millisecond*time.Millisecond, lo), hi)
}

// clampEnd keeps a fault's end within the fault phase, and its start on
// a whole millisecond, so that schedules print short.
func clampEnd(f faults.Fault, h time.Duration) faults.Fault {
	f.At = f.At / time.Millisecond * time.Millisecond
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
