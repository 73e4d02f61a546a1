package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes/faults"
)

// ShrinkOptions bound a shrink. The zero value is valid.
type ShrinkOptions struct {
	// MaxRuns bounds the calls of the failure predicate; 0 means 500.
	MaxRuns int
	// Unit is the granularity times are halved to: a time is rounded down
	// to a multiple of it, and a duration never goes below it. 0 means 1ms.
	Unit time.Duration
}

func (o ShrinkOptions) withDefaults() ShrinkOptions {
	if o.MaxRuns <= 0 {
		o.MaxRuns = 500
	}
	if o.Unit <= 0 {
		o.Unit = time.Millisecond
	}
	return o
}

// ShrinkStats say what a shrink did.
type ShrinkStats struct {
	Runs      int  // calls of the predicate (cached candidates not counted)
	Removed   int  // items removed by delta debugging
	Shortened int  // accepted timing simplifications
	Exhausted bool // MaxRuns was reached before the result was minimal
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
// duration and its start time (shortest and earliest), keeping a change
// only if fails still holds. fails(s) is assumed true. Faults keep their
// order and the result is a new schedule.
func ShrinkSchedule(s *faults.Schedule, fails func(*faults.Schedule) bool, o ShrinkOptions) (*faults.Schedule, ShrinkStats) {
	o = o.withDefaults()
	wrap := func(fs []faults.Fault) bool {
		return fails(&faults.Schedule{Nodes: s.Nodes, Faults: fs})
	}
	var st ShrinkStats
	kept, runs := DDMin(s.Faults, wrap, o.MaxRuns)
	st.Runs += runs
	st.Removed = len(s.Faults) - len(kept)
	kept, st.Shortened, runs = Simplify(kept, wrap, func(f faults.Fault) []faults.Fault { return simplerFault(f, o.Unit) }, o.MaxRuns-st.Runs)
	st.Runs += runs
	st.Exhausted = st.Runs >= o.MaxRuns
	return &faults.Schedule{Nodes: s.Nodes, Faults: kept}, st
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

// String summarises the stats on one line.
func (st ShrinkStats) String() string {
	s := fmt.Sprintf("%d runs, %d faults removed, %d timings shortened", st.Runs, st.Removed, st.Shortened)
	if st.Exhausted {
		s += " (run budget exhausted: the result may not be minimal)"
	}
	return s
}

// ScheduleNote starts the run notes that carry the fault schedule a run
// used, one fault per note in the text form ("fault: at 2s crash n2 for
// 1s"). ScheduleOf reads them back.
const ScheduleNote = "fault: "

// FaultsParam is the parameter through which a shrink hands a scenario a
// schedule to run instead of its nemesis: the text form with ";" for line
// breaks, or NoFaults for the empty schedule. A scenario can be shrunk
// when it declares this parameter and notes the schedule it ran with
// ScheduleNote.
const FaultsParam = "faults"

// NoFaults is the value of FaultsParam that means: no faults at all (and
// no nemesis either).
const NoFaults = "none"

// ScheduleOf returns the fault schedule res's notes record, with the
// number of nodes left 0 (unknown), or nil when the run noted none.
func ScheduleOf(res *Result) (*faults.Schedule, error) {
	var lines []string
	for _, n := range res.Notes {
		if l, ok := strings.CutPrefix(n, ScheduleNote); ok {
			lines = append(lines, l)
		}
	}
	if lines == nil {
		return nil, nil
	}
	s, err := faults.Parse(strings.Join(lines, "\n"), 0)
	if err != nil {
		return nil, fmt.Errorf("schedule in the notes of %s seed %d: %w", res.Scenario, res.Seed, err)
	}
	return s, nil
}

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
	How      string  // the failure kept: FirstFailure of the original run
	Result   *Result // the run with the minimal schedule
	Values   Values  // the parameters that replay it (FaultsParam set)
	Stats    ShrinkStats
}

// ErrNotFailing is returned by ShrinkRun for a seed whose run ends ok.
var ErrNotFailing = fmt.Errorf("the run does not fail: nothing to shrink")

// ShrinkRun runs scenario s with values v for seed, takes the fault
// schedule it ran (from its notes) and shrinks it with ShrinkSchedule,
// re-running the scenario with FaultsParam set each time and keeping a
// candidate only if the run still fails like the original (FailsLike).
// Errors: the scenario has no FaultsParam, the run does not fail
// (ErrNotFailing), or it noted no schedule.
func ShrinkRun(s *Scenario, v Values, seed uint64, opts Options, so ShrinkOptions) (*Shrunk, error) {
	hasParam := false
	for _, p := range s.Params {
		hasParam = hasParam || p.Name == FaultsParam
	}
	if !hasParam {
		return nil, fmt.Errorf("scenario %s cannot be shrunk: it has no %q parameter", s.Name, FaultsParam)
	}
	opts.Sink = nil
	first := Execute(s, v, seed, opts)
	how := FirstFailure(first)
	if how == "" {
		return nil, fmt.Errorf("%s seed %d: %w", s.Name, seed, ErrNotFailing)
	}
	orig, err := ScheduleOf(first)
	if err != nil {
		return nil, err
	}
	if orig == nil {
		orig = &faults.Schedule{}
	}
	with := func(sched *faults.Schedule) (Values, error) {
		m := v.Map()
		m[FaultsParam] = ScheduleParam(sched)
		return Resolve(s.AllParams(), m)
	}
	last := map[string]*Result{}
	fails := func(c *faults.Schedule) bool {
		cv, err := with(c)
		if err != nil {
			return false
		}
		res := Execute(s, cv, seed, opts)
		last[ScheduleParam(c)] = res
		return FailsLike(res, how)
	}
	// The schedule alone, handed over as a parameter, must reproduce the
	// failure, or shrinking it means nothing.
	if !fails(orig) {
		return nil, fmt.Errorf("%s seed %d: the noted schedule, run through --set %s=..., does not fail like the original run (%s)", s.Name, seed, FaultsParam, how)
	}
	minimal, st := ShrinkSchedule(orig, fails, so)
	st.Runs++ // the reproduction above
	mv, err := with(minimal)
	if err != nil {
		return nil, err
	}
	return &Shrunk{Original: orig, Minimal: minimal, How: how, Result: last[ScheduleParam(minimal)], Values: mv, Stats: st}, nil
}
