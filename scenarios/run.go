package scenarios

import (
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
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
	cluster  bool     // NewCluster was called
	built    *Cluster // the cluster NewCluster built, for its schedule

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

// Options control a run beyond its parameters. They never change the
// result of a run that stays within its limits.
type Options struct {
	Sink        sim.Sink
	Limits      sim.Limits
	WallLimit   time.Duration // 0: no wall-clock limit
	ArtifactDir string
	// Faults is a fault schedule in the text form of nodes/faults, applied
	// by Run.NewCluster once the cluster size is known. A schedule that
	// does not parse for that size ends the run with StatusBadInput.
	Faults string
	// FaultsFile names the file Faults came from, for error messages and
	// the replay command.
	FaultsFile string
	// Program is the command that replay lines start with: the binary the
	// user ran, e.g. "mybin" or "go run ./cmd/mybin". Empty means
	// "faultline".
	Program string
	// CheckDeterminism executes the run twice and compares the trace
	// hashes. When they differ the result has StatusNondeterministic and
	// names the first trace record where the executions part; both traces
	// are written to ArtifactDir (or the OS's temporary directory). It
	// costs a little more than twice a plain run.
	CheckDeterminism bool
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
	// (--isolate) report it.
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
	// Series are the time series the run recorded (sim.Metrics.Series),
	// one point per step up to the end of the run, for plots. They are
	// not part of the JSON output.
	Series map[string][]sim.Point `json:"-"`

	nodes int // the cluster's size, when the run built one
}

// AssertionResult is what a run saw of one named assertion.
type AssertionResult struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"` // always, sometimes, reachable
	Evaluated uint64 `json:"evaluated"`
	True      uint64 `json:"true"`
}

// Failed reports whether the run did not end ok.
func (r *Result) Failed() bool { return r.Status != StatusOK }

// Execute runs scenario s with values v for seed. It never panics: a panic
// in node or scenario code becomes a result with status "panic".
func Execute(s *Scenario, v Values, seed uint64, opts Options) (res *Result) {
	if opts.CheckDeterminism {
		return checkDeterminism(s, v, seed, opts)
	}
	w := sim.New(seed, sim.Options{ShuffleTies: shuffleTies(s, v), Limits: opts.Limits, Sink: opts.Sink})
	if b, ok := opts.Sink.(worldBinder); ok {
		b.bind(w)
	}
	r := &Run{World: w, Params: v, Seed: seed, ArtifactDir: opts.ArtifactDir, metrics: map[string]float64{}, opts: opts, scenario: s}
	r.Buggify = sim.NewBuggify(w, has(v, "buggify") && v.Bool("buggify"))
	res = &Result{Scenario: s.Name, Seed: seed, Params: v.Map(), Replay: opts.ReplayCommand(s, v, seed)}
	if opts.FaultsFile != "" {
		res.Replay += " --faults " + shellQuote(opts.FaultsFile)
	}
	if opts.WallLimit > 0 {
		// The watchdog lives outside the world; it only raises a flag the
		// world polls, so it cannot change a run that finishes in time.
		t := time.AfterFunc(opts.WallLimit, w.Interrupt)
		defer t.Stop()
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = &sim.PanicError{Value: p, At: w.Now(), Event: w.Events(), Node: -1, Stack: string(debug.Stack())}
			}
		}()
		return s.Run(r)
	}()
	if err == nil && !r.cluster {
		switch {
		case opts.Faults != "":
			err = &BadInputError{Err: fmt.Errorf("--faults: scenario %s does not take a fault schedule (it does not build its nodes with Run.NewCluster)", s.Name)}
		case commonNemesis(s, v):
			err = &BadInputError{Err: fmt.Errorf("parameter nemesis: scenario %s does not take a fault schedule (it does not build its nodes with Run.NewCluster)", s.Name)}
		}
	}
	r.noteBuggify()
	r.noteScheduleReach(w.Now())
	finish(res, r, w, err, opts)
	return res
}

func finish(res *Result, r *Run, w *sim.World, err error, opts Options) {
	res.SimTimeNs = int64(w.Now())
	res.Events = w.Events()
	res.TraceHash = fmt.Sprintf("%016x", w.TraceHash())
	res.Metrics = w.Metrics.Snapshot(w.Now())
	maps.Copy(res.Metrics, r.metrics)
	res.Notes = r.notes
	if names := w.Metrics.SeriesNames(); len(names) > 0 {
		res.Series = make(map[string][]sim.Point, len(names))
		for _, n := range names {
			res.Series[n] = w.Metrics.Series(n, 0, 0).Points(w.Now())
		}
	}
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
		res.Assertions = append(res.Assertions, AssertionResult{Name: a.Name, Kind: a.Kind.String(), Evaluated: a.Evaluated, True: a.True})
		if !a.OK() {
			c := checks.Failf("always "+a.Name, "false %d of %d times, first at sim time %v", a.Evaluated-a.True, a.Evaluated, a.FirstFalse)
			res.Checks = append(res.Checks, CheckResult{Name: c.Name, OK: false, Outcome: c.Outcome.String(), Detail: c.Detail})
			res.Status = StatusFail
		}
	}
	res.Coverage = w.Reported().Covered()
	if r.built != nil {
		res.nodes = r.built.Net.Size()
	}
	var le *sim.LimitError
	var pe *sim.PanicError
	var be *BadInputError
	switch {
	case err == nil:
	case errors.As(err, &be):
		res.Status = StatusBadInput
		res.Error = be.Error()
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
		res.Limit = "wall_time"
		res.Error = fmt.Sprintf("limit wall_time (%v) reached at sim time %v after %d events", opts.WallLimit, w.Now(), w.Events())
	default:
		res.Status = StatusFail
		res.Error = err.Error()
	}
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
	def := map[string]string{}
	for _, p := range s.AllParams() {
		def[p.Name] = p.Default
	}
	for _, k := range slices.Sorted(maps.Keys(v.m)) {
		if v.m[k] != def[k] {
			fmt.Fprintf(&b, " --set %s", shellQuote(k+"="+v.m[k]))
		}
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
