package scenarios

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/sim"
)

// Run is what a scenario's Run function works with: the world, the
// validated parameters, and the place to report checks and metrics.
type Run struct {
	World  *sim.World
	Params Values
	Seed   uint64
	// ArtifactDir is where checks may write files (e.g. visualizations).
	ArtifactDir string
	// Buggify holds the run's BUGGIFY sites. It never fires unless the
	// common parameter buggify is true; NewCluster hands it to the nodes.
	Buggify *sim.Buggify

	opts     Options
	scenario *Scenario
	cluster  bool           // NewCluster was called
	built    *Cluster       // the cluster NewCluster built, for its schedule
	deadline time.Time      // end of the wall-clock budget; zero: none
	rt       *nodes.Runtime // the cluster's, once NewCluster was called

	checks  []checks.Result
	metrics map[string]float64
	notes   []string
}

// Check records the outcome of a check.
func (r *Run) Check(res checks.Result) { r.checks = append(r.checks, res) }

// Metric records a metric, overriding one of the same name from the
// world's registry.
func (r *Run) Metric(name string, v float64) { r.metrics[name] = v }

// Metrics records every metric of m, as Metric does, e.g. the network's
// CostMetrics.
func (r *Run) Metrics(m map[string]float64) {
	for k, v := range m {
		r.metrics[k] = v
	}
}

// Note records a line the run prints with its result, e.g. the fault
// schedule or the knobs a nemesis drew.
func (r *Run) Note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// CheckTimeout bounds the wall-clock timeout d of a check (0: none) by
// what is left of the run's wall-clock budget, so that --max-wall covers
// checks too. A run whose budget runs out ends in StatusLimit.
func (r *Run) CheckTimeout(d time.Duration) time.Duration {
	if r.deadline.IsZero() {
		return d
	}
	left := max(time.Until(r.deadline), time.Millisecond) // 0 would mean no limit
	if d == 0 || left < d {
		return left
	}
	return d
}

// Options control a run beyond its parameters. They never change the
// result of a run that stays within its limits.
type Options struct {
	Sink      sim.Sink
	Limits    sim.Limits
	WallLimit time.Duration // 0: no wall-clock limit; checks get what is left (Run.CheckTimeout)
	// MemoryLimit ends the run as StatusLimit when the process's heap
	// grows past this many bytes; 0: none. The heap is shared by every
	// run of the process, so in a sweep it bounds them together.
	MemoryLimit uint64
	ArtifactDir string
	// Schedule is a fault schedule, applied by Run.NewCluster. One parsed
	// for another cluster size (or with nodes ≤ 0, form only) is checked
	// against the cluster's nodes there; a target beyond them ends the run
	// with StatusBadInput. Schedules are read-only: many runs may share one.
	Schedule *faults.Schedule
	// Faults is the schedule in the text form of nodes/faults, for a
	// caller that holds a file's text; it is parsed once the cluster size
	// is known. Set Schedule or Faults, not both.
	Faults string
	// FaultsFile names the file Schedule or Faults came from, for error
	// messages and the replay command.
	FaultsFile string
	// Program is the command that replay lines start with: the binary the
	// user ran, e.g. "mybin" or "go run ./cmd/mybin". Empty means
	// "faultline".
	Program string
	// CheckDeterminism executes the run twice and compares the trace
	// hashes. When they differ the result has StatusNondeterministic and
	// names the first trace record where the executions part; both traces
	// are written to ArtifactDir (or the OS's temporary directory). It
	// costs about three plain runs (BENCHMARKS.md).
	CheckDeterminism bool
	// Roles asks for Result.Nodes, the role of each node.
	Roles bool
	// FreshMemory gives the run storage of its own. By default a run
	// without a Sink reuses blocks (messages, calls, replies) that an
	// earlier run of the process used and is done with (sim.Arena), so
	// that the seeds after the first touch little fresh memory. Results
	// are the same either way.
	FreshMemory bool
}

// arenas hold the storage of finished runs for the next ones; a sweep's
// workers each take one for the run they execute.
var arenas idleArenas

// idleArenas is a stack of arenas no run is using. Unlike a sync.Pool it
// hands a run the arena the last run put back even when the goroutine
// moved to another P in between (a pool's per-P slot then misses, and
// the run would touch a megabyte of fresh memory), and a collection
// does not empty it. It keeps at most GOMAXPROCS arenas, each bounded
// by sim.Arena's own limit.
type idleArenas struct {
	mu   sync.Mutex
	idle []*sim.Arena
}

func (p *idleArenas) get() *sim.Arena {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		a := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return a
	}
	return sim.NewArena()
}

func (p *idleArenas) put(a *sim.Arena) {
	a.Reset()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) < runtime.GOMAXPROCS(0) {
		p.idle = append(p.idle, a)
	}
}

// DefaultProgram starts replay lines when Options.Program is empty.
const DefaultProgram = "faultline"

func (o Options) program() string {
	if o.Program == "" {
		return DefaultProgram
	}
	return o.Program
}

// Status of a finished run.
const (
	StatusOK      = "ok"      // every check held
	StatusFail    = "fail"    // a check failed
	StatusUnknown = "unknown" // no check failed, but one could not decide
	StatusLimit   = "limit"   // the run hit a limit
	StatusPanic   = "panic"   // node or scenario code panicked
	// StatusBadInput: the run could not start as asked, e.g. its fault
	// schedule names a node the cluster does not have. The CLI exits 2.
	StatusBadInput = "bad_input"
	// StatusCrash: the worker process running the world died before it
	// returned a result (a fatal runtime error such as a stack overflow,
	// a panic in a goroutine of its own, an exit); only isolated sweeps
	// and comparisons (--isolate) report it.
	StatusCrash = "crash"
)

// CheckResult is a check outcome as printed.
type CheckResult struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Outcome  string `json:"outcome"`
	Detail   string `json:"detail,omitempty"`
	Artifact string `json:"artifact,omitempty"`
}

// Result is the outcome of one run. Its JSON form is the stable output of
// `faultline run --format json`.
type Result struct {
	Scenario  string             `json:"scenario"`
	Seed      uint64             `json:"seed"`
	Params    map[string]string  `json:"params"`
	Status    string             `json:"status"`
	SimTimeNs int64              `json:"sim_time_ns"`
	Events    uint64             `json:"events"`
	TraceHash string             `json:"trace_hash"`
	Metrics   map[string]float64 `json:"metrics"`
	Checks    []CheckResult      `json:"checks"`
	Notes     []string           `json:"notes,omitempty"`
	Error     string             `json:"error,omitempty"`
	Limit     string             `json:"limit,omitempty"`
	Stack     string             `json:"stack,omitempty"`
	Replay    string             `json:"replay"`
	// Assertions are the run's named Always, Sometimes and Reachable
	// assertions (nodes.Env.Always ...), sorted by name.
	Assertions []AssertionResult `json:"assertions,omitempty"`
	// Coverage are the state fingerprints the run recorded (Env.Cover),
	// for exploration; not part of the JSON output.
	Coverage []string `json:"-"`
	// CoverageAt is when each fingerprint of Coverage was first recorded.
	CoverageAt []time.Duration `json:"-"`
	// Nodes names the role of each node of the cluster, n1 first (from
	// the node's type: "server", "client") when Options.Roles asks for
	// it; empty for a scenario that does not build its nodes with
	// Run.NewCluster. Not in the JSON output.
	Nodes []string `json:"-"`
	// Series are the time series the run recorded (sim.Metrics.Series),
	// one point per step up to the end of the run, for plots
	// (sim.Series.PlotPoints: a rate's last step, cut short by the end,
	// is a rate over its part before the end). They are not part of the
	// JSON output.
	Series map[string][]sim.Point `json:"-"`

	nodes int // the cluster's size, when the run built one
}

// AssertionResult is what a run saw of one named assertion.
type AssertionResult struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"` // always, sometimes, reachable
	Evaluated uint64 `json:"evaluated"`
	True      uint64 `json:"true"`
	// FirstTrue is when the condition was first true, or -1; not in the
	// JSON output.
	FirstTrue time.Duration `json:"-"`
	// TrueAt are the times of its 1st, 2nd, 4th, 8th ... true
	// evaluations; not in the JSON output.
	TrueAt []time.Duration `json:"-"`
}

// Failed reports whether the run did not end ok.
func (r *Result) Failed() bool { return r.Status != StatusOK }

// Resolve applies set over the defaults of the scenario's parameters and
// validates each value, then all of them together (Scenario.Validate).
func (s *Scenario) Resolve(set map[string]string) (Values, error) {
	v, err := Resolve(s.AllParams(), set)
	if err != nil {
		return Values{}, err
	}
	if s.Validate != nil {
		if err := s.Validate(v); err != nil {
			return Values{}, err
		}
	}
	return v, nil
}

// Execute runs scenario s with values v for seed. It never panics: a panic
// in node or scenario code becomes a result with status "panic".
func Execute(s *Scenario, v Values, seed uint64, opts Options) (res *Result) {
	if opts.CheckDeterminism {
		return checkDeterminism(s, v, seed, opts)
	}
	var arena *sim.Arena
	if !opts.FreshMemory && opts.Sink == nil {
		// Nothing outside the world keeps a pointer into its storage once
		// Execute returns (a sink could keep payloads: no reuse with one).
		arena = arenas.get()
		defer arenas.put(arena)
	}
	w := sim.New(seed, sim.Options{ShuffleTies: shuffleTies(s, v), Limits: opts.Limits, Sink: opts.Sink, Arena: arena})
	if b, ok := opts.Sink.(worldBinder); ok {
		b.bind(w)
	}
	r := &Run{World: w, Params: v, Seed: seed, ArtifactDir: opts.ArtifactDir, metrics: map[string]float64{}, opts: opts, scenario: s}
	r.Buggify = sim.NewBuggify(w, has(v, "buggify") && v.Bool("buggify"))
	res = &Result{Scenario: s.Name, Seed: seed, Params: v.Map()}
	// The watchdogs live outside the world; they only raise a flag the
	// world polls, so they cannot change a run that stays within limits.
	var dog watchdog
	if opts.WallLimit > 0 {
		r.deadline = time.Now().Add(opts.WallLimit)
		t := time.AfterFunc(opts.WallLimit, func() { dog.trip(limitWall, w) })
		defer t.Stop()
	}
	if opts.MemoryLimit > 0 {
		defer dog.watchMemory(opts.MemoryLimit, w)()
	}
	err := func() (err error) {
		if s.Validate != nil {
			// Callers that skipped Prepare get the same answer.
			if err := s.Validate(v); err != nil {
				return &BadInputError{Err: fmt.Errorf("scenario %s: %w", s.Name, err)}
			}
		}
		defer func() {
			if p := recover(); p != nil {
				err = &sim.PanicError{Value: p, At: w.Now(), Event: w.Events(), Node: -1, Stack: string(debug.Stack())}
			}
		}()
		return s.Run(r)
	}()
	if err == nil && !r.cluster {
		switch {
		case opts.Faults != "" || opts.Schedule != nil:
			err = &BadInputError{Err: fmt.Errorf("--faults: scenario %s does not take a fault schedule (it does not build its nodes with Run.NewCluster)", s.Name)}
		case commonNemesis(s, v):
			err = &BadInputError{Err: fmt.Errorf("parameter nemesis: scenario %s does not take a fault schedule (it does not build its nodes with Run.NewCluster)", s.Name)}
		}
	}
	r.noteBuggify()
	r.noteScheduleReach(w.Now())
	if !r.deadline.IsZero() && !time.Now().Before(r.deadline) {
		dog.trip(limitWall, nil) // the checks ran out the budget
	}
	finish(res, r, w, err, opts, &dog)
	res.Replay = replayOf(s, v, seed, opts, res.Limit)
	shareArtifacts(res.Checks)
	return res
}

func finish(res *Result, r *Run, w *sim.World, err error, opts Options, dog *watchdog) {
	res.SimTimeNs = int64(w.Now())
	res.Events = w.Events()
	res.TraceHash = fmt.Sprintf("%016x", w.TraceHash())
	res.Metrics = w.Metrics.Snapshot(w.Now())
	maps.Copy(res.Metrics, r.metrics)
	res.Notes = r.notes
	if r.rt != nil && opts.Roles {
		res.Nodes = make([]string, r.rt.Len())
		for i := range res.Nodes {
			res.Nodes[i] = roleOf(r.rt.Node(nodes.NodeID(i)))
		}
	}
	if names := w.Metrics.SeriesNames(); len(names) > 0 {
		res.Series = make(map[string][]sim.Point, len(names))
		for _, n := range names {
			res.Series[n] = w.Metrics.Series(n, 0, 0).PlotPoints(w.Now())
		}
	}
	checkResults(res, r, w)
	if r.built != nil {
		res.nodes = r.built.Net.Size()
	}
	if limit := dog.tripped(); limit != "" && (err == nil || errors.Is(err, sim.ErrInterrupted)) && res.Status != StatusFail {
		// A watchdog fired: while the world ran, or while checks ran
		// (whose verdict, cut short, may then be unknown).
		res.Status = StatusLimit
		res.Limit = limit
		res.Error = fmt.Sprintf("limit %s (%s) reached at sim time %v after %d events", limit, dog.bound(opts), w.Now(), w.Events())
		return
	}
	if err != nil {
		errorResult(res, w, err)
	}
}

// checkResults sets the result's checks, assertions and coverage, and its
// status from them.
func checkResults(res *Result, r *Run, w *sim.World) {
	res.Checks = []CheckResult{}
	res.Status = StatusOK
	for _, c := range r.checks {
		res.Checks = append(res.Checks, CheckResult{Name: c.Name, OK: c.OK(), Outcome: c.Outcome.String(), Detail: c.Detail, Artifact: c.Artifact})
		switch {
		case c.Outcome == checks.Fail:
			res.Status = StatusFail
		case c.Outcome == checks.Unknown && res.Status == StatusOK:
			res.Status = StatusUnknown
		}
	}
	for _, a := range w.Reported().Report() {
		ar := AssertionResult{Name: a.Name, Kind: a.Kind.String(), Evaluated: a.Evaluated, True: a.True, FirstTrue: time.Duration(a.FirstTrue)}
		for _, t := range a.TrueAt {
			ar.TrueAt = append(ar.TrueAt, time.Duration(t))
		}
		res.Assertions = append(res.Assertions, ar)
		if !a.OK() {
			c := checks.Failf("always "+a.Name, "false %d of %d times, first at sim time %v", a.Evaluated-a.True, a.Evaluated, a.FirstFalse)
			res.Checks = append(res.Checks, CheckResult{Name: c.Name, OK: false, Outcome: c.Outcome.String(), Detail: c.Detail})
			res.Status = StatusFail
		}
	}
	res.Coverage = w.Reported().Covered()
	for _, fp := range res.Coverage {
		res.CoverageAt = append(res.CoverageAt, time.Duration(w.Reported().CoveredAt(fp)))
	}
}

// errorResult sets the status and error of a run that ended with err.
func errorResult(res *Result, w *sim.World, err error) {
	var le *sim.LimitError
	var pe *sim.PanicError
	var be *BadInputError
	var fe *faults.InputError
	switch {
	case errors.As(err, &be):
		res.Status = StatusBadInput
		res.Error = be.Error()
	case errors.As(err, &fe):
		res.Status = StatusBadInput
		res.Error = "--faults " + fe.Error()
	case errors.As(err, &pe):
		res.Status = StatusPanic
		res.Error = fmt.Sprintf("panic at sim time %v, event %d, node %d: %v", pe.At, pe.Event, pe.Node, pe.Value)
		res.Stack = pe.Stack
	case errors.As(err, &le):
		res.Status = StatusLimit
		res.Limit = le.Limit
		res.Error = le.Error()
	case errors.Is(err, sim.ErrInterrupted):
		res.Status = StatusLimit
		res.Limit = "interrupted"
		res.Error = fmt.Sprintf("interrupted at sim time %v after %d events", w.Now(), w.Events())
	default:
		res.Status = StatusFail
		res.Error = err.Error()
	}
}

// roleOf names a node's role after its type: *kv.server is "server".
func roleOf(n nodes.Node) string {
	if n == nil {
		return "?"
	}
	if r, ok := n.(interface{ Role() string }); ok {
		return r.Role()
	}
	t := reflect.TypeOf(n)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// "orchestratorNode" reads "orchestrator node", "Server" "server".
	var b strings.Builder
	for i, c := range t.Name() {
		if unicode.IsUpper(c) {
			if i > 0 {
				b.WriteByte(' ')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ReplayCommand returns the command line that replays exactly this run:
// the scenario, the seed, and every parameter that differs from its
// default, in sorted order.
func ReplayCommand(s *Scenario, v Values, seed uint64) string {
	return replayCommand(DefaultProgram, s, v, seed)
}

// ReplayCommand is the package's ReplayCommand started with o.Program.
func (o Options) ReplayCommand(s *Scenario, v Values, seed uint64) string {
	return replayCommand(o.program(), s, v, seed)
}

func replayCommand(program string, s *Scenario, v Values, seed uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s run %s --seed %d", program, s.Name, seed)
	// Every run builds its replay line, and most set nothing: find the
	// keys off their defaults first, without a map of the defaults.
	var set []string
	for k, x := range v.m {
		if x.text != s.paramDefault(k) {
			set = append(set, k)
		}
	}
	slices.Sort(set)
	for _, k := range set {
		fmt.Fprintf(&b, " --set %s", shellQuote(k+"="+v.m[k].text))
	}
	return b.String()
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '=' || r == '.' || r == '_' || r == '-' || r == ',' || r == ':' || r == '/' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ParseSeed parses a seed: a non-negative integer.
func ParseSeed(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("seed %q: want a non-negative integer", s)
	}
	return n, nil
}
