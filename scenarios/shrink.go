package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes/faults"
)

// ShrinkOptions bound a shrink. The zero value is valid.
type ShrinkOptions struct {
	// MaxRuns bounds the calls of the failure predicate; 0 means 1000.
	MaxRuns int
	// Draws bounds the search for a smaller schedule once no single
	// fault can go (searchFewer): this many candidates per fault left;
	// 0 means 64, < 0 means no search.
	Draws int
	// Unit is the granularity times are halved to: a time is rounded down
	// to a multiple of it, and a duration never goes below it. 0 means 1ms.
	Unit time.Duration
	// Reseed lets ShrinkRun, when more than one fault is left, try this
	// many other world seeds with smaller schedules drawn from the
	// minimal one (searchFewer's draws): the same failure (the same check
	// fails) from fewer faults, replayed with another seed (Shrunk.Seed).
	// 0: the seed stays.
	Reseed int
	// Explore lets ShrinkRun, while more than one fault is left, spend up
	// to this many runs in all searching for the same failure (the same
	// check fails) from fewer faults, under any world seed: a guided
	// exploration (Explore with MaxFaults one below the faults left)
	// from calm runs and the minimal schedule, whose find is then shrunk
	// again and replayed with its own seed (Shrunk.Seed). It needs the
	// common nemesis. Its runs count toward MaxRuns, give or take the
	// last batch (Explore runs candidates in batches). 0: no such search.
	Explore int
	// KeepWorkload leaves the workload parameters (Param.Workload) as
	// they are, for a caller whose replay cannot carry changed values.
	KeepWorkload bool
}

func (o ShrinkOptions) withDefaults() ShrinkOptions {
	if o.MaxRuns <= 0 {
		o.MaxRuns = 1000
	}
	if o.Draws == 0 {
		o.Draws = 64
	}
	if o.Unit <= 0 {
		o.Unit = time.Millisecond
	}
	return o
}

// ShrinkStats say what a shrink did.
type ShrinkStats struct {
	Runs      int // runs made (cached candidates not counted; approximate with Explore, see ShrinkOptions)
	Removed   int // faults removed by delta debugging (heals and no-ops not counted)
	Shortened int // accepted timing simplifications
	Softened  int // accepted magnitude reductions (probability, factor, shift, drift)
	Narrowed  int // accepted target reductions (fewer nodes, links or groups)
	Merged    int // pairs of faults merged into one
	// Searched counts the faults removed by drawing smaller schedules
	// after no single fault could go (searchFewer), and by Reseed and
	// Explore.
	Searched int
	// Reseeded is "OLD→NEW" when Reseed or Explore replaced the world
	// seed.
	Reseeded  string
	Exhausted bool // MaxRuns was reached before the result was minimal
	// Workload lists the workload parameters made smaller, "ops 400→37"
	// (comma-separated), or is empty.
	Workload string
}

// shrinker counts and caches calls of a predicate over subsets.
type shrinker[T any] struct {
	fails func([]T) bool
	max   int
	runs  int
	cache map[string]bool
}

func (s *shrinker[T]) test(items []T, key string) bool {
	if v, ok := s.cache[key]; ok {
		return v
	}
	if s.runs >= s.max {
		return false
	}
	s.runs++
	v := s.fails(items)
	s.cache[key] = v
	return v
}

func indexKey(idx []int) string {
	var b strings.Builder
	for _, i := range idx {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
	}
	return b.String()
}

func pick[T any](items []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}

// DDMin returns a 1-minimal subsequence of items for which fails still
// holds (Zeller's delta debugging): removing any one item of the result
// makes fails false, unless maxRuns ran out first. fails(items) is
// assumed true and is not called for it. The order of items is kept. It
// also returns the number of calls of fails.
func DDMin[T any](items []T, fails func([]T) bool, maxRuns int) ([]T, int) {
	s := &shrinker[T]{fails: fails, max: maxRuns, cache: map[string]bool{}}
	idx := ddmin(s, items)
	return pick(items, idx), s.runs
}

func ddmin[T any](s *shrinker[T], items []T) []int {
	cur := make([]int, len(items))
	for i := range cur {
		cur[i] = i
	}
	s.cache[indexKey(cur)] = true
	if len(cur) > 0 && s.test(nil, "") {
		return nil // it fails with nothing at all
	}
	n := 2
	for len(cur) >= 2 && s.runs < s.max {
		chunks := split(cur, n)
		reduced := false
		for _, c := range chunks { // a chunk alone
			if s.test(pick(items, c), indexKey(c)) {
				cur, n, reduced = c, 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks { // everything but a chunk
				c := complement(chunks, i)
				if s.test(pick(items, c), indexKey(c)) {
					cur, n, reduced = c, max(n-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if n >= len(cur) {
				break
			}
			n = min(2*n, len(cur))
		}
	}
	return cur
}

// split cuts idx into n contiguous chunks whose sizes differ by at most one.
func split(idx []int, n int) [][]int {
	out := make([][]int, 0, n)
	start := 0
	for i := range n {
		size := len(idx) / n
		if i < len(idx)%n {
			size++
		}
		out = append(out, idx[start:start+size])
		start += size
	}
	return out
}

func complement(chunks [][]int, skip int) []int {
	var out []int
	for i, c := range chunks {
		if i != skip {
			out = append(out, c...)
		}
	}
	return out
}

// Simplify shortens items one at a time: for each item it tries the
// candidates simpler(item) gives, in order, keeps the first with which
// fails still holds, and starts over on that item until none is kept.
// It returns the items, the number of accepted changes and of calls.
func Simplify[T any](items []T, fails func([]T) bool, simpler func(T) []T, maxRuns int) ([]T, int, int) {
	cur := append([]T(nil), items...)
	accepted, runs := 0, 0
	for i := range cur {
	again:
		for _, c := range simpler(cur[i]) {
			if runs >= maxRuns {
				return cur, accepted, runs
			}
			try := append([]T(nil), cur...)
			try[i] = c
			runs++
			if fails(try) {
				cur = try
				accepted++
				goto again
			}
		}
	}
	return cur, accepted, runs
}

// ShrinkSchedule minimises a failing fault schedule: delta debugging over
// its faults first (fewest faults), then, fault by fault, halving its
// duration and its start time (shortest and earliest), then its magnitude
// (mildest: see milderFault), keeping a change only if fails still holds.
// fails(s) is assumed true. Faults keep their order and the result is a
// new schedule.
func ShrinkSchedule(s *faults.Schedule, fails func(*faults.Schedule) bool, o ShrinkOptions) (*faults.Schedule, ShrinkStats) {
	o = o.withDefaults()
	wrap := func(fs []faults.Fault) bool {
		return fails(&faults.Schedule{Nodes: s.Nodes, Faults: fs})
	}
	var st ShrinkStats
	kept := s.Faults
	// A simplified fault changes the run, and then a fault that was
	// needed may not be any more: the passes go round again while a
	// round removes a fault (at most 4 rounds).
	for round := 0; round < 4 && st.Runs < o.MaxRuns; round++ {
		before := len(kept)
		next, runs := DDMin(kept, wrap, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Removed += effective(kept) - effective(next)
		kept = next
		var n int
		kept, n, runs = Simplify(kept, wrap, func(f faults.Fault) []faults.Fault { return simplerFault(f, o.Unit) }, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Shortened += n
		kept, n, runs = Simplify(kept, wrap, func(f faults.Fault) []faults.Fault { return milderFault(f, o.Unit) }, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Softened += n
		kept, n, runs = Simplify(kept, wrap, fewerTargets, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Narrowed += n
		kept, n, runs = mergeFaults(kept, wrap, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Merged += n
		if round > 0 && len(kept) == before {
			break
		}
		if round == 0 && st.Shortened+st.Softened+st.Narrowed+st.Merged == 0 {
			break // nothing changed the run: DDMin's result stands
		}
	}
	kept = searchFewer(kept, s.Nodes, wrap, o, &st)
	// Print by time. Faults apply at their own times, but faults that
	// start or end at one instant apply in line order, so the sorted
	// schedule must still fail to be kept.
	sorted := slices.Clone(kept)
	slices.SortStableFunc(sorted, func(a, b faults.Fault) int { return cmp.Compare(a.At, b.At) })
	if !slices.EqualFunc(sorted, kept, func(a, b faults.Fault) bool { return a.String() == b.String() }) {
		st.Runs++
		if wrap(sorted) {
			kept = sorted
		}
	}
	st.Exhausted = st.Runs >= o.MaxRuns
	return &faults.Schedule{Nodes: s.Nodes, Faults: kept}, st
}

// searchFewer looks for a failing schedule with fewer faults than the
// passes above left, when removing any one fault made the run pass. Such
// a fault often matters only by the random draws it shifts: a message it
// drops does not draw a latency, so every later draw moves, and the
// coincidence the failure needs goes with it. So it draws small subsets
// of the faults (one to three, now and then more), each now and then with
// its start moved by a few milliseconds, and keeps the first that still
// fails; the passes then go over it again. Its draws come from a fixed
// seed and the schedule, so a shrink is deterministic.
func searchFewer(kept []faults.Fault, nodes int, fails func([]faults.Fault) bool, o ShrinkOptions, st *ShrinkStats) []faults.Fault {
	h := fnv.New64a()
	for _, f := range kept {
		h.Write([]byte(f.String()))
	}
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x736872696e6b)) // "shrink"
	for effective(kept) > 1 && st.Runs < o.MaxRuns && o.Draws > 0 {
		budget := min((o.MaxRuns-st.Runs)*3/4, o.Draws*effective(kept))
		found, runs := drawFewer(kept, nodes, fails, budget, o.Unit, rng)
		st.Runs += runs
		if found == nil {
			break
		}
		st.Searched += effective(kept) - effective(found)
		kept = found
		var n int
		for _, pass := range []struct {
			simpler func(faults.Fault) []faults.Fault
			count   *int
		}{
			{func(f faults.Fault) []faults.Fault { return simplerFault(f, o.Unit) }, &st.Shortened},
			{func(f faults.Fault) []faults.Fault { return milderFault(f, o.Unit) }, &st.Softened},
			{fewerTargets, &st.Narrowed},
		} {
			kept, n, runs = Simplify(kept, fails, pass.simpler, o.MaxRuns-st.Runs)
			st.Runs += runs
			*pass.count += n
		}
		next, runs := DDMin(kept, fails, o.MaxRuns-st.Runs)
		st.Runs += runs
		st.Removed += effective(kept) - effective(next)
		kept = next
	}
	return kept
}

// drawFewer draws up to budget candidates of fewer effective faults than
// kept (see searchFewer) and returns the first that fails, or nil. A
// candidate is a subset of the faults; now and then its faults' starts
// are moved a few units, the whole subset is moved earlier, or its nodes
// are renamed among the cluster's nodes (those the schedule names when
// the count of nodes is unknown): the same faults on another leader, say.
func drawFewer(kept []faults.Fault, nodes int, fails func([]faults.Fault) bool, budget int, unit time.Duration, rng *rand.Rand) ([]faults.Fault, int) {
	var idx []int // the faults that do something
	for i, f := range kept {
		if !f.NoOp() && f.Kind != faults.Heal {
			idx = append(idx, i)
		}
	}
	n := len(idx)
	if n < 2 {
		return nil, 0
	}
	ids := scheduleNodes(kept)
	if nodes > 0 {
		ids = ids[:0]
		for i := range nodes {
			ids = append(ids, faults.NodeID(i))
		}
	}
	for runs := 0; runs < budget; {
		k := 1 + rng.IntN(min(n-1, 3))
		if rng.IntN(4) == 0 {
			k = 1 + rng.IntN(n-1)
		}
		keep := map[int]bool{}
		for _, j := range rng.Perm(n)[:k] {
			keep[idx[j]] = true
		}
		try := make([]faults.Fault, 0, len(kept))
		first := time.Duration(-1)
		for i, f := range kept {
			if keep[i] || !slices.Contains(idx, i) {
				try = append(try, f)
				if keep[i] && first < 0 {
					first = f.At
				}
			}
		}
		switch rng.IntN(4) {
		case 0: // as they are
		case 1: // starts moved a few units either way
			for i := range try {
				if rng.IntN(2) == 0 {
					try[i].At = max(try[i].At+time.Duration(rng.IntN(65)-32)*unit, 0)
				}
			}
		case 2: // all moved earlier together
			d := time.Duration(rng.Int64N(int64(first)/int64(unit)+1)) * unit
			for i := range try {
				try[i].At = max(try[i].At-d, 0)
			}
		case 3: // nodes renamed
			perm := rng.Perm(len(ids))
			rename := map[faults.NodeID]faults.NodeID{}
			for i, id := range ids {
				rename[id] = ids[perm[i]]
			}
			for i := range try {
				try[i] = renamed(try[i], rename)
			}
		}
		runs++
		if fails(try) {
			return try, runs
		}
	}
	return nil, budget
}

// scheduleNodes returns the nodes the faults name, sorted.
func scheduleNodes(fs []faults.Fault) []faults.NodeID {
	var ids []faults.NodeID
	for _, f := range fs {
		ids = append(ids, f.Nodes...)
		ids = append(ids, f.From...)
		ids = append(ids, f.To...)
		for _, g := range f.Groups {
			ids = append(ids, g...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// renamed returns f with its nodes renamed by m (sorted again, as the
// text form lists them).
func renamed(f faults.Fault, m map[faults.NodeID]faults.NodeID) faults.Fault {
	re := func(ids []faults.NodeID) []faults.NodeID {
		if ids == nil {
			return nil
		}
		out := make([]faults.NodeID, len(ids))
		for i, id := range ids {
			out[i] = m[id]
		}
		slices.Sort(out)
		return out
	}
	f.Nodes, f.From, f.To = re(f.Nodes), re(f.From), re(f.To)
	if f.Groups != nil {
		gs := make([][]faults.NodeID, len(f.Groups))
		for i, g := range f.Groups {
			gs[i] = re(g)
		}
		f.Groups = gs
	}
	return f
}

// effective counts the faults that do something (faults.Fault.NoOp).
func effective(fs []faults.Fault) int {
	return (&faults.Schedule{Faults: fs}).Count()
}

// fewerTargets returns the fault aimed at fewer nodes: each listed node
// left out in turn, for a node fault or either end of a link fault, and
// each node left out of a partition's groups (a group stays non-empty).
func fewerTargets(f faults.Fault) []faults.Fault {
	var out []faults.Fault
	without := func(ids []faults.NodeID, i int) []faults.NodeID {
		return slices.Delete(slices.Clone(ids), i, i+1)
	}
	if len(f.Nodes) > 1 {
		for i := range f.Nodes {
			g := f
			g.Nodes = without(f.Nodes, i)
			out = append(out, g)
		}
	}
	for i := range f.From {
		if len(f.From) > 1 {
			g := f
			g.From = without(f.From, i)
			out = append(out, g)
		}
	}
	for i := range f.To {
		if len(f.To) > 1 {
			g := f
			g.To = without(f.To, i)
			out = append(out, g)
		}
	}
	for gi, grp := range f.Groups {
		if len(grp) > 1 {
			for i := range grp {
				g := f
				g.Groups = slices.Clone(f.Groups)
				g.Groups[gi] = without(grp, i)
				out = append(out, g)
			}
		}
	}
	return out
}

// mergeFaults merges pairs of faults into one fault covering both,
// keeping a merge only if fails still holds: fewer lines for the same
// failure. A pair merges when its faults are of one kind on the same
// targets (overlapping, touching, or with a gap the merged fault
// bridges), or when both stop or cut off the same nodes (a crash, a
// pause, an isolation: then either kind, over both spans). Failures late
// in a run often keep several faults that only hold a node away over a
// stretch of time; one fault over the whole stretch does the same.
func mergeFaults(fs []faults.Fault, fails func([]faults.Fault) bool, maxRuns int) ([]faults.Fault, int, int) {
	merged, runs := 0, 0
	for i := 0; i < len(fs); i++ {
		for j := i + 1; j < len(fs) && runs < maxRuns; j++ {
			for _, m := range mergesOf(fs[i], fs[j]) {
				if runs >= maxRuns {
					break
				}
				try := slices.Clone(fs)
				try[i] = m
				try = slices.Delete(try, j, j+1)
				runs++
				if fails(try) {
					fs = try
					merged++
					j = i // look again from the merged fault
					break
				}
			}
		}
	}
	return fs, merged, runs
}

// mergesOf returns the single faults that could stand for a and b (see
// mergeFaults), the likeliest first.
func mergesOf(a, b faults.Fault) []faults.Fault {
	if a.For <= 0 || b.For <= 0 {
		return nil
	}
	if a.At > b.At {
		a, b = b, a
	}
	span := max(a.At+a.For, b.At+b.For) - a.At
	if a.Kind == b.Kind && sameTargets(a) == sameTargets(b) {
		m := a
		m.For = span
		return []faults.Fault{m}
	}
	if !stopsNode(a.Kind) || !stopsNode(b.Kind) || !slices.Equal(a.Nodes, b.Nodes) || len(a.Nodes) == 0 {
		return nil
	}
	ma, mb := a, b
	ma.For, mb.At, mb.For = span, a.At, span
	return []faults.Fault{ma, mb}
}

// stopsNode reports whether a fault of kind k stops its nodes or cuts
// them off from every other node.
func stopsNode(k faults.Kind) bool {
	return k == faults.Crash || k == faults.Pause || k == faults.Isolate
}

// sameTargets is a fault's line without its time and duration: two
// faults with equal keys differ only in when they hold.
func sameTargets(f faults.Fault) string {
	f.At, f.For, f.Line = 0, 0, 0
	return f.String()
}

// simplerFault returns the fault with its duration halved, then with its
// start halved, each rounded down to unit; a duration stays ≥ unit, so a
// fault that ends keeps ending.
func simplerFault(f faults.Fault, unit time.Duration) []faults.Fault {
	var out []faults.Fault
	if f.For > unit {
		g := f
		g.For = max(f.For/2/unit*unit, unit)
		out = append(out, g)
	}
	if f.At > 0 {
		g := f
		g.At = f.At / 2 / unit * unit
		out = append(out, g)
	}
	return out
}

// milderFault returns the fault with its magnitude halved toward harmless,
// or nothing once it is as mild as it goes: a loss or duplication
// probability down to 0.01, the excess over 1 of a slow or clog factor down
// to x1.1, a clock offset or jump down to unit, a drift down to 1 ppm.
// Values are rounded so that they print short (0.3 → 0.15 → 0.07).
func milderFault(f faults.Fault, unit time.Duration) []faults.Fault {
	g := f
	switch f.Kind {
	case faults.Loss, faults.Dup:
		if f.Prob <= 0.01 {
			return nil
		}
		g.Prob = max(math.Floor(f.Prob*50)/100, 0.01)
	case faults.Slow, faults.Clog:
		if f.Factor <= 1.1 {
			return nil
		}
		g.Factor = max(1+math.Floor((f.Factor-1)*5)/10, 1.1)
	case faults.Offset, faults.Jump:
		if f.Shift.Abs() <= unit {
			return nil
		}
		g.Shift = f.Shift / 2 / unit * unit
		if g.Shift == 0 {
			g.Shift = unit
			if f.Shift < 0 {
				g.Shift = -unit
			}
		}
	case faults.Drift:
		if math.Abs(f.PPM) <= 1 {
			return nil
		}
		g.PPM = math.Trunc(f.PPM / 2)
		if g.PPM == 0 {
			g.PPM = math.Copysign(1, f.PPM)
		}
	default:
		return nil
	}
	return []faults.Fault{g}
}

// FirstFailure names how a result failed: its first failing check (a
// check that did not end ok), or its status when no check failed
// ("limit", "panic"), or "" for a run that ended ok.
func FirstFailure(res *Result) string {
	for _, c := range res.Checks {
		if !c.OK {
			return c.Name
		}
	}
	if res.Status == StatusOK {
		return ""
	}
	return res.Status
}

// FailsLike reports whether res failed the way FirstFailure described by
// how: the check called how did not end ok, or res ended with status how.
// A shrink keeps a candidate only if it fails like the original run.
func FailsLike(res *Result, how string) bool {
	if how == "" {
		return false
	}
	for _, c := range res.Checks {
		if !c.OK && c.Name == how {
			return true
		}
	}
	return res.Status == how && res.Status != StatusOK
}

// shrinkRuns are ShrinkRun's ways to run a candidate, for shrinkFewer.
type shrinkRuns struct {
	last      map[string]*Result // the latest run of each schedule
	fails     func(*faults.Schedule) bool
	run       func(*faults.Schedule) *Result
	failsWith func(uint64, *faults.Schedule) bool // with another world seed
	setSeed   func(uint64)
	// explore searches for a failure with fewer faults than minimal
	// (ShrinkOptions.Explore) in at most runs runs, its explorer seed
	// drawn from seed, minimal and round; it returns the world seed and
	// schedule found, or nil, and the runs it made.
	explore func(minimal *faults.Schedule, seed uint64, round, runs int) (uint64, *faults.Schedule, int, error)
}

// shrinkFewer is ShrinkRun's search for fewer faults, after the workload
// shrink: searchFewer with the world seed kept, then, with
// ShrinkOptions.Reseed, with other seeds (reseedFewer), then, with
// ShrinkOptions.Explore, by exploration. It returns the schedule and its
// failing run.
func shrinkFewer(minimal *faults.Schedule, final *Result, seed uint64, so ShrinkOptions, st *ShrinkStats, r shrinkRuns) (*faults.Schedule, *Result, error) {
	again := func() {
		clear(r.last) // the values or the seed changed
		rest := so
		rest.MaxRuns = max(so.MaxRuns-st.Runs, 1)
		sh, st2 := ShrinkSchedule(minimal, r.fails, rest)
		st.add(st2)
		st.Exhausted = st.Runs >= so.MaxRuns
		if res, ok := r.last[sh.String()]; ok {
			minimal, final = sh, res
		}
	}
	if so.Draws > 0 && minimal.Count() > 1 && st.Runs < so.MaxRuns {
		again()
	}
	cur := seed
	if sd, fewer := reseedFewer(minimal, seed, so, st, r.failsWith); fewer != nil {
		r.setSeed(sd)
		minimal = &faults.Schedule{Nodes: minimal.Nodes, Faults: fewer}
		final = r.run(minimal)
		again()
		cur = sd
	}
	// Then, while faults are left (more than one: the search's cap is
	// one fewer, and a cap of 0 means none) and runs too, a guided search
	// for the same failure from fewer faults, each find shrunk again.
	// Explorations of at most exploreRound runs each, each with its own
	// explorer seed: how long one takes to find varies a lot from seed
	// to seed, and one that has not found in a while seldom does.
	for explored, round := 0, 0; explored < so.Explore && minimal.Count() > 1 && st.Runs < so.MaxRuns; round++ {
		sd, fewer, runs, err := r.explore(minimal, cur, round, min(so.Explore-explored, so.MaxRuns-st.Runs, exploreRound))
		st.Runs += runs
		explored += runs
		if err != nil {
			return nil, nil, err
		}
		if fewer == nil {
			if runs == 0 {
				break // nothing more to run
			}
			continue
		}
		r.setSeed(sd)
		st.Runs++
		if !r.fails(fewer) {
			// Explore ran it with the same values and options.
			return nil, nil, fmt.Errorf("world seed %d: the schedule the search found does not fail again: %w (--check-determinism tells where)", sd, ErrNondeterministic)
		}
		st.Searched += minimal.Count() - fewer.Count()
		st.Reseeded = ""
		if sd != seed {
			st.Reseeded = fmt.Sprintf("%d→%d", seed, sd)
		}
		cur, minimal, final = sd, fewer, r.last[fewer.String()]
		again()
	}
	st.Exhausted = st.Exhausted || st.Runs >= so.MaxRuns
	return minimal, final, nil
}

// reseedFewer tries so.Reseed other world seeds (drawn from seed) with
// up to so.Draws smaller schedules each, drawn from minimal, and returns
// the first seed and schedule that fail (fails), or nil.
func reseedFewer(minimal *faults.Schedule, seed uint64, so ShrinkOptions, st *ShrinkStats, fails func(uint64, *faults.Schedule) bool) (uint64, []faults.Fault) {
	if so.Reseed <= 0 || so.Draws <= 0 || minimal.Count() < 2 {
		return 0, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x726573656564)) // "reseed"
	for range so.Reseed {
		if st.Runs >= so.MaxRuns {
			break
		}
		sd := rng.Uint64N(1 << 32)
		budget := min(so.Draws, so.MaxRuns-st.Runs)
		found, runs := drawFewer(minimal.Faults, minimal.Nodes, func(fs []faults.Fault) bool {
			return fails(sd, &faults.Schedule{Nodes: minimal.Nodes, Faults: fs})
		}, budget, so.Unit, rng)
		st.Runs += runs
		if found != nil {
			st.Searched += minimal.Count() - effective(found)
			st.Reseeded = fmt.Sprintf("%d→%d", seed, sd)
			return sd, found
		}
	}
	return 0, nil
}

// add counts the work of a second shrink in st.
func (st *ShrinkStats) add(o ShrinkStats) {
	st.Runs += o.Runs
	st.Removed += o.Removed
	st.Shortened += o.Shortened
	st.Softened += o.Softened
	st.Narrowed += o.Narrowed
	st.Merged += o.Merged
	st.Searched += o.Searched
}

// String summarises the stats on one line.
func (st ShrinkStats) String() string {
	s := fmt.Sprintf("%d runs, %d faults removed, %d timings shortened", st.Runs, st.Removed, st.Shortened)
	if st.Softened > 0 {
		s += fmt.Sprintf(", %d magnitudes reduced", st.Softened)
	}
	if st.Narrowed > 0 {
		s += fmt.Sprintf(", %d targets narrowed", st.Narrowed)
	}
	if st.Merged > 0 {
		s += fmt.Sprintf(", %d merged", st.Merged)
	}
	if st.Searched > 0 {
		s += fmt.Sprintf(", %d more removed by search", st.Searched)
	}
	if st.Reseeded != "" {
		s += ", world seed " + st.Reseeded
	}
	if st.Workload != "" {
		s += ", workload " + st.Workload
	}
	if st.Exhausted {
		s += " (run budget exhausted: the result may not be minimal)"
	}
	return s
}

// ScheduleNote starts the run notes that carry the fault schedule a run
// used, one fault per note in the text form ("fault: at 2s crash n2 for
// 1s"), as Run.NewCluster writes them. ScheduleOf reads them back.
const ScheduleNote = "fault: "

// ScheduleOf returns the fault schedule res's notes record, with the
// number of nodes left 0 (unknown), or an empty schedule when the run
// noted none.
func ScheduleOf(res *Result) (*faults.Schedule, error) {
	var lines []string
	for _, n := range res.Notes {
		if l, ok := strings.CutPrefix(n, ScheduleNote); ok {
			lines = append(lines, l)
		}
	}
	s, err := faults.Parse(strings.Join(lines, "\n"), 0)
	if err != nil {
		return nil, fmt.Errorf("schedule in the notes of %s seed %d: %w", res.Scenario, res.Seed, err)
	}
	return s, nil
}

// FaultsParam is the parameter through which a scenario that does not
// build its nodes with Run.NewCluster can take a schedule: the text form
// with ";" for line breaks, or NoFaults for the empty schedule. ShrinkRun
// and `faultline run --faults` hand such a scenario its schedule that way;
// the scenario must still note the schedule it ran with ScheduleNote.
const FaultsParam = "faults"

// NoFaults is the value of FaultsParam that means: no faults at all.
const NoFaults = "none"

// ScheduleParam returns the schedule as the value of FaultsParam.
func ScheduleParam(s *faults.Schedule) string {
	if len(s.Faults) == 0 {
		return NoFaults
	}
	return strings.Join(s.Lines(), "; ")
}

// Shrunk is the outcome of ShrinkRun.
type Shrunk struct {
	Original *faults.Schedule // the schedule the failing seed ran
	Minimal  *faults.Schedule
	How      string // the failure kept: FirstFailure of the original run
	// Seed is the world seed that replays Minimal: the one shrunk, unless
	// ShrinkOptions.Reseed or Explore found fewer faults with another.
	Seed   uint64
	Result *Result // the run with the minimal schedule
	// Values replay the minimal schedule when it is passed as
	// Options.Faults (`--faults FILE`): the nemesis is off, and ties are
	// broken as in the original run. For a scenario with FaultsParam they
	// hold the schedule themselves.
	Values Values
	Stats  ShrinkStats
}

// ScheduleValues returns v as a run from a fault file (Options.Faults)
// needs it to replay a run of v: the nemesis off, and ties broken as the
// run of v broke them.
func ScheduleValues(s *Scenario, v Values) (Values, error) {
	m := v.Map()
	if has(v, "shuffle_ties") {
		m["shuffle_ties"] = strconv.FormatBool(shuffleTies(s, v))
	}
	if has(v, "nemesis") {
		m["nemesis"] = "false"
	}
	return Resolve(s.AllParams(), m)
}

// ExecuteSchedule runs s for seed with the fault schedule c and the
// values rv of ScheduleValues: through Options.Schedule, or the parameter
// FaultsParam for a scenario that takes its schedule that way.
func ExecuteSchedule(s *Scenario, rv Values, seed uint64, opts Options, c *faults.Schedule) *Result {
	opts.Faults, opts.Schedule, opts.FaultsFile = "", c, ""
	if s.declares(FaultsParam) {
		m := rv.Map()
		m[FaultsParam] = ScheduleParam(c)
		var err error
		if rv, err = Resolve(s.AllParams(), m); err != nil {
			return &Result{Scenario: s.Name, Seed: seed, Status: StatusBadInput, Error: err.Error()}
		}
		opts.Schedule = nil
	}
	return Execute(s, rv, seed, opts)
}

// ErrNondeterministic is returned by ShrinkRun when a run it found by
// exploration (ShrinkOptions.Explore) does not fail again.
var ErrNondeterministic = errors.New("the run is not deterministic")

// ErrNotFailing is returned by ShrinkRun for a seed whose run ends ok.
var ErrNotFailing = errors.New("the run does not fail: nothing to shrink")

// ShrinkRun runs scenario s with values v for seed, takes the fault
// schedule it ran (the nemesis's, or the file's; from its notes), and
// shrinks it with ShrinkSchedule. Each candidate runs as opts.Schedule with
// the nemesis off, and is kept only if the run still fails like the
// original (FailsLike). Errors: the run does not fail (ErrNotFailing),
// the scenario does not build its nodes with Run.NewCluster, or the
// schedule alone does not reproduce the failure.
func ShrinkRun(s *Scenario, v Values, seed uint64, opts Options, so ShrinkOptions) (*Shrunk, error) {
	opts.Sink = nil
	how, orig, rv, err := shrinkStart(s, v, seed, opts, so)
	if err != nil {
		return nil, err
	}
	last := map[string]*Result{}
	cur := seed // the world seed: another one only with ShrinkOptions.Reseed
	run := func(c *faults.Schedule) *Result {
		res := ExecuteSchedule(s, rv, cur, opts, c)
		last[c.String()] = res
		return res
	}
	fails := func(c *faults.Schedule) bool { return FailsLike(run(c), how) }
	// The schedule alone must reproduce the failure, or shrinking it
	// means nothing.
	if again := run(orig); !FailsLike(again, how) {
		if again.Status == StatusBadInput {
			return nil, &BadInputError{Err: fmt.Errorf("scenario %s cannot be shrunk: %s", s.Name, again.Error)}
		}
		return nil, fmt.Errorf("%s seed %d: the schedule alone (%d faults, nemesis off) does not fail like the original run (%s) but %s",
			s.Name, seed, len(orig.Faults), how, again.Status)
	}
	so = so.withDefaults()
	// The search for fewer faults comes after the workload is made
	// smaller: a smaller workload makes a simpler run, which fewer
	// faults may fail.
	noSearch := so
	noSearch.Draws = -1
	minimal, st := ShrinkSchedule(orig, fails, noSearch)
	st.Runs++ // the reproduction above
	final := last[minimal.String()]
	if !so.KeepWorkload {
		rv, final = shrinkWorkload(s, rv, &st, so.MaxRuns, func(w Values) *Result {
			if res := ExecuteSchedule(s, w, seed, opts, minimal); FailsLike(res, how) {
				return res
			}
			return nil
		}, final)
	}
	minimal, final, err = shrinkFewer(minimal, final, seed, so, &st, shrinkRuns{
		last: last, fails: fails, run: run, setSeed: func(sd uint64) { cur = sd },
		failsWith: func(sd uint64, c *faults.Schedule) bool {
			return FailsLike(ExecuteSchedule(s, rv, sd, opts, c), how)
		},
		explore: func(m *faults.Schedule, sd uint64, round, n int) (uint64, *faults.Schedule, int, error) {
			return exploreFewer(s, rv, opts, how, m, sd, round, n)
		},
	})
	if err != nil {
		return nil, err
	}
	mv, err := replayValues(s, rv, minimal)
	if err != nil {
		return nil, err
	}
	return &Shrunk{Original: orig, Minimal: minimal, How: how, Seed: cur, Result: final, Values: mv, Stats: st}, nil
}

// shrinkStart runs seed for ShrinkRun and returns how it fails
// (FirstFailure), the schedule it ran, and the values that replay a
// schedule (ScheduleValues).
func shrinkStart(s *Scenario, v Values, seed uint64, opts Options, so ShrinkOptions) (string, *faults.Schedule, Values, error) {
	if so.Explore > 0 && (!has(v, "nemesis") || s.declares("nemesis")) {
		return "", nil, Values{}, &BadInputError{Err: fmt.Errorf("scenario %s cannot be shrunk by exploration: it has no common nemesis to explore from", s.Name)}
	}
	first := Execute(s, v, seed, opts)
	if first.Status == StatusBadInput {
		return "", nil, Values{}, &BadInputError{Err: errors.New(first.Error)}
	}
	how := FirstFailure(first)
	if how == "" {
		return "", nil, Values{}, fmt.Errorf("%s seed %d: %w", s.Name, seed, ErrNotFailing)
	}
	orig, err := ScheduleOf(first)
	if err != nil {
		return "", nil, Values{}, err
	}
	orig.Nodes = first.nodes
	rv, err := ScheduleValues(s, v)
	return how, orig, rv, err
}

// replayValues are the values rv that replay the schedule c: rv, with c
// as FaultsParam for a scenario that takes its schedule that way.
func replayValues(s *Scenario, rv Values, c *faults.Schedule) (Values, error) {
	if !s.declares(FaultsParam) {
		return rv, nil
	}
	m := rv.Map()
	m[FaultsParam] = ScheduleParam(c)
	return Resolve(s.AllParams(), m)
}

// shrinkWorkload makes each workload parameter of s (Param.Workload) as
// small as it can while the run still fails: a binary search between the
// parameter's Min and its value, which assumes that a smaller workload
// fails less often, not that it never fails. fails returns the failing
// run with the values it is given, or nil. It returns the values and the
// run with them (res, if nothing changed).
func shrinkWorkload(s *Scenario, v Values, st *ShrinkStats, maxRuns int, fails func(Values) *Result, res *Result) (Values, *Result) {
	for _, p := range s.Declared() {
		if !p.Workload || p.Kind != Int {
			continue
		}
		from := v.Int(p.Name)
		lo, hi := max(int(p.Min), 1), from
		for lo < hi && st.Runs < maxRuns {
			mid := lo + (hi-lo)/2
			m := v.Map()
			m[p.Name] = strconv.Itoa(mid)
			w, err := Resolve(s.AllParams(), m)
			if err != nil {
				break
			}
			st.Runs++
			if r := fails(w); r != nil {
				v, res, hi = w, r, mid
			} else {
				lo = mid + 1
			}
		}
		if hi < from {
			if st.Workload != "" {
				st.Workload += ", "
			}
			st.Workload += fmt.Sprintf("%s %d→%d", p.Name, from, hi)
		}
	}
	st.Exhausted = st.Exhausted || st.Runs >= maxRuns
	return v, res
}

// exploreRound is the most runs one exploration of ShrinkOptions.Explore
// makes before the next starts afresh.
const exploreRound = 2000

// exploreFewer is ShrinkOptions.Explore's search: an exploration of s
// with the values rv, from the minimal schedule (world seed seed) and
// calm runs, whose runs have fewer faults than minimal, up to the first
// that fails like how. Its explorer seed is drawn from seed, the
// schedule and round, so a shrink stays deterministic. It returns the world seed
// and schedule found, or nil, and the runs it made.
func exploreFewer(s *Scenario, rv Values, opts Options, how string, minimal *faults.Schedule, seed uint64, round, runs int) (uint64, *faults.Schedule, int, error) {
	h := fnv.New64a()
	h.Write([]byte(minimal.String()))
	h.Write([]byte{byte(round), byte(round >> 8), byte(round >> 16)})
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	sum, err := Explore(s, rv, ExploreOptions{
		Runs:          runs,
		Seed:          rng.Uint64N(1 << 20),
		Workers:       runtime.GOMAXPROCS(0),
		Corpus:        []CorpusEntry{{Seed: seed, Schedule: minimal}},
		StopAtFailure: true,
		Fails:         func(res *Result) bool { return FailsLike(res, how) },
		MaxFaults:     minimal.Count() - 1,
		Run:           opts,
	})
	if err != nil {
		return 0, nil, 0, fmt.Errorf("the search for fewer faults: %w", err)
	}
	if len(sum.Failures) == 0 {
		return 0, nil, sum.Runs, nil
	}
	e := sum.Failures[0].Entry
	e.Schedule.Nodes = minimal.Nodes
	return e.Seed, e.Schedule, sum.Runs, nil
}
