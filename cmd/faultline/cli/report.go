package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/htmlreport"
	"github.com/faultline/faultline/scenarios/results"
	"github.com/faultline/faultline/sim"
)

// reportFlag is --report FILE.html, shared by run, sweep and shrink.
type reportFlag struct{ path string }

func addReportFlag(fs *pflag.FlagSet, which string) *reportFlag {
	r := &reportFlag{}
	fs.StringVar(&r.path, "report", "", "write a self-contained HTML report of "+which+" to FILE.html (see docs/report.md)")
	return r
}

// check validates the path before anything runs.
func (r *reportFlag) check() error {
	if r.path == "" {
		return nil
	}
	if ext := strings.ToLower(filepath.Ext(r.path)); ext != ".html" && ext != ".htm" {
		return usagef("--report %q: want a file name ending in .html", r.path)
	}
	return checkOutPath("report", r.path)
}

// attach adds a recorder to opts' sink, or returns nil without --report
// or a plot to draw (plot: a plot may need the traffic the trace shows).
func (r *reportFlag) attach(opts *scenarios.Options, plot bool) *htmlreport.Recorder {
	if r.path == "" && !plot {
		return nil
	}
	rec := &htmlreport.Recorder{}
	if opts.Sink != nil {
		opts.Sink = sim.MultiSink{opts.Sink, rec}
	} else {
		opts.Sink = rec
	}
	return rec
}

// write writes the report of res, recorded by rec.
func (r *reportFlag) write(res *scenarios.Result, rec *htmlreport.Recorder) error {
	if r.path == "" || rec == nil {
		return nil
	}
	return htmlreport.WriteFile(r.path, res, rec, htmlreport.Options{})
}

// rerun executes one seed again with a recorder attached and writes its
// report: sweeps and shrinks run without a trace, and a run is a pure
// function of its inputs. want is the trace hash the first execution
// printed; a different one is reported, not hidden.
func (r *reportFlag) rerun(stderr io.Writer, prog string, sc *scenarios.Scenario, vals scenarios.Values, seed uint64, opts scenarios.Options, want string) error {
	if r.path == "" {
		return nil
	}
	opts.CheckDeterminism = false
	if opts.ArtifactDir == "" {
		// Let a check's visualization land beside the report, which
		// embeds it.
		opts.ArtifactDir = filepath.Dir(r.path)
	}
	rec := r.attach(&opts, false)
	res := scenarios.Execute(sc, vals, seed, opts)
	if want != "" && res.TraceHash != want {
		fmt.Fprintf(stderr, "%s: --report: seed %d replayed with trace hash %s, not %s: the run is not deterministic; the report shows the replay\n", prog, seed, res.TraceHash, want)
	}
	if err := r.write(res, rec); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: report of seed %d written to %s\n", prog, seed, r.path)
	return nil
}

// takesFaultsParam reports whether sc takes its schedule as a parameter
// rather than as Options.Faults.
func takesFaultsParam(sc *scenarios.Scenario) bool {
	return slices.ContainsFunc(sc.Declared(), func(p scenarios.Param) bool { return p.Name == scenarios.FaultsParam })
}

// plotSeries returns the series to plot: the run's own, or, for a
// scenario that records none, the message traffic its trace shows.
func plotSeries(res *scenarios.Result, rec *htmlreport.Recorder) map[string][]sim.Point {
	if len(res.Series) > 0 || rec == nil {
		return res.Series
	}
	return rec.TrafficSeries(sim.Time(res.SimTimeNs))
}

// marshalJSON is json.Marshal without HTML escaping, for result lines:
// "n1->n2" in a detail stays as written.
var marshalJSON = results.Marshal
