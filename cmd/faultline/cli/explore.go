package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
)

func init() {
	commands["explore"] = &command{summary: "search seeds and fault schedules for failures, guided by coverage", run: (*App).runExplore}
}

const exploreSynopsis = "explore SCENARIO [--runs N] [--seed N] [--set key=value ...] [-j N] [--out DIR] [--corpus DIR] [--stop-at-failure] [--max-faults N] [--format text|json]"

// exploreJSON is the stable JSON form of an exploration.
type exploreJSON struct {
	Scenario string            `json:"scenario"`
	Params   map[string]string `json:"params"`
	Seed     uint64            `json:"seed"`
	Runs     int               `json:"runs"`
	Features int               `json:"features"`
	Corpus   int               `json:"corpus"`
	Failures []exploreFailJSON `json:"failures"`
}

type exploreFailJSON struct {
	Run       int                     `json:"run"`
	Seed      uint64                  `json:"seed"`
	Status    string                  `json:"status"`
	Origin    string                  `json:"origin"`
	Schedule  []string                `json:"schedule"`
	TraceHash string                  `json:"trace_hash"`
	Checks    []scenarios.CheckResult `json:"checks"`
	Out       string                  `json:"out"`
	Replay    string                  `json:"replay"`
}

// runExplore searches for failures of a scenario by mutating the fault
// schedules that reach new coverage. Exit 1 when it found a failure, 0
// when it found none, 2 for bad input.
func (a *App) runExplore(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("explore", exploreSynopsis, stdout)
	var rf runFlags
	runs := fs.Int("runs", 200, "runs in all: the first 2 are calm (no faults; world seeds SEED*1000000 and +1), the next 8 fresh nemesis seeds (+2, ...), the rest strikes, mutants of the corpus or fresh seeds; with --corpus, the corpus is run first instead of the calm runs")
	seedStr := fs.String("seed", "0", "the explorer's own seed: the same seed and corpus give the same exploration")
	workers := fs.IntP("jobs", "j", runtime.GOMAXPROCS(0), "parallel runs (the result does not depend on it)")
	outDir := fs.String("out", ".", "directory for the schedules of failing runs")
	corpusDir := fs.String("corpus", "", "directory of corpus schedules: read at the start, and the new ones written there at the end (resumable)")
	stopAt := fs.Bool("stop-at-failure", false, "stop at the first failing run")
	maxFaults := fs.Int("max-faults", 0, "run only schedules of at most N faults (0: no cap): fresh runs are then calm ones with new world seeds, not nemesis seeds")
	format := fs.String("format", "text", "output format: text or json")
	quiet := fs.BoolP("quiet", "q", false, "no progress on stderr")
	a.addRunFlags(fs, &rf)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if _, err := a.scenarioArg(fs); err != nil {
		return exitUsage, err
	}
	seed, err := scenarios.ParseSeed(*seedStr)
	if err != nil {
		return exitUsage, usagef("--seed: %v", err)
	}
	if err := checkExploreFlags(*runs, *maxFaults, rf.faults); err != nil {
		return exitUsage, err
	}
	w, err := scenarios.ParseWorkers(*workers)
	if err != nil {
		return exitUsage, usagef("-j %v", err)
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	if err := makeDir("out", *outDir); err != nil {
		return exitUsage, err
	}
	sc, vals, opts, err := rf.prepare(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	corpus, err := corpusFrom(*corpusDir)
	if err != nil {
		return exitUsage, err
	}
	stop, unlisten := notifyInterrupt(stderr)
	defer unlisten()
	prog := newProgress(stderr, a.Name+" explore "+sc.Name, int64(*runs), *quiet)
	sum, err := scenarios.Explore(sc, vals, scenarios.ExploreOptions{
		Runs: *runs, Seed: seed, Workers: w, Corpus: corpus, StopAtFailure: *stopAt, MaxFaults: *maxFaults, Run: opts, Stop: stop,
		OnRun: func(_ int, _ scenarios.CorpusEntry, res *scenarios.Result, _ bool) { prog.add(res.Failed()) },
	})
	prog.finish()
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	j, err := writeFailures(sc, sum, seed, *outDir, opts)
	if err != nil {
		return exitFail, err
	}
	if *corpusDir != "" {
		if err := writeCorpus(*corpusDir, sc.Name, newEntries(sum.Corpus)); err != nil {
			return exitFail, fmt.Errorf("--corpus: %w", err)
		}
	}
	code := exitOK
	if len(j.Failures) > 0 {
		code = exitFail
	}
	return code, a.writeExplore(stdout, *format, sc, sum, j)
}

// writeExplore writes the exploration's report in format.
func (a *App) writeExplore(w io.Writer, format string, sc *scenarios.Scenario, sum *scenarios.ExploreSummary, j exploreJSON) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	a.printExplore(w, sc, sum, j)
	return nil
}

// corpusFrom reads --corpus DIR, or gives no corpus without it.
func corpusFrom(dir string) ([]scenarios.CorpusEntry, error) {
	if dir == "" {
		return nil, nil
	}
	corpus, err := readCorpus(dir)
	if err != nil {
		return nil, usagef("--corpus %v", err)
	}
	return corpus, nil
}

func checkExploreFlags(runs, maxFaults int, faultsFile string) error {
	if runs <= 0 {
		return usagef("--runs %d: want a count > 0", runs)
	}
	if maxFaults < 0 {
		return usagef("--max-faults %d: want a count of faults ≥ 0 (0: no cap)", maxFaults)
	}
	if faultsFile != "" {
		return usagef("--faults: explore draws and mutates its own schedules; start from a corpus with --corpus DIR")
	}
	return nil
}

// writeFailures writes each failing run's schedule to dir and returns the
// exploration's report.
func writeFailures(sc *scenarios.Scenario, sum *scenarios.ExploreSummary, seed uint64, dir string, opts scenarios.Options) (exploreJSON, error) {
	j := exploreJSON{Scenario: sum.Scenario, Params: sum.Params, Seed: sum.Seed, Runs: sum.Runs, Features: sum.Features, Corpus: len(sum.Corpus), Failures: []exploreFailJSON{}}
	for _, f := range sum.Failures {
		path := filepath.Join(dir, fmt.Sprintf("%s-explore%d-run%d.faults", sc.Name, seed, f.Run))
		text := fmt.Sprintf("# %s: explore seed %d, run %d (%s), world seed %d, status %s\n%s", sc.Name, seed, f.Run, f.Entry.Origin, f.Entry.Seed, f.Result.Status, f.Entry.Schedule)
		if err := outfile.Write(path, []byte(text)); err != nil {
			return j, fmt.Errorf("--out: %w", err)
		}
		j.Failures = append(j.Failures, exploreFailJSON{
			Run: f.Run, Seed: f.Entry.Seed, Status: f.Result.Status, Origin: f.Entry.Origin, Schedule: f.Entry.Lines,
			TraceHash: f.Result.TraceHash, Checks: f.Result.Checks, Out: path,
			Replay: opts.ReplayCommand(sc, sum.Values, f.Entry.Seed) + " --faults " + quoteArg(path),
		})
	}
	return j, nil
}

// printExplore prints the report as text: the summary line, then the
// first failure with its schedule, replay and shrink commands.
func (a *App) printExplore(w io.Writer, sc *scenarios.Scenario, sum *scenarios.ExploreSummary, j exploreJSON) {
	line := fmt.Sprintf("explore %s (explorer seed %d): %d runs, %d features, corpus %d, %d failures", sc.Name, j.Seed, j.Runs, j.Features, j.Corpus, len(j.Failures))
	if sum.Interrupted {
		line += ", INTERRUPTED"
	}
	fmt.Fprintln(w, line)
	if len(j.Failures) == 0 {
		return
	}
	f := j.Failures[0]
	fmt.Fprintf(w, "first failure: run %d (%s), world seed %d, status %s, trace_hash %s\n", f.Run, f.Origin, f.Seed, f.Status, f.TraceHash)
	for _, c := range f.Checks {
		if !c.OK {
			fmt.Fprintf(w, "  %s %s: %s\n", c.Outcome, c.Name, oneline.Clip(c.Detail, 300))
		}
	}
	// A heal, or a fault that changes nothing, is a line but no fault.
	n, noun := sum.Failures[0].Entry.Schedule.Count(), "faults"
	if n == 1 {
		noun = "fault"
	}
	fmt.Fprintf(w, "schedule (%d %s):\n", n, noun)
	for _, l := range f.Schedule {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "written to  %s\nreplay      %s\n", f.Out, f.Replay)
	fmt.Fprintf(w, "shrink it   %s shrink %s --seed %d --faults %s%s\n", a.Name, sc.Name, f.Seed, quoteArg(f.Out), setFlags(sum.Values, sc))
}

// setFlags returns the --set flags of v that differ from s's defaults.
func setFlags(v scenarios.Values, s *scenarios.Scenario) string {
	r := scenarios.ReplayCommand(s, v, 0)
	_, rest, _ := strings.Cut(r, " --seed 0")
	return rest
}

// readCorpus reads the schedules in dir, one per *.faults file whose
// first line is "# seed N".
func readCorpus(dir string) ([]scenarios.CorpusEntry, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.faults"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []scenarios.CorpusEntry
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		first, _, _ := strings.Cut(string(b), "\n")
		s, ok := strings.CutPrefix(first, "# seed ")
		if !ok {
			return nil, fmt.Errorf("%s: line 1: want \"# seed N\"", n)
		}
		seed, err := strconv.ParseUint(strings.Fields(s + " ")[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: line 1: %v", n, err)
		}
		sched, err := faults.ParseFile(n, string(b), 0)
		if err != nil {
			return nil, err
		}
		out = append(out, scenarios.CorpusEntry{Seed: seed, Schedule: sched})
	}
	return out, nil
}

// newEntries returns the corpus entries this exploration added: not the
// ones read from --corpus, which are kept again only if they were new
// (fewer of them are run when --runs is smaller than the corpus).
func newEntries(corpus []scenarios.CorpusEntry) []scenarios.CorpusEntry {
	var out []scenarios.CorpusEntry
	for _, e := range corpus {
		if e.Origin != "corpus" {
			out = append(out, e)
		}
	}
	return out
}

// writeCorpus writes entries to dir, after those already there.
func writeCorpus(dir, name string, entries []scenarios.CorpusEntry) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	have, _ := filepath.Glob(filepath.Join(dir, "*.faults"))
	for i, e := range entries {
		path := filepath.Join(dir, fmt.Sprintf("%s-%05d.faults", name, len(have)+i))
		text := fmt.Sprintf("# seed %d (%s): %s\n%s", e.Seed, e.Origin, strings.Join(e.Features, " "), e.Schedule)
		if err := outfile.Write(path, []byte(text)); err != nil {
			return err
		}
	}
	return nil
}
