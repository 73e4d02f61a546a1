package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/scenarios/report"
	"github.com/faultline/faultline/sim"
)

func init() {
	commands["run"] = &command{summary: "run one scenario for one seed", run: (*App).runRun}
}

// runFlags are the flags shared by every command that runs scenarios.
type runFlags struct {
	set        []string
	maxEvents  uint64
	maxTime    time.Duration
	maxPending int
	maxWall    time.Duration
	maxMemory  byteSize
	faults     string
	determin   bool
	// params holds, once prepare has run, the --set values, plus the
	// schedule of --faults for a scenario that takes it as a parameter.
	params map[string]string
	app    *App
}

func (a *App) addRunFlags(fs *pflag.FlagSet, rf *runFlags) {
	rf.app = a
	fs.StringArrayVar(&rf.set, "set", nil, "set a scenario parameter, key=value (repeatable; see '"+a.Name+" list SCENARIO')")
	fs.Uint64Var(&rf.maxEvents, "max-events", sim.DefaultLimits.MaxEvents, "end a run as 'limit' after this many events")
	fs.DurationVar(&rf.maxTime, "max-time", time.Duration(sim.DefaultLimits.MaxTime), "end a run as 'limit' past this simulated time")
	fs.IntVar(&rf.maxPending, "max-pending", sim.DefaultLimits.MaxPending, "end a run as 'limit' with more pending events than this")
	fs.DurationVar(&rf.maxWall, "max-wall", 5*time.Minute, "end a run as 'limit' after this much wall-clock time (0: none)")
	rf.maxMemory = defaultMaxMemory
	fs.Var(&rf.maxMemory, "max-memory", "end a run as 'limit' when the heap grows past this size, e.g. 512MiB (0: none)")
	fs.StringVar(&rf.faults, "faults", "", "apply the fault schedule in FILE, one fault per line (see docs/faults.md)")
	fs.BoolVar(&rf.determin, "check-determinism", false, "execute every run twice and compare trace hashes; a difference is status 'nondeterministic', with the first event where the runs part and both traces")
}

// prepare validates the scenario and the run flags.
func (rf *runFlags) prepare(name string) (*scenarios.Scenario, scenarios.Values, scenarios.Options, error) {
	a := rf.app
	set := map[string]string{}
	for _, s := range rf.set {
		k, v, err := scenarios.ParseSet(s)
		if err != nil {
			return nil, scenarios.Values{}, scenarios.Options{}, usagef("%v", err)
		}
		set[k] = v
	}
	if err := expandLoadFile(set); err != nil {
		return nil, scenarios.Values{}, scenarios.Options{}, err
	}
	sc, vals, err := a.catalog.Prepare(name, set)
	if err != nil {
		return nil, scenarios.Values{}, scenarios.Options{}, usagef("%v", err)
	}
	switch {
	case rf.maxEvents == 0:
		return nil, vals, scenarios.Options{}, usagef("--max-events 0: want a count > 0")
	case rf.maxTime <= 0:
		return nil, vals, scenarios.Options{}, usagef("--max-time %v: want a duration > 0", rf.maxTime)
	case rf.maxPending <= 0:
		return nil, vals, scenarios.Options{}, usagef("--max-pending %d: want a count > 0", rf.maxPending)
	case rf.maxWall < 0:
		return nil, vals, scenarios.Options{}, usagef("--max-wall %v: want a duration ≥ 0", rf.maxWall)
	}
	opts := scenarios.Options{
		Limits:           sim.Limits{MaxEvents: rf.maxEvents, MaxTime: sim.Time(rf.maxTime), MaxPending: rf.maxPending},
		WallLimit:        rf.maxWall,
		MemoryLimit:      uint64(rf.maxMemory),
		Program:          a.Name,
		CheckDeterminism: rf.determin,
	}
	if rf.faults != "" {
		text, err := readBounded(rf.faults, maxFaultsFileBytes)
		if err != nil {
			return nil, vals, scenarios.Options{}, usagef("--faults %s: %v", rf.faults, err)
		}
		// Parse once, here; node names are checked against the cluster
		// size when the scenario builds its cluster (StatusBadInput).
		sched, err := faults.ParseFile(rf.faults, string(text), 0)
		if err != nil {
			return nil, vals, scenarios.Options{}, usagef("--faults %v", err)
		}
		opts.Schedule, opts.FaultsFile = sched, rf.faults
		if slices.ContainsFunc(sc.Declared(), func(p scenarios.Param) bool { return p.Name == scenarios.FaultsParam }) {
			// The scenario takes its schedule as a parameter rather than
			// through Run.NewCluster: hand the file over that way, and the
			// replay command carries the schedule inline.
			set[scenarios.FaultsParam] = scenarios.ScheduleParam(sched)
			if sc, vals, err = a.catalog.Prepare(name, set); err != nil {
				return nil, vals, scenarios.Options{}, usagef("--faults %s: %v", rf.faults, err)
			}
			opts.Schedule, opts.FaultsFile = nil, ""
		}
	}
	rf.params = set
	return sc, vals, opts, nil
}

// maxFaultsFileBytes bounds a --faults file: room for faults.MaxFaults
// lines of about 160 bytes.
const maxFaultsFileBytes = 16 << 20

// readBounded reads the file at path, refusing one longer than limit
// bytes without reading past it (a device such as /dev/zero never ends).
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, oneline.Cause(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, oneline.Cause(err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("longer than %s (want a schedule of at most %d faults)", scenarios.FormatBytes(uint64(limit)), faults.MaxFaults)
	}
	return b, nil
}

func (a *App) runRun(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("run", "run SCENARIO [--seed N] [--set key=value ...] [--format text|json] [--faults FILE] [--trace FILE [--trace-format jsonl|perfetto]]", stdout)
	var rf runFlags
	seedStr := fs.String("seed", "0", "the run's seed (a non-negative integer; seed ranges start at 0 too)")
	format := fs.String("format", "text", "output format: text or json")
	plotPath := fs.String("plot", "", "draw the run's time series (goodput, latency p99, queue length, breaker state) to FILE.svg or FILE.png")
	var tr traceOut
	fs.StringVar(&tr.path, "trace", "", "write the trace to FILE (see --trace-format)")
	fs.StringVar(&tr.format, "trace-format", "jsonl", "trace format: jsonl (one JSON object per line) or perfetto (Chrome Trace Event JSON for ui.perfetto.dev)")
	artifacts := fs.String("artifacts", ".", "directory for files checks write on failure (e.g. visualizations); created if missing")
	rp := addReportFlag(fs, "the run")
	a.addRunFlags(fs, &rf)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if _, err := a.scenarioArg(fs); err != nil {
		return exitUsage, err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	if err := checkPlotFlag(*plotPath); err != nil {
		return exitUsage, err
	}
	if err := tr.check(fs.Changed("trace-format")); err != nil {
		return exitUsage, err
	}
	if err := makeDir("artifacts", *artifacts); err != nil {
		return exitUsage, err
	}
	if err := rp.check(); err != nil {
		return exitUsage, err
	}
	seed, err := scenarios.ParseSeed(*seedStr)
	if err != nil {
		return exitUsage, usagef("--seed: %v", err)
	}
	sc, vals, opts, err := rf.prepare(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	defer softMemoryLimit(rf.maxMemory)()
	opts.ArtifactDir = *artifacts
	if err := tr.open(&opts); err != nil {
		return exitUsage, err
	}
	defer tr.abort()
	rec := rp.attach(&opts, *plotPath != "")
	res := scenarios.Execute(sc, vals, seed, opts)
	if res.Status == scenarios.StatusBadInput {
		return exitUsage, usagef("%s", res.Error) // the trace file is not written
	}
	if err := tr.commit(); err != nil {
		return exitFail, err
	}
	if err := rp.write(res, rec); err != nil {
		return exitFail, err
	}
	if *plotPath != "" {
		res.Series = plotSeries(res, rec)
		if len(res.Series) == 0 {
			fmt.Fprintf(stderr, "%s run: --plot: scenario %s records no time series; no plot written\n", a.Name, sc.Name)
		} else if err := report.Plot(*plotPath, fmt.Sprintf("%s seed %d", sc.Name, seed), []report.Line{report.RunLine(res)}); err != nil {
			return exitFail, err
		}
	}
	if err := writeResult(stdout, res, *format); err != nil {
		return exitFail, err
	}
	if res.Failed() {
		return exitFail, nil
	}
	return exitOK, nil
}

// checkPlotFlag checks --plot FILE: its extension, and that it can be
// written.
func checkPlotFlag(path string) error {
	if path == "" {
		return nil
	}
	if err := report.CheckPlotPath(path); err != nil {
		return usagef("%v", err)
	}
	return checkOutPath("plot", path)
}

// traceOut is run's --trace: the file, written whole or not at all, and
// the sink that fills it.
type traceOut struct {
	path, format string
	file         *outfile.File
	jsonl        *sim.JSONLSink
	perfetto     *sim.PerfettoSink
}

func (t *traceOut) check(formatGiven bool) error {
	if err := oneOf("trace-format", t.format, "jsonl", "perfetto"); err != nil {
		return err
	}
	if t.path != "" {
		return checkOutPath("trace", t.path)
	}
	if formatGiven {
		return usagef("--trace-format %s needs --trace FILE, the file to write", t.format)
	}
	return nil
}

// open creates the file and sets opts.Sink, if --trace is given.
func (t *traceOut) open(opts *scenarios.Options) error {
	if t.path == "" {
		return nil
	}
	var err error
	if t.file, err = outfile.Create(t.path); err != nil {
		return usagef("--trace: %v", err)
	}
	if t.format == "perfetto" {
		t.perfetto = sim.NewPerfettoSink()
		opts.Sink = t.perfetto
	} else {
		t.jsonl = sim.NewJSONLSink(t.file)
		opts.Sink = t.jsonl
	}
	return nil
}

// commit writes out what the sink holds and puts the file in place.
func (t *traceOut) commit() error {
	if t.file == nil {
		return nil
	}
	var err error
	if t.jsonl != nil {
		err = t.jsonl.Flush()
	} else {
		_, err = t.perfetto.WriteTo(t.file)
	}
	if err == nil {
		err = t.file.Commit()
	}
	if err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	return nil
}

// abort removes a trace that was not committed.
func (t *traceOut) abort() {
	if t.file != nil {
		t.file.Abort()
	}
}

// writeResult prints a run's result as text or indented JSON.
func writeResult(w io.Writer, res *scenarios.Result, format string) error {
	if format != "json" {
		printResult(w, res)
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "->" in details readable
	return enc.Encode(res)
}

func printResult(w io.Writer, r *scenarios.Result) {
	fmt.Fprintf(w, "scenario    %s\nseed        %d\nstatus      %s\n", r.Scenario, r.Seed, r.Status)
	fmt.Fprintf(w, "sim_time    %v\nevents      %d\ntrace_hash  %s\n", time.Duration(r.SimTimeNs), r.Events, r.TraceHash)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note        %s\n", n)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error       %s\n", r.Error)
	}
	fmt.Fprintln(w, "metrics:")
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		fmt.Fprintf(w, "  %-30s %s\n", k, formatNumber(r.Metrics[k]))
	}
	if len(r.Checks) > 0 {
		fmt.Fprintln(w, "checks:")
	}
	for _, c := range r.Checks {
		line := fmt.Sprintf("  %-8s %s", c.Outcome, c.Name)
		if c.Detail != "" {
			line += ": " + c.Detail
		}
		if c.Artifact != "" && !strings.Contains(c.Detail, c.Artifact) {
			line += " (see " + c.Artifact + ")"
		}
		fmt.Fprintln(w, line)
	}
	if r.Stack != "" {
		fmt.Fprintf(w, "stack:\n%s\n", r.Stack)
	}
	fmt.Fprintf(w, "replay      %s\n", r.Replay)
}

func formatNumber(v float64) string {
	if v == float64(int64(v)) && v < 1e15 && v > -1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}
