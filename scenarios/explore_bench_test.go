package scenarios_test

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
)

// BenchmarkExploreOverhead measures what guided exploration costs per run
// beyond the runs themselves: "explore" is an exploration of 48 runs on
// one worker; "plain" runs the same 48 candidates (the same seeds and
// schedules) with Execute and ExecuteSchedule and nothing else. The
// ratio of their ns/op is the per-run overhead (target: at most 1.2).
// Run them interleaved: go test ./scenarios -run '^$' -bench ExploreOverhead -count 6.
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
	b.Run("explore", func(b *testing.B) {
		for b.Loop() {
			if _, err := scenarios.Explore(raftlog.Scenario, v, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			for _, c := range cands {
				if c.Origin == "seed" {
					scenarios.Execute(raftlog.Scenario, nv, c.Seed, scenarios.Options{})
				} else {
					scenarios.ExecuteSchedule(raftlog.Scenario, sum.Values, c.Seed, scenarios.Options{}, c.Schedule)
				}
			}
		}
	})
}
