package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/results"
	"github.com/spf13/pflag"
)

func init() {
	commands["sweep"] = &command{summary: "run a scenario over a range of seeds, in parallel", run: (*App).runSweep}
}

// sweepSynopsis is the usage line of sweep.
const sweepSynopsis = "sweep SCENARIO --seeds A-B [--set key=value ...] [-j N] [--isolate] [--check-determinism] [--fail-fast] [--out FILE.jsonl [--resume]] [--shard i/n] [--report FILE.html] [--format text|json] [--quiet]"

// sweepJob is one sweep command: its flags, parsed once into types, then
// what each step derives from them.
type sweepJob struct {
	a                       *App
	rf                      runFlags
	iso                     isolateFlags
	rp                      *reportFlag
	seedsText, shardText    string
	outPath, format         string
	workersFlag             int
	failFast, resume, quiet bool

	seeds   scenarios.SeedRange
	workers int
}

func (a *App) runSweep(args []string, stdout, stderr io.Writer) (int, error) {
	j := &sweepJob{a: a}
	fs := j.flags(stdout)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := j.check(fs); err != nil {
		return exitUsage, err
	}
	sc, vals, opts, err := j.rf.prepare(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	if err := j.rp.check(); err != nil {
		return exitUsage, err
	}
	defer softMemoryLimit(j.rf.maxMemory)()
	// Listen for Ctrl-C before reading a stream to resume, which may take
	// a while: a Ctrl-C then ends the sweep with its summary.
	stop, release := notifyInterrupt(stderr)
	defer release()
	isolated, stopWorkers, err := a.isolation(&j.iso, sc, vals, opts)
	if err != nil {
		return exitCode(err), err
	}
	defer stopWorkers()
	var stream *results.Stream
	var done []*scenarios.Result
	if j.outPath != "" {
		stream, done, err = results.Open(j.outPath, sc.Name, vals.Map(), results.OpenOptions{Resume: j.resume, Read: readResults})
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		defer stream.Close()
	}
	prog := newProgress(stderr, a.Name+" sweep "+sc.Name, j.todo(done), j.quiet)
	sum, err := scenarios.Sweep(sc, vals, scenarios.SweepOptions{
		Seeds: j.seeds, Workers: j.workers, FailFast: j.failFast, Done: done, Run: opts, Stop: stop,
		Exec: isolated,
		OnResult: func(r *scenarios.Result) error {
			if r.Status == scenarios.StatusBadInput {
				// Every seed would say the same: stop, and exit 2.
				return usagef("%s", r.Error)
			}
			prog.add(r.Failed())
			if stream != nil {
				return stream.Write(r)
			}
			return nil
		},
	})
	stopWorkers() // at once: after Ctrl-C, workers may still be running abandoned worlds
	prog.finish()
	if code, err := j.finish(stream, sum, err, stdout); code != exitOK || err != nil {
		return code, err
	}
	if f := sum.FirstFailure; f != nil {
		if err := j.rp.rerun(stderr, a.Name+" sweep", sc, vals, f.Seed, opts, f.TraceHash); err != nil {
			return exitFail, err
		}
	}
	return sweepStatus(sum), nil
}

// flags declares the command's flags into j.
func (j *sweepJob) flags(stdout io.Writer) *pflag.FlagSet {
	a := j.a
	fs := a.newFlags("sweep", sweepSynopsis, stdout)
	fs.StringVar(&j.seedsText, "seeds", "", "seeds to run: A-B (both included) or N (0 to N-1); required")
	fs.IntVarP(&j.workersFlag, "jobs", "j", 0, "parallel workers (0: GOMAXPROCS)")
	fs.BoolVar(&j.failFast, "fail-fast", false, "stop at the lowest failing seed (with any -j: every seed up to it is run and reported)")
	fs.StringVar(&j.outPath, "out", "", "append each result to FILE as a JSON line, as runs finish, in seed order")
	fs.BoolVar(&j.resume, "resume", false, "continue the sweep in --out: skip the seeds it holds (it must be of the same scenario and parameters)")
	fs.StringVar(&j.shardText, "shard", "", "run only part i of n of the seeds (0 ≤ i < n), e.g. 0/4; join the outputs with '"+a.Name+" merge'")
	fs.StringVar(&j.format, "format", "text", "output format: text or json")
	fs.BoolVarP(&j.quiet, "quiet", "q", false, "no progress on stderr")
	j.rp = addReportFlag(fs, "the first failing seed")
	a.addRunFlags(fs, &j.rf)
	addIsolateFlags(fs, &j.iso)
	return fs
}

// check validates the flags that need no scenario.
func (j *sweepJob) check(fs *pflag.FlagSet) error {
	if _, err := j.a.scenarioArg(fs); err != nil {
		return err
	}
	if err := oneOf("format", j.format, "text", "json"); err != nil {
		return err
	}
	if j.seedsText == "" {
		return usagef("--seeds is required: A-B (both included) or N (0 to N-1)")
	}
	var err error
	if j.seeds, err = scenarios.ParseSeedRange(j.seedsText); err != nil {
		return usagef("--%v", err)
	}
	if j.workers, err = scenarios.ParseWorkers(j.workersFlag); err != nil {
		return usagef("%v", err)
	}
	if j.shardText != "" {
		i, n, err := scenarios.ParseShard(j.shardText)
		if err != nil {
			return usagef("--%v", err)
		}
		j.seeds = j.seeds.Shard(i, n)
	}
	if j.resume && j.outPath == "" {
		return usagef("--resume needs --out FILE, the stream to continue")
	}
	return nil
}

// todo is how many seeds are left to run once done are resumed.
func (j *sweepJob) todo(done []*scenarios.Result) int64 {
	todo := int64(j.seeds.Count)
	for _, r := range done {
		if j.seeds.Contains(r.Seed) {
			todo--
		}
	}
	return todo
}

// finish closes the stream and prints the summary. A sweep refused for
// bad input leaves no stream behind; one whose stream could not be
// written still prints what ran.
func (j *sweepJob) finish(stream *results.Stream, sum *scenarios.SweepSummary, err error, stdout io.Writer) (int, error) {
	if stream != nil {
		if cerr := stream.Close(); err == nil {
			err = cerr
		}
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if stream != nil {
			stream.Discard()
		}
		return exitUsage, err
	}
	if err != nil {
		// The stream could not be written (a full disk): the summary still
		// tells what ran; the stream holds what was written before.
		if perr := printSweep(stdout, sum, j.format); perr != nil {
			err = errors.Join(err, perr)
		}
		return exitFail, fmt.Errorf("--out %s: %w (the sweep stopped there; the summary above counts the runs that finished; free space and add --resume to finish it)", j.outPath, err)
	}
	if err := printSweep(stdout, sum, j.format); err != nil {
		return exitFail, err
	}
	return exitOK, nil
}

func sweepStatus(sum *scenarios.SweepSummary) int {
	switch {
	case sum.Interrupted:
		return exitInterrupted
	case len(sum.Failed) > 0:
		return exitFail
	}
	return exitOK
}

// printSweep writes a sweep summary as text or JSON.
func printSweep(w io.Writer, sum *scenarios.SweepSummary, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(sum)
	}
	line := fmt.Sprintf("sweep %s seeds %s: %d runs, %d failed (%s)", sum.Scenario, sum.Seeds, sum.Runs, len(sum.Failed), statusCounts(sum.Statuses))
	if sum.Resumed > 0 {
		line += fmt.Sprintf(", %d resumed from --out", sum.Resumed)
	}
	if sum.FailFast && sum.FirstFailure != nil {
		line += ", stopped at the first failure (--fail-fast)"
	}
	if sum.Interrupted {
		line += ", INTERRUPTED"
	}
	fmt.Fprintln(w, line)
	if never := sum.NeverTrue(); len(never) > 0 {
		fmt.Fprintf(w, "never true in any run (sometimes, reachable): %s\n", strings.Join(never, ", "))
	}
	if len(sum.Failed) == 0 {
		return nil
	}
	fmt.Fprintf(w, "failed seeds: %s\n", results.SeedList(sum.Failed, 20))
	f := sum.FirstFailure
	if f.TraceHash != "" {
		fmt.Fprintf(w, "first failure: seed %d, status %s, trace_hash %s\n", f.Seed, f.Status, f.TraceHash)
	} else { // a crash in a worker process: the run never finished
		fmt.Fprintf(w, "first failure: seed %d, status %s\n", f.Seed, f.Status)
	}
	if f.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", f.Error)
	}
	for _, c := range f.Checks {
		if !c.OK {
			line := fmt.Sprintf("  %s %s", c.Outcome, c.Name)
			if c.Detail != "" {
				line += ": " + oneline.Clip(c.Detail, 300)
			}
			fmt.Fprintln(w, line)
		}
	}
	_, err := fmt.Fprintf(w, "replay: %s\n", f.Replay)
	return err
}

func statusCounts(m map[string]int) string {
	var parts []string
	known := []string{scenarios.StatusOK, scenarios.StatusFail, scenarios.StatusUnknown, scenarios.StatusLimit, scenarios.StatusPanic}
	for _, s := range known {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, m[s]))
		}
	}
	for _, s := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, s) && m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, m[s]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// readResults reads a stream to resume; tests replace it.
var readResults = scenarios.ReadResults
