package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// SeedRange is a contiguous range of seeds: First, First+1, ...,
// First+Count-1.
type SeedRange struct {
	First uint64
	Count uint64
}

// ParseSeedRange parses "A-B" (the seeds A to B, both included) or "N"
// (N seeds: 0 to N-1). An empty or reversed range is an error.
func ParseSeedRange(s string) (SeedRange, error) {
	bad := func(why string) (SeedRange, error) {
		return SeedRange{}, fmt.Errorf("seeds %q: %s (accepted: A-B with A ≤ B, both included, or N for 0-(N-1))", s, why)
	}
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if !isRange {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return bad("not a count")
		}
		if n == 0 {
			return bad("empty range")
		}
		return SeedRange{First: 0, Count: n}, nil
	}
	first, err1 := strconv.ParseUint(a, 10, 64)
	last, err2 := strconv.ParseUint(b, 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return bad("not two non-negative integers")
	case last < first:
		return bad("reversed range")
	case first == 0 && last == ^uint64(0):
		return bad("too many seeds")
	}
	return SeedRange{First: first, Count: last - first + 1}, nil
}

// Last returns the last seed of a non-empty range.
func (r SeedRange) Last() uint64 { return r.First + r.Count - 1 }

// Contains reports whether seed is in the range.
func (r SeedRange) Contains(seed uint64) bool { return seed >= r.First && seed-r.First < r.Count }

// String returns "A-B", or "empty".
func (r SeedRange) String() string {
	if r.Count == 0 {
		return "empty"
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last())
}

// Shard returns the i-th of n contiguous parts of r (0 ≤ i < n). The parts
// cover r exactly once, and their sizes differ by at most one; a part is
// empty when n exceeds r.Count.
func (r SeedRange) Shard(i, n int) SeedRange {
	base, rem := r.Count/uint64(n), r.Count%uint64(n)
	ui := uint64(i)
	start := ui*base + min(ui, rem)
	size := base
	if ui < rem {
		size++
	}
	return SeedRange{First: r.First + start, Count: size}
}

// ParseShard parses "i/n": part i of n, counted from 0 (0 ≤ i < n), as
// Kubernetes' JOB_COMPLETION_INDEX is.
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

// MaxWorkers bounds -j: each worker holds a world in memory, and far more
// workers than cores only add memory and start-up time.
const MaxWorkers = 1024

// ParseWorkers parses a worker count: an integer in [1, MaxWorkers], or 0
// for GOMAXPROCS.
func ParseWorkers(n int) (int, error) {
	switch {
	case n < 0 || n > MaxWorkers:
		return 0, fmt.Errorf("-j %d: want a number of workers in [1, %d] (0: GOMAXPROCS)", n, MaxWorkers)
	case n == 0:
		return runtime.GOMAXPROCS(0), nil
	}
	return n, nil
}

// SweepOptions control a sweep.
type SweepOptions struct {
	Seeds   SeedRange
	Workers int // parallel worlds; < 1 means 1
	// FailFast stops at the lowest failing seed. Seeds are handed out in
	// order and reported in order, so the sweep reports exactly what a
	// single worker would: every seed up to and including the lowest
	// failing one. Runs of higher seeds that were already under way are
	// finished and discarded.
	FailFast bool
	// Done holds results from an earlier, interrupted sweep (see
	// ReadResults). Their seeds are not run again; those within Seeds
	// count in the summary.
	Done []*Result
	Run  Options
	// OnResult, if set, receives each new result in seed order, from one
	// goroutine at a time. Returning an error stops the sweep.
	OnResult func(*Result) error
	// Stop, when closed, ends the sweep at once with what it has: runs
	// under way are abandoned and the summary says Interrupted.
	Stop <-chan struct{}
	// Exec, if set, runs one seed instead of Execute(s, v, seed, Run),
	// e.g. in a worker process (the CLI's --isolate). It is called from
	// Workers goroutines at once and must return a result for every seed.
	Exec func(seed uint64) *Result
}

// SweepSummary is the outcome of a sweep. Its JSON form is the stable
// output of `faultline sweep --format json`.
type SweepSummary struct {
	Scenario string            `json:"scenario"`
	Params   map[string]string `json:"params"`
	Seeds    string            `json:"seeds"` // the range swept, "A-B"
	Runs     int               `json:"runs"`  // results counted, resumed ones included
	Resumed  int               `json:"resumed"`
	Failed   []uint64          `json:"failed"`
	// FirstFailure is the result of the lowest failing seed.
	FirstFailure *Result        `json:"first_failure"`
	Statuses     map[string]int `json:"statuses"`
	Interrupted  bool           `json:"interrupted"`
	FailFast     bool           `json:"fail_fast"`
	// Assertions are the runs' Sometimes, Reachable and Always assertions
	// across seeds, sorted by name.
	Assertions []SweepAssertion `json:"assertions,omitempty"`
}

func newSweepSummary(name string, params map[string]string, seeds SeedRange) *SweepSummary {
	return &SweepSummary{Scenario: name, Params: params, Seeds: seeds.String(), Failed: []uint64{}, Statuses: map[string]int{}}
}

// SummarizeSweep summarizes the results of a sweep of scenario name with
// params over seeds, e.g. the merged outputs of several shards.
func SummarizeSweep(name string, params map[string]string, seeds SeedRange, results []*Result) *SweepSummary {
	sum := newSweepSummary(name, params, seeds)
	for _, r := range results {
		sum.add(r)
	}
	slices.Sort(sum.Failed)
	return sum
}

func (s *SweepSummary) add(r *Result) {
	s.addAssertions(r)
	s.Runs++
	s.Statuses[r.Status]++
	if r.Failed() {
		s.Failed = append(s.Failed, r.Seed)
		if s.FirstFailure == nil || r.Seed < s.FirstFailure.Seed {
			s.FirstFailure = r
		}
	}
}

// Sweep runs scenario s with values v over a range of seeds on parallel
// workers. Each worker runs its own worlds, so the results do not depend
// on the number of workers. Results carry no panic stack (it depends on
// the worker goroutine); replaying the seed prints it. Sweep returns an error only when OnResult
// does.
func Sweep(s *Scenario, v Values, opts SweepOptions) (*SweepSummary, error) {
	sum := newSweepSummary(s.Name, v.Map(), opts.Seeds)
	sum.FailFast = opts.FailFast
	done := map[uint64]bool{}
	for _, r := range opts.Done {
		if opts.Seeds.Contains(r.Seed) && !done[r.Seed] {
			done[r.Seed] = true
			sum.add(r)
			sum.Resumed++
		}
	}
	if opts.FailFast && sum.FirstFailure != nil {
		// A resumed failure may hide lower seeds not run yet; run only those.
		opts.Seeds.Count = sum.FirstFailure.Seed - opts.Seeds.First
	}
	next := func(yield func(uint64) bool) {
		for i := range opts.Seeds.Count {
			if seed := opts.Seeds.First + i; !done[seed] && !yield(seed) {
				return
			}
		}
	}
	var cbErr error
	interrupted := Pool(next, opts.Workers, opts.Stop,
		func(seed uint64) *Result {
			var r *Result
			if opts.Exec != nil {
				r = opts.Exec(seed)
			} else {
				r = Execute(s, v, seed, opts.Run)
			}
			// A panic's stack names goroutines and addresses that depend on
			// the worker that ran it; the replay command shows it.
			r.Stack = ""
			return r
		},
		func(seed uint64, r *Result) bool {
			sum.add(r)
			if opts.OnResult != nil {
				if cbErr = opts.OnResult(r); cbErr != nil {
					return false
				}
			}
			return true
		},
		func(r *Result) bool { return opts.FailFast && r.Failed() })
	sum.Interrupted = interrupted
	sum.declare(s.Assertions)
	slices.Sort(sum.Failed)
	return sum, cbErr
}

// Pool runs do(job) for every job of jobs on workers goroutines and hands
// each result to emit in the order of jobs, from the calling goroutine.
// It stops when emit returns false, and after emitting a result that
// satisfies cut (a nil cut never does); jobs after that one are no longer
// handed out, and those already running are discarded, so what is emitted
// does not depend on the number of workers. At most a few jobs per worker are held in memory.
// Pool returns true if stop was closed before every job was emitted; jobs
// still running then are abandoned.
//
// This is the only place worlds run in parallel: each job builds its own
// world, and worlds share nothing.
func Pool[J, R any](jobs func(yield func(J) bool), workers int, stop <-chan struct{},
	do func(J) R, emit func(J, R) bool, cut func(R) bool) (interrupted bool) {
	workers = max(workers, 1)
	window := 4 * workers
	p := &pool[J, R]{
		do: do, cut: cut, cutSeq: -1,
		quit:    make(chan struct{}),
		work:    make(chan poolItem[J, R]),
		results: make(chan poolItem[J, R], window),
		tokens:  make(chan struct{}, window),
	}
	go p.feed(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(p.worker)
	}
	go func() { wg.Wait(); close(p.results) }()
	defer close(p.quit)
	return p.collect(stop, emit)
}

type poolItem[J, R any] struct {
	seq int
	job J
	res R
}

// pool is the state Pool's feeder, workers and collector share.
type pool[J, R any] struct {
	do  func(J) R
	cut func(R) bool

	mu     sync.Mutex
	cutSeq int // jobs after this sequence number are not handed out; -1: none

	quit    chan struct{}
	work    chan poolItem[J, R]
	results chan poolItem[J, R]
	tokens  chan struct{} // at most window jobs outstanding
}

func (p *pool[J, R]) cutAt() int { p.mu.Lock(); defer p.mu.Unlock(); return p.cutSeq }

// feed hands out the jobs in order, at most window outstanding.
func (p *pool[J, R]) feed(jobs func(yield func(J) bool)) {
	defer close(p.work)
	seq := 0
	for j := range jobs {
		if c := p.cutAt(); c >= 0 && seq > c {
			return
		}
		select {
		case p.tokens <- struct{}{}:
		case <-p.quit:
			return
		}
		if c := p.cutAt(); c >= 0 && seq > c {
			return
		}
		select {
		case p.work <- poolItem[J, R]{seq: seq, job: j}:
		case <-p.quit:
			return
		}
		seq++
	}
}

func (p *pool[J, R]) worker() {
	for it := range p.work {
		it.res = p.do(it.job)
		if p.cut != nil && p.cut(it.res) {
			p.mu.Lock()
			if p.cutSeq < 0 || it.seq < p.cutSeq {
				p.cutSeq = it.seq
			}
			p.mu.Unlock()
		}
		select {
		case p.results <- it:
		case <-p.quit:
			return
		}
	}
}

// collect emits the results in job order.
func (p *pool[J, R]) collect(stop <-chan struct{}, emit func(J, R) bool) (interrupted bool) {
	pending := map[int]poolItem[J, R]{}
	want := 0
	for {
		if stopped(stop) {
			return true
		}
		var it poolItem[J, R]
		var ok bool
		select {
		case <-stop:
			return true
		case it, ok = <-p.results:
		}
		if !ok {
			return false
		}
		pending[it.seq] = it
		for {
			next, ok := pending[want]
			if !ok {
				break
			}
			if stopped(stop) {
				return true
			}
			delete(pending, want)
			want++
			<-p.tokens
			if !emit(next.job, next.res) || (p.cut != nil && p.cut(next.res)) {
				return false
			}
		}
	}
}

// ReadResults reads a JSON Lines stream of results, as `faultline sweep
// --out` writes it. A last line that is incomplete or does not parse (the
// stream was cut by a crash) is ignored: good is the length of the valid
// prefix, to which the stream can be truncated before appending. Any
// other line that does not parse is an error, and so is a seed that
// appears twice: a sweep writes each seed once.
func ReadResults(r io.Reader) (results []*Result, good int64, err error) {
	br := bufio.NewReader(r)
	lineNo := 0
	seenOn := map[uint64]int{} // seed → line
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			lineNo++
			complete := line[len(line)-1] == '\n'
			var res Result
			perr := json.Unmarshal(bytes.TrimSpace(line), &res)
			switch {
			case perr != nil:
			case res.Scenario == "":
				perr = errors.New("no scenario")
			case !slices.Contains(statuses, res.Status):
				perr = fmt.Errorf("status %q is none of %s", res.Status, strings.Join(statuses, ", "))
			}
			if prev, dup := seenOn[res.Seed]; dup && perr == nil && complete {
				return nil, 0, fmt.Errorf("line %d: seed %d is already on line %d (a stream holds each seed once)", lineNo, res.Seed, prev)
			}
			switch {
			case perr == nil && complete:
				seenOn[res.Seed] = lineNo
				results = append(results, &res)
				good += int64(len(line))
			case len(bytes.TrimSpace(line)) == 0 && complete:
				good += int64(len(line))
			case !complete:
				// A torn last line: each result goes out in one write
				// ending in its newline, so a crash can cut only the end.
				return results, good, nil
			default:
				// A whole line that is not a result: not a result stream.
				return nil, 0, fmt.Errorf("line %d: not a result: %v", lineNo, perrOr(perr))
			}
		}
		if rerr == io.EOF {
			return results, good, nil
		}
		if rerr != nil {
			return nil, 0, rerr
		}
	}
}

func perrOr(err error) error {
	if err == nil {
		return errors.New("incomplete line")
	}
	return err
}

// statuses are the statuses a result can have.
var statuses = []string{StatusOK, StatusFail, StatusUnknown, StatusLimit, StatusPanic, StatusBadInput, StatusNondeterministic, StatusCrash}

// SameRun reports why results from a stream do not belong to a sweep of
// scenario name with params, or "" if they all do.
func SameRun(results []*Result, name string, params map[string]string) string {
	for _, r := range results {
		if r.Scenario != name {
			return fmt.Sprintf("seed %d is from scenario %q, not %q", r.Seed, r.Scenario, name)
		}
		if !maps.Equal(r.Params, params) {
			return fmt.Sprintf("seed %d was run with other parameters (%s, not %s)", r.Seed, FormatParams(r.Params), FormatParams(params))
		}
	}
	return ""
}

// FormatParams formats parameters as sorted key=value pairs.
func FormatParams(p map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(p)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + p[k])
	}
	return b.String()
}
