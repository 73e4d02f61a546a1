package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/scenarios/report"
)

func init() {
	commands["capacity"] = &command{summary: "find the largest offered load that meets every SLO, with confidence", run: (*App).runCapacity}
}

const capacitySynopsis = "capacity SCENARIO --slo 'METRIC<BOUND' [--slo ...] --load key=LO..HI [--levels N] [--seeds N|A-B] [--min-seeds N] [--vary key=v1,v2 ...] [--set key=value ...] [--format text|json] [--plot FILE.svg|.png] [-j N] [--quiet]"

func (a *App) runCapacity(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("capacity", capacitySynopsis, stdout)
	var rf runFlags
	var sloArgs, varies []string
	fs.StringArrayVar(&sloArgs, "slo", nil, "an objective on a metric's mean across seeds, "+scenarios.SLOSyntax+" (repeatable; all must hold)")
	loadStr := fs.String("load", "", "the parameter that sets the offered load and its range, key=LO..HI, e.g. rate=10..1000; required")
	levels := fs.Int("levels", 10, "load levels, evenly spaced from LO to HI")
	seedsStr := fs.String("seeds", "20", "the most seeds a level runs: N (0 to N-1) or A-B (both included)")
	minSeeds := fs.Int("min-seeds", 5, "seeds of the first round; the seeds then double until the intervals decide every capacity (0: run every seed at once)")
	fs.StringArrayVar(&varies, "vary", nil, "configurations to compare by capacity, key=v1,v2 (repeatable)")
	format := fs.String("format", "text", "output format: text or json")
	plotPath := fs.String("plot", "", "draw the degradation curves (goodput, p50, p99, errors against load, knee marked) to FILE.svg or FILE.png")
	workers := fs.IntP("jobs", "j", 0, "parallel workers (0: GOMAXPROCS)")
	quiet := fs.BoolP("quiet", "q", false, "no progress on stderr")
	a.addRunFlags(fs, &rf)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if _, err := a.scenarioArg(fs); err != nil {
		return exitUsage, err
	}
	opts, err := a.capacityOptions(fs.Arg(0), &rf, sloArgs, varies, *loadStr, *levels, *seedsStr, *workers)
	if err != nil {
		return exitUsage, err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	if *minSeeds < 0 {
		return exitUsage, usagef("--min-seeds %d: want a count ≥ 0", *minSeeds)
	}
	opts.MinSeeds = *minSeeds
	if err := checkPlotFlag(*plotPath); err != nil {
		return exitUsage, err
	}
	sc, _ := a.catalog.Lookup(fs.Arg(0))
	if err := probeSLOs(sc, opts); err != nil {
		return exitUsage, err
	}
	nConfigs := 1
	for _, v := range opts.Vary {
		nConfigs *= len(v.Values)
	}
	prog := newProgress(stderr, "capacity "+sc.Name, int64(opts.Seeds.Count)*int64(nConfigs*opts.Load.Levels), *quiet)
	stop, release := notifyInterrupt(stderr)
	defer release()
	opts.Stop = stop
	opts.OnRun = func(r *scenarios.Result) { prog.add(r.Failed()) }
	res, err := scenarios.Capacity(sc, opts)
	prog.finish()
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	if res.SeedsDone == 0 {
		fmt.Fprintf(stderr, "%s capacity: interrupted before any seed finished\n", a.Name)
		return exitInterrupted, nil
	}
	if err := writeCapacity(stdout, res, *format, *plotPath); err != nil {
		return exitFail, err
	}
	if res.Failed > 0 {
		fmt.Fprintf(stderr, "%s capacity: %d runs failed (their metrics count in the curve); replay the first: %s\n", a.Name, res.Failed, res.FirstFailure)
	}
	switch {
	case res.Interrupted:
		return exitInterrupted, nil
	case res.Failed > 0:
		return exitFail, nil
	}
	return exitOK, nil
}

// writeCapacity writes the report to w, and the plot, whole or not at
// all, unless the search was interrupted.
func writeCapacity(w io.Writer, res *scenarios.CapacityResult, format, plotPath string) error {
	var buf bytes.Buffer
	if format == "json" {
		writeCapacityJSON(&buf, res)
	} else {
		writeCapacityText(&buf, res)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	if plotPath == "" || res.Interrupted {
		return nil
	}
	var pb bytes.Buffer
	if err := report.WriteCapacityPlot(&pb, plotPath, res); err != nil {
		return err
	}
	if err := outfile.Write(plotPath, pb.Bytes()); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// capacityOptions parses and checks the flags of a capacity search.
func (a *App) capacityOptions(name string, rf *runFlags, sloArgs, varies []string, loadStr string, levels int, seedsStr string, workers int) (scenarios.CapacityOptions, error) {
	var opts scenarios.CapacityOptions
	if len(sloArgs) == 0 {
		return opts, usagef("--slo is required: %s", scenarios.SLOSyntax)
	}
	for _, s := range sloArgs {
		slo, err := scenarios.ParseSLO(s)
		if err != nil {
			return opts, usagef("%v", err)
		}
		opts.SLOs = append(opts.SLOs, slo)
	}
	if loadStr == "" {
		return opts, usagef("--load is required: key=LO..HI, e.g. rate=10..1000")
	}
	lr, err := scenarios.ParseLoadRange(loadStr, levels)
	if err != nil {
		return opts, usagef("%v", err)
	}
	opts.Load = lr
	if opts.Seeds, err = scenarios.ParseSeedRange(seedsStr); err != nil {
		return opts, usagef("--%v", err)
	}
	if opts.Workers, err = scenarios.ParseWorkers(workers); err != nil {
		return opts, usagef("%v", err)
	}
	for _, s := range varies {
		v, err := scenarios.ParseVary(s)
		if err != nil {
			return opts, usagef("%v", err)
		}
		opts.Vary = append(opts.Vary, v)
	}
	sc, _, runOpts, err := rf.prepare(name)
	if err != nil {
		return opts, err
	}
	if _, ok := rf.params[lr.Key]; ok {
		return opts, usagef("--load %s: also given with --set", lr.Key)
	}
	if !slices.ContainsFunc(sc.AllParams(), func(p scenarios.Param) bool { return p.Name == lr.Key }) {
		return opts, usagef("--load %s: scenario %s has no such parameter (see '%s list %s')", lr.Key, sc.Name, a.Name, sc.Name)
	}
	if sh := strings.TrimSpace(rf.params[loadShapeParam]); strings.HasPrefix(sh, "replay:") && lr.Key == "rate" {
		return opts, usagef("--load rate: a replayed load_shape sets requests per second itself and ignores rate; use a shape that scales the rate")
	}
	opts.Set, opts.Run = rf.params, runOpts
	return opts, nil
}

// probeSLOs runs the first configuration once at the lowest load, so a
// bad level or an SLO on a metric the scenario does not record fails now.
func probeSLOs(sc *scenarios.Scenario, opts scenarios.CapacityOptions) error {
	set := map[string]string{}
	for k, v := range opts.Set {
		set[k] = v
	}
	for _, v := range opts.Vary {
		set[v.Key] = v.Values[0]
	}
	set[opts.Load.Key] = strconv.FormatFloat(opts.Load.Lo, 'g', 6, 64)
	vals, err := sc.Values(set)
	if err != nil {
		return usagef("--load: %v", err)
	}
	probe := scenarios.Execute(sc, vals, opts.Seeds.First, opts.Run)
	if probe.Status == scenarios.StatusBadInput {
		return usagef("%s", probe.Error)
	}
	have := make([]string, 0, len(probe.Metrics))
	for k := range probe.Metrics {
		have = append(have, k)
	}
	if err := scenarios.CheckSLOMetrics(opts.SLOs, have); err != nil {
		return usagef("%v", err)
	}
	return nil
}

func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x != 0 && math.Abs(x) < 0.01:
		return strconv.FormatFloat(x, 'e', 1, 64)
	case math.Abs(x) < 10:
		return strconv.FormatFloat(x, 'f', 3, 64)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

func writeCapacityText(w io.Writer, res *scenarios.CapacityResult) {
	fmt.Fprintf(w, "capacity of %s: the largest %s meeting %s (means over %d seeds, 95%% intervals)\n",
		res.Scenario, res.Load, strings.Join(res.SLOs, " and "), res.SeedsDone)
	if res.SeedsDone < int(res.Seeds.Count) && !res.Interrupted {
		fmt.Fprintf(w, "stopped after %d of %d seeds: the intervals decided every capacity\n", res.SeedsDone, res.Seeds.Count)
	}
	for _, row := range res.Rows {
		fmt.Fprintln(w)
		label := row.Label
		if label == "" {
			label = "default"
		}
		fmt.Fprintf(w, "%s: %s\n", label, capacitySentence(res, row))
		cols := append([]string{res.Load}, scenarios.CurveMetrics...)
		cols = append(cols, "slo", "")
		rows := [][]string{cols}
		for i, l := range row.Levels {
			cells := []string{fmtNum(l.Load)}
			for _, m := range scenarios.CurveMetrics {
				s, ok := l.Metrics[m]
				if !ok {
					cells = append(cells, "-")
					continue
				}
				cells = append(cells, fmtNum(s.Mean)+"±"+fmtNum(s.CI95))
			}
			verdict := "meets"
			if !l.Meets() {
				verdict = "undecided"
				if l.Violates() {
					verdict = "violates"
				}
			}
			var marks []string
			if i == row.Capacity {
				marks = append(marks, "← capacity")
			}
			if i == row.Knee {
				marks = append(marks, "← knee")
			}
			rows = append(rows, append(cells, verdict, strings.Join(marks, " ")))
		}
		writeAligned(w, rows)
	}
	if len(res.Rows) > 1 {
		writeRanking(w, res)
	}
}

// writeRanking lists the configurations by capacity, highest first.
func writeRanking(w io.Writer, res *scenarios.CapacityResult) {
	rows := slices.Clone(res.Rows)
	slices.SortStableFunc(rows, func(a, b *scenarios.CapacityRow) int {
		x, y := a.CapacityLoad(), b.CapacityLoad()
		switch {
		case x == y || math.IsNaN(x) && math.IsNaN(y):
			return 0
		case math.IsNaN(y) || x > y:
			return -1
		}
		return 1
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "by capacity:")
	var cells [][]string
	for _, r := range rows {
		c := "none in range"
		if r.Capacity >= 0 {
			c = res.Load + "=" + fmtNum(r.CapacityLoad())
		}
		if !r.Decided {
			c += " (the level above is undecided)"
		}
		cells = append(cells, []string{r.Label, c})
	}
	writeAligned(w, cells)
}

// capacitySentence says what the intervals decided for one row.
func capacitySentence(res *scenarios.CapacityResult, row *scenarios.CapacityRow) string {
	if row.Capacity < 0 {
		l := row.Levels[0]
		return fmt.Sprintf("no capacity in range: %s=%s already %s", res.Load, fmtNum(l.Load), failing(res, l))
	}
	c := row.Levels[row.Capacity]
	conf := 1.0
	for _, x := range c.Confidence {
		conf = min(conf, x)
	}
	s := fmt.Sprintf("capacity %s=%s (every SLO met, confidence %s)", res.Load, fmtNum(c.Load), fmtConf(conf))
	switch {
	case row.Capacity+1 == len(row.Levels):
		return s + "; the top of the range: raise HI"
	case row.Decided:
		return s + "; " + fmt.Sprintf("%s=%s %s", res.Load, fmtNum(row.Levels[row.Capacity+1].Load), failing(res, row.Levels[row.Capacity+1]))
	}
	return s + "; " + fmt.Sprintf("%s=%s is undecided: more seeds would decide it", res.Load, fmtNum(row.Levels[row.Capacity+1].Load))
}

// fmtConf formats a one-sided confidence; past 99.9% the digits say
// nothing more.
func fmtConf(c float64) string {
	if c > 0.999 {
		return ">99.9%"
	}
	return fmt.Sprintf("%.1f%%", 100*c)
}

// failing names the SLOs a level misses and the confidence of each.
func failing(res *scenarios.CapacityResult, l *scenarios.CapacityLevel) string {
	var parts []string
	for i, v := range l.Verdicts {
		if v != scenarios.Meets {
			parts = append(parts, fmt.Sprintf("%s %s (confidence %s)", string(v), res.SLOs[i], fmtConf(l.Confidence[i])))
		}
	}
	return strings.Join(parts, ", ")
}

// writeAligned writes rows as left-aligned columns two spaces apart,
// without trailing spaces.
func writeAligned(w io.Writer, rows [][]string) {
	width := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i+1 < len(r) {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(w, "  "+strings.TrimRight(b.String(), " "))
	}
}

type capacityRowJSON struct {
	*scenarios.CapacityRow
	Capacity *float64 `json:"capacity"`
	Knee     *float64 `json:"knee"`
}

func writeCapacityJSON(w io.Writer, res *scenarios.CapacityResult) {
	out := struct {
		*scenarios.CapacityResult
		Rows []capacityRowJSON `json:"rows"`
	}{CapacityResult: res}
	for _, row := range res.Rows {
		j := capacityRowJSON{CapacityRow: row}
		if row.Capacity >= 0 {
			c := row.Levels[row.Capacity].Load
			j.Capacity = &c
		}
		if row.Knee >= 0 {
			k := row.Levels[row.Knee].Load
			j.Knee = &k
		}
		out.Rows = append(out.Rows, j)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
}
