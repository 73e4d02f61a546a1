package cli

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/isolate"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/scenarios/report"
)

func init() {
	commands["compare"] = &command{summary: "compare configurations over the same seeds, with confidence intervals", run: (*App).runCompare}
}

const compareSynopsis = "compare SCENARIO --vary key=v1,v2 [--vary ...] --seeds N|A-B [--set key=value ...] [--format table|markdown|csv|json] [--metrics a,b] [--baseline key=v,...] [--plot FILE.svg|.png] [--out FILE] [-j N] [--quiet]"

// compareJob is one compare command: its flags, parsed once into types,
// then what each step derives from them.
type compareJob struct {
	a                  *App
	rf                 runFlags
	iso                isolateFlags
	varies, baselines  []string
	seedsText, format  string
	metricsText        string
	percentiles, quiet bool
	plotPath, outPath  string
	workersFlag        int

	seeds    scenarios.SeedRange
	workers  int
	vary     []scenarios.Vary
	sc       *scenarios.Scenario
	opts     scenarios.Options
	configs  []scenarios.Config
	keys     []string
	baseline int
	metrics  []string
	pool     *isolate.Pool
	isolated func(scenarios.Values, uint64) *scenarios.Result
}

func (a *App) runCompare(args []string, stdout, stderr io.Writer) (int, error) {
	c := &compareJob{a: a, baseline: -1}
	fs := c.flags(stdout)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := c.check(fs); err != nil {
		return exitUsage, err
	}
	var err error
	if c.sc, _, c.opts, err = c.rf.prepare(fs.Arg(0)); err != nil {
		return exitUsage, err
	}
	defer softMemoryLimit(c.rf.maxMemory)()
	if err := c.configure(); err != nil {
		return exitUsage, err
	}
	if c.pool, err = a.startWorkers(&c.iso, c.sc, c.opts, c.plotPath != ""); err != nil {
		return exitCode(err), err
	}
	if c.pool != nil {
		defer c.pool.Close()
		c.isolated = c.pool.Exec
	}
	if err := c.probe(); err != nil {
		return exitUsage, err
	}
	cmp, err := c.compare(stderr)
	if err != nil {
		return exitUsage, err
	}
	if cmp.SeedsDone == 0 {
		fmt.Fprintf(stderr, "%s compare: interrupted before any seed finished for every row\n", a.Name)
		return exitInterrupted, nil
	}
	return c.write(cmp, stdout, stderr)
}

// flags declares the command's flags into c.
func (c *compareJob) flags(stdout io.Writer) *pflag.FlagSet {
	fs := c.a.newFlags("compare", compareSynopsis, stdout)
	fs.StringArrayVar(&c.varies, "vary", nil, "a parameter and its values, key=v1,v2 (repeatable: rows are the cartesian product; separate values with ';' when they contain commas)")
	fs.StringVar(&c.seedsText, "seeds", "", "seeds every row runs: N (0 to N-1) or A-B (both included); required")
	fs.StringVar(&c.format, "format", "table", "output format: "+strings.Join(report.Formats, ", "))
	fs.StringVar(&c.metricsText, "metrics", "", "metric columns, comma-separated (default: the scenario's request metrics); 'all' for every one")
	fs.StringArrayVar(&c.baselines, "baseline", nil, "compare every row to the row with these varied values, key=v[,key=v] (seed by seed)")
	fs.BoolVar(&c.percentiles, "percentiles", false, "add p50 and p99 across seeds to table and markdown output")
	fs.StringVar(&c.plotPath, "plot", "", "draw the scenario's time series, one line per row averaged over seeds, to FILE.svg or FILE.png")
	fs.StringVar(&c.outPath, "out", "", "write the report to FILE instead of stdout")
	fs.IntVarP(&c.workersFlag, "jobs", "j", 0, "parallel workers (0: GOMAXPROCS)")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "no progress on stderr")
	c.a.addRunFlags(fs, &c.rf)
	addIsolateFlags(fs, &c.iso)
	return fs
}

// check validates the flags that need no scenario.
func (c *compareJob) check(fs *pflag.FlagSet) error {
	if _, err := c.a.scenarioArg(fs); err != nil {
		return err
	}
	if !slices.Contains(report.Formats, c.format) {
		return usagef("--format %q: accepted: %s", c.format, strings.Join(report.Formats, ", "))
	}
	if c.seedsText == "" {
		return usagef("--seeds is required: N (0 to N-1) or A-B (both included)")
	}
	var err error
	if c.seeds, err = scenarios.ParseSeedRange(c.seedsText); err != nil {
		return usagef("--%v", err)
	}
	if c.workers, err = scenarios.ParseWorkers(c.workersFlag); err != nil {
		return usagef("%v", err)
	}
	if c.plotPath != "" {
		if err := report.CheckPlotPath(c.plotPath); err != nil {
			return usagef("%v", err)
		}
		if err := checkOutPath("plot", c.plotPath); err != nil {
			return err
		}
	}
	if c.outPath != "" {
		if err := checkOutPath("out", c.outPath); err != nil {
			return err
		}
	}
	for _, s := range c.varies {
		v, err := scenarios.ParseVary(s)
		if err != nil {
			return usagef("%v", err)
		}
		c.vary = append(c.vary, v)
	}
	return nil
}

// configure builds the rows and finds the baseline row.
func (c *compareJob) configure() error {
	var err error
	if c.configs, err = scenarios.Configs(c.sc, c.rf.params, c.vary); err != nil {
		return usagef("%v", err)
	}
	c.keys = scenarios.VaryKeys(c.vary)
	if len(c.baselines) > 0 {
		want, err := parseBaseline(c.baselines)
		if err != nil {
			return err
		}
		if c.baseline, err = scenarios.FindConfig(c.configs, c.keys, want); err != nil {
			return usagef("%v", err)
		}
	}
	return nil
}

// probe runs one seed of the first row, which tells the metrics and
// series the scenario records, so that a bad --metrics or --plot fails
// now rather than after the whole comparison.
func (c *compareJob) probe() error {
	var probe *scenarios.Result
	if c.isolated != nil {
		probe = c.isolated(c.configs[0].Values, c.seeds.First)
	} else {
		probe = scenarios.Execute(c.sc, c.configs[0].Values, c.seeds.First, c.opts)
	}
	if probe.Status == scenarios.StatusBadInput {
		return usagef("%s", probe.Error)
	}
	if c.plotPath != "" && len(probe.Series) == 0 {
		return usagef("--plot %s: scenario %s records no time series (accepted: a scenario that does, e.g. retry-storm)", c.plotPath, c.sc.Name)
	}
	if c.metricsText != "" && c.metricsText != "all" {
		var err error
		if c.metrics, err = pickMetrics(c.metricsText, probe.Metrics); err != nil {
			return err
		}
	}
	return nil
}

// compare runs every row on every seed, with progress on stderr. A row
// that the scenario refuses once running is bad input.
func (c *compareJob) compare(stderr io.Writer) (*scenarios.Comparison, error) {
	total := int64(c.seeds.Count) * int64(len(c.configs))
	prog := newProgress(stderr, c.a.Name+" compare "+c.sc.Name, total, c.quiet)
	stop, release := notifyInterrupt(stderr)
	defer release()
	var badInput *scenarios.Result
	cmp := scenarios.Compare(c.sc, scenarios.CompareOptions{
		Configs: c.configs, Varied: c.keys, Seeds: c.seeds, Workers: c.workers, Run: c.opts, Stop: stop,
		Exec: c.isolated,
		OnRun: func(r *scenarios.Result) {
			if r.Status == scenarios.StatusBadInput && badInput == nil {
				badInput = r
			}
			prog.add(r.Failed())
		},
	})
	if c.pool != nil {
		c.pool.Close() // at once: after Ctrl-C, workers may still be running abandoned worlds
	}
	prog.finish()
	if badInput != nil {
		return nil, usagef("--vary: %s %s: %s", c.sc.Name, scenarios.FormatParams(varied(badInput.Params, c.keys)), badInput.Error)
	}
	switch {
	case c.metricsText == "all":
		c.metrics = cmp.Metrics()
	case c.metrics == nil:
		c.metrics = scenarios.DefaultMetrics(cmp.Metrics())
	}
	return cmp, nil
}

// write writes the report and the plot, whole or not at all, and says
// how many runs failed.
func (c *compareJob) write(cmp *scenarios.Comparison, stdout, stderr io.Writer) (int, error) {
	var buf bytes.Buffer
	if err := report.Compare(&buf, cmp, c.format, report.Options{Metrics: c.metrics, Baseline: c.baseline, Percentiles: c.percentiles}); err != nil {
		return exitFail, err
	}
	if c.outPath != "" && !cmp.Interrupted {
		if err := outfile.Write(c.outPath, buf.Bytes()); err != nil {
			return exitFail, fmt.Errorf("--out: %w", err)
		}
	} else if _, err := stdout.Write(buf.Bytes()); err != nil {
		return exitFail, err
	}
	if c.plotPath != "" && !cmp.Interrupted {
		if err := report.Plot(c.plotPath, c.sc.Name, report.LinesOf(cmp)); err != nil {
			return exitFail, err
		}
	}
	failed := 0
	for _, row := range cmp.Rows {
		failed += row.Failures
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "%s compare: %d of %d runs failed a check; %s\n", c.a.Name, failed, cmp.SeedsDone*len(cmp.Rows), firstFailedReplay(c.sc, cmp, c.opts))
	}
	switch {
	case cmp.Interrupted:
		return exitInterrupted, nil
	case failed > 0:
		return exitFail, nil
	}
	return exitOK, nil
}

func firstFailedReplay(sc *scenarios.Scenario, c *scenarios.Comparison, opts scenarios.Options) string {
	for _, row := range c.Rows {
		if len(row.FailedSeeds) > 0 {
			replay := opts.ReplayCommand(sc, row.Values, row.FailedSeeds[0]) + scenarios.LimitFlags(opts.Limits)
			if opts.FaultsFile != "" {
				replay += " --faults " + opts.FaultsFile
			}
			return "replay one: " + replay
		}
	}
	return ""
}

// parseBaseline parses --baseline key=v[,key=v]: a piece without '='
// belongs to the value before it (values may hold commas).
func parseBaseline(args []string) (map[string]string, error) {
	want := map[string]string{}
	for _, a := range args {
		var pieces []string
		for _, p := range strings.Split(a, ",") {
			if !strings.Contains(p, "=") && len(pieces) > 0 {
				pieces[len(pieces)-1] += "," + p
				continue
			}
			pieces = append(pieces, p)
		}
		for _, p := range pieces {
			k, v, ok := strings.Cut(p, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, usagef("--baseline %q: want key=value[,key=value] with varied parameters", a)
			}
			want[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return want, nil
}

// pickMetrics parses --metrics against the metrics a run recorded.
func pickMetrics(s string, have map[string]float64) ([]string, error) {
	var out []string
	for _, m := range strings.Split(s, ",") {
		m = strings.TrimSpace(m)
		if _, ok := have[m]; !ok {
			names := make([]string, 0, len(have))
			for k := range have {
				names = append(names, k)
			}
			slices.Sort(names)
			return nil, usagef("--metrics: unknown metric %q (accepted: %s)", m, strings.Join(names, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// varied returns the varied keys of params.
func varied(params map[string]string, keys []string) map[string]string {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = params[k]
	}
	return out
}
