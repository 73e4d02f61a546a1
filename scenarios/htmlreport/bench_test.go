package htmlreport

import (
	"io"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/catalog"
	"github.com/faultline/faultline/sim"
)

// BenchmarkReport runs a world of about 100 000 events three times per
// iteration, interleaved: once plain (no sink), once plain with fresh
// memory, once recorded, built into a report and written to io.Discard.
// It reports the medians and the ratio of the report run to the plain
// one, in wall time and in CPU time (user+system, which a busy machine
// disturbs less). The target: report/plain ≤ 2. A plain run in a loop
// reuses the storage of the one before (scenarios.Options.FreshMemory),
// which a run with a sink cannot and which `faultline run`, one run per
// process, does not have either: fresh-wall-ratio and fresh-cpu-ratio
// compare the report run with a plain run on fresh memory, as the CLI
// runs it. pingpong is the worst case: every event is a message, and a
// run does nothing else. retry-storm is a request-path scenario with
// timers and metric series. The heap target is the CLI's (GOGC=400).
func BenchmarkReport(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	for _, c := range []struct {
		name, scenario string
		set            map[string]string
	}{
		{"pingpong-100k", "pingpong", map[string]string{"hops": "33333"}},
		{"retry-storm-100k", "retry-storm", map[string]string{"duration": "200s"}},
	} {
		sc, vals, err := catalog.New().Prepare(c.scenario, c.set)
		if err != nil {
			b.Fatal(err)
		}
		opts := scenarios.Options{Limits: sim.DefaultLimits}
		b.Run(c.name, func(b *testing.B) {
			var wallPlain, wallReport, cpuPlain, cpuReport, wallFresh, cpuFresh []float64
			var events uint64
			fresh := opts
			fresh.FreshMemory = true
			for b.Loop() {
				wf, cf := time.Now(), cpuTime()
				scenarios.Execute(sc, vals, 1, fresh)
				w0, c0 := time.Now(), cpuTime()
				plain := scenarios.Execute(sc, vals, 1, opts)
				w1, c1 := time.Now(), cpuTime()
				o := opts
				rec := &Recorder{}
				o.Sink = rec
				res := scenarios.Execute(sc, vals, 1, o)
				if res.TraceHash != plain.TraceHash {
					b.Fatalf("recording changed the trace hash: %s vs %s", res.TraceHash, plain.TraceHash)
				}
				if err := Write(io.Discard, Build(res, rec, Options{})); err != nil {
					b.Fatal(err)
				}
				w2, c2 := time.Now(), cpuTime()
				events = res.Events
				wallPlain = append(wallPlain, float64(w1.Sub(w0)))
				wallReport = append(wallReport, float64(w2.Sub(w1)))
				cpuPlain = append(cpuPlain, float64(c1-c0))
				cpuReport = append(cpuReport, float64(c2-c1))
				wallFresh = append(wallFresh, float64(w0.Sub(wf)))
				cpuFresh = append(cpuFresh, float64(c0-cf))
			}
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(median(wallPlain)/1e6, "plain-ms")
			b.ReportMetric(median(wallReport)/1e6, "report-ms")
			b.ReportMetric(median(wallReport)/median(wallPlain), "wall-ratio")
			b.ReportMetric(median(cpuReport)/median(cpuPlain), "cpu-ratio")
			b.ReportMetric(median(wallReport)/median(wallFresh), "fresh-wall-ratio")
			b.ReportMetric(median(cpuReport)/median(cpuFresh), "fresh-cpu-ratio")
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild: Build and Write alone, from one recorded run of
// pingpong with 100 000 events (the recording is not timed).
func BenchmarkBuild(b *testing.B) {
	sc, vals, err := catalog.New().Prepare("pingpong", map[string]string{"hops": "33333"})
	if err != nil {
		b.Fatal(err)
	}
	rec := &Recorder{}
	res := scenarios.Execute(sc, vals, 1, scenarios.Options{Limits: sim.DefaultLimits, Sink: rec})
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, Build(res, rec, Options{})); err != nil {
			b.Fatal(err)
		}
	}
}
