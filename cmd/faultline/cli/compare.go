package cli

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/scenarios/report"
)

func init() {
	commands["compare"] = &command{summary: "compare configurations over the same seeds, with confidence intervals", run: (*App).runCompare}
}

const compareSynopsis = "compare SCENARIO --vary key=v1,v2 [--vary ...] --seeds N|A-B [--set key=value ...] [--format table|markdown|csv|json] [--metrics a,b] [--baseline key=v,...] [--plot FILE.svg|.png] [--out FILE] [-j N] [--quiet]"

func (a *App) runCompare(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("compare", compareSynopsis, stdout)
	var rf runFlags
	var varies, baselines []string
	fs.StringArrayVar(&varies, "vary", nil, "a parameter and its values, key=v1,v2 (repeatable: rows are the cartesian product; separate values with ';' when they contain commas)")
	seedsStr := fs.String("seeds", "", "seeds every row runs: N (0 to N-1) or A-B (both included); required")
	format := fs.String("format", "table", "output format: "+strings.Join(report.Formats, ", "))
	metricsStr := fs.String("metrics", "", "metric columns, comma-separated (default: the scenario's request metrics); 'all' for every one")
	fs.StringArrayVar(&baselines, "baseline", nil, "compare every row to the row with these varied values, key=v[,key=v] (seed by seed)")
	percentiles := fs.Bool("percentiles", false, "add p50 and p99 across seeds to table and markdown output")
	plotPath := fs.String("plot", "", "draw the scenario's time series, one line per row averaged over seeds, to FILE.svg or FILE.png")
	outPath := fs.String("out", "", "write the report to FILE instead of stdout")
	workers := fs.IntP("jobs", "j", 0, "parallel workers (0: GOMAXPROCS)")
	quiet := fs.BoolP("quiet", "q", false, "no progress on stderr")
	a.addRunFlags(fs, &rf)
	var iso isolateFlags
	addIsolateFlags(fs, &iso)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if _, err := a.scenarioArg(fs); err != nil {
		return exitUsage, err
	}
	if !slices.Contains(report.Formats, *format) {
		return exitUsage, usagef("--format %q: accepted: %s", *format, strings.Join(report.Formats, ", "))
	}
	if *seedsStr == "" {
		return exitUsage, usagef("--seeds is required: N (0 to N-1) or A-B (both included)")
	}
	seeds, err := scenarios.ParseSeedRange(*seedsStr)
	if err != nil {
		return exitUsage, usagef("--%v", err)
	}
	j, err := scenarios.ParseWorkers(*workers)
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	if *plotPath != "" {
		if err := report.CheckPlotPath(*plotPath); err != nil {
			return exitUsage, usagef("%v", err)
		}
		if err := checkOutPath("plot", *plotPath); err != nil {
			return exitUsage, err
		}
	}
	if *outPath != "" {
		if err := checkOutPath("out", *outPath); err != nil {
			return exitUsage, err
		}
	}
	var vary []scenarios.Vary
	for _, s := range varies {
		v, err := scenarios.ParseVary(s)
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		vary = append(vary, v)
	}
	sc, _, opts, err := rf.prepare(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	defer softMemoryLimit(rf.maxMemory)()
	configs, err := scenarios.Configs(sc, rf.params, vary)
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	keys := scenarios.VaryKeys(vary)
	baseline := -1
	if len(baselines) > 0 {
		want, err := parseBaseline(baselines)
		if err != nil {
			return exitUsage, err
		}
		if baseline, err = scenarios.FindConfig(configs, keys, want); err != nil {
			return exitUsage, usagef("%v", err)
		}
	}
	// One probe run tells which metrics the scenario records, so that a
	// bad --metrics fails now rather than after the whole comparison.
	pool, err := a.startWorkers(&iso, sc, opts, *plotPath != "")
	if err != nil {
		return exitCode(err), err
	}
	var isolated func(scenarios.Values, uint64) *scenarios.Result
	if pool != nil {
		defer pool.close()
		isolated = pool.exec
	}
	var probe *scenarios.Result
	if isolated != nil {
		probe = isolated(configs[0].Values, seeds.First)
	} else {
		probe = scenarios.Execute(sc, configs[0].Values, seeds.First, opts)
	}
	if probe.Status == scenarios.StatusBadInput {
		return exitUsage, usagef("%s", probe.Error)
	}
	if *plotPath != "" && len(probe.Series) == 0 {
		return exitUsage, usagef("--plot %s: scenario %s records no time series (accepted: a scenario that does, e.g. retry-storm)", *plotPath, sc.Name)
	}
	var metrics []string
	if *metricsStr != "" && *metricsStr != "all" {
		metrics, err = pickMetrics(*metricsStr, probe.Metrics)
		if err != nil {
			return exitUsage, err
		}
	}

	total := int64(seeds.Count) * int64(len(configs))
	prog := newProgress(stderr, a.Name+" compare "+sc.Name, total, *quiet)
	stop, release := notifyInterrupt(stderr)
	defer release()
	var badInput *scenarios.Result // a row the scenario refused once running
	cmp := scenarios.Compare(sc, scenarios.CompareOptions{
		Configs: configs, Varied: keys, Seeds: seeds, Workers: j, Run: opts, Stop: stop,
		Exec: isolated,
		OnRun: func(r *scenarios.Result) {
			if r.Status == scenarios.StatusBadInput && badInput == nil {
				badInput = r
			}
			prog.add(r.Failed())
		},
	})
	if pool != nil {
		pool.close() // at once: after Ctrl-C, workers may still be running abandoned worlds
	}
	prog.finish()
	if badInput != nil {
		return exitUsage, usagef("--vary: %s %s: %s", sc.Name, scenarios.FormatParams(varied(badInput.Params, keys)), badInput.Error)
	}
	switch {
	case *metricsStr == "all":
		metrics = cmp.Metrics()
	case metrics == nil:
		metrics = scenarios.DefaultMetrics(cmp.Metrics())
	}
	if cmp.SeedsDone == 0 {
		fmt.Fprintf(stderr, "%s compare: interrupted before any seed finished for every row\n", a.Name)
		return exitInterrupted, nil
	}
	var buf bytes.Buffer
	if err := report.Compare(&buf, cmp, *format, report.Options{Metrics: metrics, Baseline: baseline, Percentiles: *percentiles}); err != nil {
		return exitFail, err
	}
	if *outPath != "" && !cmp.Interrupted {
		if err := outfile.Write(*outPath, buf.Bytes()); err != nil {
			return exitFail, fmt.Errorf("--out: %w", err)
		}
	} else if _, err := stdout.Write(buf.Bytes()); err != nil {
		return exitFail, err
	}
	if *plotPath != "" && !cmp.Interrupted {
		if err := report.Plot(*plotPath, sc.Name, report.LinesOf(cmp)); err != nil {
			return exitFail, err
		}
	}
	failed := 0
	for _, row := range cmp.Rows {
		failed += row.Failures
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "%s compare: %d of %d runs failed a check; %s\n", a.Name, failed, cmp.SeedsDone*len(cmp.Rows), firstFailedReplay(sc, cmp, opts))
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
