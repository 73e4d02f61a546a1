package cli

import (
	"fmt"
	"io"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
)

func init() {
	commands["bench"] = &command{summary: "measure simulation speed of every scenario at its defaults", run: (*App).runBench}
}

// runBench runs each scenario at its defaults for a few seeds and prints
// simulated seconds per wall second and events per wall second. Wall time
// is measured here, outside the worlds. cpu_ms is the CPU time the whole
// process used over the same runs (every thread: the collector too),
// steadier than wall time on a loaded machine; -1 where the system cannot
// tell.
func (a *App) runBench(args []string, stdout, _ io.Writer) (code int, err error) {
	fs := a.newFlags("bench", "bench [--seeds N] [--cpuprofile FILE] [SCENARIO ...]", stdout)
	seeds := fs.Int("seeds", 5, "seeds per scenario")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the runs to FILE (for go tool pprof, or as cmd/faultline/default.pgo)")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if *seeds <= 0 {
		return exitUsage, usagef("--seeds %d: want a count > 0", *seeds)
	}
	list := a.catalog.All()
	if fs.NArg() > 0 {
		list = nil
		for _, n := range fs.Args() {
			s, err := a.catalog.Lookup(n)
			if err != nil {
				return exitUsage, usagef("%v", err)
			}
			list = append(list, s)
		}
	}
	if *cpuProfile != "" {
		f, err := outfile.Create(*cpuProfile)
		if err != nil {
			return exitUsage, usagef("--cpuprofile %s: %v", *cpuProfile, err)
		}
		defer f.Abort()
		if err := pprof.StartCPUProfile(f); err != nil {
			return exitFail, fmt.Errorf("--cpuprofile %s: %w", *cpuProfile, err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if code == exitOK && err == nil {
				if err = f.Commit(); err != nil {
					code = exitFail
				}
			}
		}()
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tseeds\tsim_s\twall_ms\tsim_s_per_wall_s\tevents\tevents_per_s\tcpu_ms\t")
	for _, s := range list {
		_, vals, err := a.catalog.Prepare(s.Name, nil)
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		var simNs, events int64
		start, cpuStart := time.Now(), processCPU()
		for seed := range *seeds {
			r := scenarios.Execute(s, vals, uint64(seed), scenarios.Options{})
			simNs += r.SimTimeNs
			events += int64(r.Events)
		}
		wall, cpu := time.Since(start), processCPU()-cpuStart
		if cpuStart < 0 {
			cpu = -1
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.0f\t%d\t%.0f\t%.1f\t\n", s.Name, *seeds, float64(simNs)/1e9,
			float64(wall)/1e6, float64(simNs)/float64(wall), events, float64(events)/wall.Seconds(), float64(cpu)/1e6)
	}
	return exitOK, tw.Flush()
}
