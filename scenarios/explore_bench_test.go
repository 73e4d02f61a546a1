package scenarios_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
)

// BenchmarkExploreOverhead measures what guided exploration costs per run
// beyond the runs themselves: "explore" is an exploration of 48 runs on
// one worker; "plain" runs the same 48 candidates (the same seeds and
// schedules) with Execute and ExecuteSchedule and nothing else. The
// ratio of their ns/op is the per-run overhead (target: at most 1.2);
// "ratio" times the two in turn within each iteration and reports it as
// explore/plain. go test ./scenarios -run '^$' -bench 'ExploreOverhead/ratio' -benchtime 5x -count 6
func BenchmarkExploreOverhead(b *testing.B) {
	v, err := raftlog.Scenario.Values(nil)
	if err != nil {
		b.Fatal(err)
	}
	opts := scenarios.ExploreOptions{Runs: 48, Seed: 1}
	var cands []scenarios.CorpusEntry
	o := opts
	o.OnRun = func(_ int, e scenarios.CorpusEntry, _ *scenarios.Result, _ bool) { cands = append(cands, e) }
	sum, err := scenarios.Explore(raftlog.Scenario, v, o)
	if err != nil {
		b.Fatal(err)
	}
	nv, err := raftlog.Scenario.Values(map[string]string{"nemesis": "true"})
	if err != nil {
		b.Fatal(err)
	}
	explore := func() {
		if _, err := scenarios.Explore(raftlog.Scenario, v, opts); err != nil {
			b.Fatal(err)
		}
	}
	plain := func() {
		for _, c := range cands {
			if c.Origin == "seed" {
				scenarios.Execute(raftlog.Scenario, nv, c.Seed, scenarios.Options{})
			} else {
				scenarios.ExecuteSchedule(raftlog.Scenario, sum.Values, c.Seed, scenarios.Options{}, c.Schedule)
			}
		}
	}
	b.Run("explore", func(b *testing.B) {
		for b.Loop() {
			explore()
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			plain()
		}
	})
	// The ratio, from the two interleaved within each iteration (A, B,
	// A, B, ...), so that load on a shared machine hits both alike.
	b.Run("ratio", func(b *testing.B) {
		var te, tp time.Duration
		for b.Loop() {
			t0 := time.Now()
			explore()
			t1 := time.Now()
			plain()
			te, tp = te+t1.Sub(t0), tp+time.Since(t1)
		}
		b.ReportMetric(float64(te)/float64(tp), "explore/plain")
	})
}
