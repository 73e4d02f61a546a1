package proptest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/isolate"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/sim"
)

// DefaultSeeds is how many seeds, from 0, a test runs when neither
// -faultline.seed nor -faultline.seeds is given.
var DefaultSeeds uint64 = 20

// Program starts the CLI replay lines that failures print: the binary
// that runs the test's scenarios, e.g. "go run ./cmd/mybin" for a user's
// own binary built on cmd/faultline/cli. Set it in TestMain or init.
var Program = scenarios.DefaultProgram

// DefaultDeterminismSeeds is how many seeds at the start of each
// property run twice to check determinism when -faultline.determinism
// is not given.
const DefaultDeterminismSeeds = 3

var (
	seedFlag   = flag.String("faultline.seed", "", "run only this seed (a non-negative integer)")
	seedsFlag  = flag.String("faultline.seeds", "", "seeds to run: N for 0..N-1, or A-B (both included)")
	traceFlag  = flag.String("faultline.trace", "", "directory for the JSONL traces of failing runs (default: faultline-traces in the OS temp dir)")
	determFlag = flag.Int("faultline.determinism", DefaultDeterminismSeeds, "run the first N seeds of each property twice and compare trace hashes (-1: every seed; failing seeds always are)")
	shrinkFlag = flag.Bool("faultline.shrink", false, "shrink the fault schedule of a failing seed and print the minimal schedule and its replay")
	shrinkRuns = flag.Int("faultline.shrink.runs", 200, "the most runs a shrink may take")
	faultsFlag = flag.String("faultline.faults", "", "apply the fault schedule in FILE to every run (as `faultline run --faults FILE`), e.g. a shrunk one")
	isoFlag    = flag.Bool("faultline.isolate", false, "run each seed in a worker process (this test binary, re-run): a panic in a goroutine, a fatal runtime error, a hang or runaway memory fails only its seed, with its replay")
	wallFlag   = flag.Duration("faultline.max-wall", 5*time.Minute, "end a run as 'limit' after this much wall-clock time (0: none); with -faultline.isolate a handler that never returns is killed with its worker")
)

// workerEnv makes a re-run test binary serve as the worker process of
// -faultline.isolate for the scenario it names.
const workerEnv = "FAULTLINE_PROPTEST_WORKER"

// SeedRange returns the seeds the flags select. Errors name the flag.
func SeedRange() (scenarios.SeedRange, error) {
	if *seedFlag != "" {
		s, err := scenarios.ParseSeed(*seedFlag)
		if err != nil {
			return scenarios.SeedRange{}, fmt.Errorf("-faultline.seed: %w", err)
		}
		return scenarios.SeedRange{First: s, Count: 1}, nil
	}
	if *seedsFlag != "" {
		r, err := scenarios.ParseSeedRange(*seedsFlag)
		if err != nil {
			return scenarios.SeedRange{}, fmt.Errorf("-faultline.seeds: %w", err)
		}
		return r, nil
	}
	return scenarios.SeedRange{First: 0, Count: DefaultSeeds}, nil
}

// ForSeeds calls fn once per selected seed, each in a subtest "seed=N",
// and stops at the first seed that fails. A failing subtest logs the
// seed and the `go test` command that replays it.
func ForSeeds(t *testing.T, fn func(t *testing.T, seed uint64)) {
	t.Helper()
	r, err := SeedRange()
	if err != nil {
		t.Fatal(err)
	}
	replay := GoTestCommand(t.Name(), packageDir())
	for i := range r.Count {
		seed := r.First + i
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d failed; replay it with:\n\t%s -faultline.seed=%d", seed, replay, seed)
				}
			})
			fn(t, seed)
		})
		if !ok {
			return
		}
	}
}

// Run runs scenario with the parameter settings set over the selected
// seeds and fails on the first seed whose run does not end ok (a failed
// or unknown check, a limit, a panic).
func Run(t *testing.T, s *scenarios.Scenario, set map[string]string) {
	t.Helper()
	Seeds(t, s, set, func(t *testing.T, res *scenarios.Result) {
		if res.Failed() {
			t.Errorf("status %s%s", res.Status, describe(res))
		}
	})
}

// Seeds runs scenario over the selected seeds and calls prop with each
// run's result; prop fails the subtest to fail the property. When it
// does, the run is replayed with a trace sink (its trace hash must not
// change: that is the determinism self-check) and the trace is written
// to the trace directory. Bad settings fail the test.
func Seeds(t *testing.T, s *scenarios.Scenario, set map[string]string, prop func(t *testing.T, res *scenarios.Result)) {
	t.Helper()
	if name, ok := os.LookupEnv(workerEnv); ok {
		serveWorker(name, s)
		return
	}
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := runOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Schedule != nil {
		// A schedule from a file replaces the nemesis's, as in a shrink.
		if v, err = scenarios.ScheduleValues(s, v); err != nil {
			t.Fatal(err)
		}
	}
	testName := t.Name()
	exec := func(v scenarios.Values, seed uint64, o scenarios.Options) *scenarios.Result {
		return scenarios.Execute(s, v, seed, o)
	}
	if *isoFlag {
		exec = startWorkers(t, s, opts)
	}
	checked := 0
	ForSeeds(t, func(t *testing.T, seed uint64) {
		o := opts
		if n := *determFlag; n < 0 || checked < n {
			o.CheckDeterminism = true
			checked++
		}
		res := exec(v, seed, o)
		if res.Status == scenarios.StatusNondeterministic {
			t.Errorf("%s\nreplay: %s", res.Error, res.Replay)
			return
		}
		t.Cleanup(func() {
			if !t.Failed() {
				return
			}
			t.Logf("replay the run with:\n\t%s", res.Replay)
			if *isoFlag && (res.Status == scenarios.StatusCrash || res.Status == scenarios.StatusLimit) {
				t.Logf("no trace and no shrink: the run ended its worker process; replay it without -faultline.isolate to see it in process")
				return
			}
			path, err := writeTrace(s, v, seed, res, testName, opts)
			if err != nil {
				t.Errorf("trace: %v", err)
				return
			}
			t.Logf("trace (hash %s) written to %s", res.TraceHash, path)
			if *shrinkFlag {
				shrink(t, s, v, seed, opts, testName)
			}
		})
		prop(t, res)
	})
}

// runOptions returns the run options the flags select.
func runOptions() (scenarios.Options, error) {
	opts := scenarios.Options{Program: Program, WallLimit: *wallFlag}
	if *wallFlag < 0 {
		return opts, fmt.Errorf("-faultline.max-wall %v: want a duration ≥ 0", *wallFlag)
	}
	if *faultsFlag != "" {
		text, err := os.ReadFile(*faultsFlag)
		if err != nil {
			return opts, fmt.Errorf("-faultline.faults: %w", err)
		}
		sched, err := faults.ParseFile(*faultsFlag, string(text), 0)
		if err != nil {
			return opts, fmt.Errorf("-faultline.faults %w", err)
		}
		opts.Schedule, opts.FaultsFile = sched, *faultsFlag
	}
	return opts, nil
}

// shrink shrinks the failing seed's fault schedule, writes the minimal
// one next to the traces, and logs it with the commands that replay it.
func shrink(t *testing.T, s *scenarios.Scenario, v scenarios.Values, seed uint64, opts scenarios.Options, testName string) {
	// The workload stays: the go test replay below runs the test's own
	// parameters, with only the seed and the schedule changed.
	sh, err := scenarios.ShrinkRun(s, v, seed, opts, scenarios.ShrinkOptions{MaxRuns: *shrinkRuns, KeepWorkload: true})
	if err != nil {
		t.Logf("shrink: %v", err)
		return
	}
	path := filepath.Join(TraceDir(), strings.TrimSuffix(TraceFile(testName, seed), ".jsonl")+".faults")
	text := fmt.Sprintf("# minimal fault schedule: %s seed %d fails %s\n# shrunk from %d faults in %s\n%s",
		s.Name, seed, sh.How, sh.Original.Count(), sh.Stats, sh.Minimal)
	if err := outfile.Write(path, []byte(text)); err != nil {
		t.Logf("shrink: %v", err)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "shrunk %d faults to %d (%s); minimal schedule, sorted by time:", sh.Original.Count(), sh.Minimal.Count(), sh.Stats)
	for _, l := range sh.Minimal.Lines() {
		fmt.Fprintf(&b, "\n\t%s", l)
	}
	fmt.Fprintf(&b, "\nwritten to %s; replay it with:\n\t%s -faultline.seed=%d -faultline.faults=%s\n\t%s --faults %s",
		path, GoTestCommand(testName, packageDir()), seed, shellQuote(path), opts.ReplayCommand(s, sh.Values, seed), shellQuote(path))
	t.Log(b.String())
}

// describe summarises what went wrong in a run.
func describe(res *scenarios.Result) string {
	var b strings.Builder
	for _, c := range res.Checks {
		if !c.OK {
			fmt.Fprintf(&b, "\n\t%s %s: %s", c.Outcome, c.Name, c.Detail)
		}
	}
	if res.Error != "" {
		fmt.Fprintf(&b, "\n\terror: %s", res.Error)
	}
	return b.String()
}

// TraceDir returns the directory -faultline.trace names, or its default.
func TraceDir() string {
	if *traceFlag != "" {
		return *traceFlag
	}
	return filepath.Join(os.TempDir(), "faultline-traces")
}

// TraceFile returns the name of the trace file of a test's seed, e.g.
// "TestKV_linearizable-seed42.jsonl".
func TraceFile(testName string, seed uint64) string {
	clean := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, testName)
	return fmt.Sprintf("%s-seed%d.jsonl", clean, seed)
}

// writeTrace runs seed again with a JSONL sink and writes the trace.
func writeTrace(s *scenarios.Scenario, v scenarios.Values, seed uint64, first *scenarios.Result, testName string, opts scenarios.Options) (string, error) {
	dir := TraceDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, TraceFile(testName, seed))
	f, err := outfile.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Abort()
	sink := sim.NewJSONLSink(f)
	opts.Sink = sink
	again := scenarios.Execute(s, v, seed, opts)
	if err := sink.Flush(); err != nil {
		return "", err
	}
	if err := f.Commit(); err != nil {
		return "", err
	}
	if again.TraceHash != first.TraceHash {
		return path, fmt.Errorf("nondeterminism: seed %d gave trace hash %s, then %s with a trace sink (trace in %s)", seed, first.TraceHash, again.TraceHash, path)
	}
	return path, nil
}

// GoTestCommand returns the `go test` command that runs only the test
// called testName (as t.Name() gives it) in the package in pkgDir (e.g.
// "./examples/register"); append -faultline.seed=N to pick a seed.
func GoTestCommand(testName, pkgDir string) string {
	return fmt.Sprintf("go test -run %s %s", shellQuote(RunPattern(testName)), pkgDir)
}

// RunPattern returns the -run pattern that matches the test called name
// exactly, subtests included: "TestA/b" gives "^TestA$/^b$".
func RunPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// packageDir returns the test's package directory relative to the module
// root, as `go test` accepts it ("./examples/register"), or "." when the
// module root cannot be found. `go test` runs a test in its package's
// directory.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// startWorkers starts the worker pool of -faultline.isolate: this test
// binary, re-run on this test alone, serving scenario s. The pool is
// closed when t ends. The returned function runs one seed on it; the
// options a seed adds (the determinism check) start a pool of their own.
func startWorkers(t *testing.T, s *scenarios.Scenario, opts scenarios.Options) func(scenarios.Values, uint64, scenarios.Options) *scenarios.Result {
	t.Helper()
	pools := map[bool]*isolate.Pool{}
	get := func(determinism bool) (*isolate.Pool, error) {
		if p := pools[determinism]; p != nil {
			return p, nil
		}
		o := opts
		o.CheckDeterminism = determinism
		p, err := isolate.Start(isolate.Config{
			Command:  []string{os.Args[0], "-test.run=" + RunPattern(t.Name()), "-test.count=1", "-test.v=false"},
			Env:      []string{workerEnv + "=" + s.Name},
			Scenario: s, Options: o,
		})
		if err != nil {
			return nil, fmt.Errorf("-faultline.isolate: %w", err)
		}
		pools[determinism] = p
		t.Cleanup(p.Close)
		return p, nil
	}
	if _, err := get(false); err != nil {
		t.Fatal(err)
	}
	return func(v scenarios.Values, seed uint64, o scenarios.Options) *scenarios.Result {
		p, err := get(o.CheckDeterminism)
		if err != nil {
			t.Fatal(err)
		}
		return p.Exec(v, seed)
	}
}

// serveWorker serves as a worker for scenario s, if the parent asked for
// it, and then ends the process: it must not go on to other tests. A
// property test of another scenario in the same test returns at once.
func serveWorker(name string, s *scenarios.Scenario) {
	if name != s.Name {
		return
	}
	err := isolate.Serve(os.Stdin, os.Stdout, isolate.ServeOptions{
		Scenarios: []string{s.Name},
		Lookup: func(_ string, params map[string]string) (*scenarios.Scenario, scenarios.Values, error) {
			v, err := s.Values(params)
			return s, v, err
		},
		MaxStackBytes: isolate.DefaultMaxStackBytes,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
