package scenarios_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/examples/register"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
)

// TestExploreIsDeterministic: the same explorer seed gives the same runs,
// corpus and failures whatever the number of workers.
func TestExploreIsDeterministic(t *testing.T) {
	v, err := register.Scenario.Values(map[string]string{"ops": "200"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) (*scenarios.ExploreSummary, []string) {
		var hashes []string
		sum, err := scenarios.Explore(register.Scenario, v, scenarios.ExploreOptions{
			Runs: 40, Seed: 7, Workers: workers,
			OnRun: func(_ int, _ scenarios.CorpusEntry, res *scenarios.Result, _ bool) {
				hashes = append(hashes, res.TraceHash)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum, hashes
	}
	a, ha := run(1)
	b, hb := run(3)
	if len(ha) != 40 || len(hb) != 40 {
		t.Fatalf("runs %d and %d, want 40", len(ha), len(hb))
	}
	for i := range ha {
		if ha[i] != hb[i] {
			t.Fatalf("run %d: hash %s with 1 worker, %s with 3", i+1, ha[i], hb[i])
		}
	}
	if len(a.Corpus) != len(b.Corpus) || a.Features != b.Features || len(a.Failures) != len(b.Failures) {
		t.Fatalf("summaries differ: corpus %d/%d features %d/%d failures %d/%d", len(a.Corpus), len(b.Corpus), a.Features, b.Features, len(a.Failures), len(b.Failures))
	}
	if len(a.Corpus) < 2 || a.Features < 5 {
		t.Fatalf("corpus %d, features %d: exploration kept nothing", len(a.Corpus), a.Features)
	}
}

// TestExploreFindsAndReplays: exploration finds the register's planted
// bug, and a failure's schedule replays to the same trace hash.
func TestExploreFindsAndReplays(t *testing.T) {
	v, err := register.Scenario.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := scenarios.Explore(register.Scenario, v, scenarios.ExploreOptions{Runs: 60, Seed: 1, StopAtFailure: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failures) != 1 {
		t.Fatalf("%d failures in %d runs, want the first", len(sum.Failures), sum.Runs)
	}
	f := sum.Failures[0]
	again := scenarios.ExecuteSchedule(register.Scenario, sum.Values, f.Entry.Seed, scenarios.Options{}, f.Entry.Schedule)
	if again.Status != f.Result.Status || again.TraceHash != f.Result.TraceHash {
		t.Fatalf("replay: %s %s, explored run: %s %s", again.Status, again.TraceHash, f.Result.Status, f.Result.TraceHash)
	}
}

func TestExploreRefusesScenarioWithoutNemesis(t *testing.T) {
	v, _ := noClusterScenario.Values(nil)
	if _, err := scenarios.Explore(noClusterScenario, v, scenarios.ExploreOptions{Runs: 1}); err == nil {
		t.Fatal("explored a scenario that builds no cluster")
	}
}

// TestExploreKeepsMoments: corpus entries carry the moments their runs
// reached each assertion (what aim places faults at), and no feature
// names a full set of fault kinds of an unfocused schedule.
func TestExploreKeepsMoments(t *testing.T) {
	v, err := raftlog.Scenario.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 24, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	timed := 0
	for _, e := range sum.Corpus {
		if len(e.At) != len(e.Features) {
			t.Fatalf("%d features, %d moment lists", len(e.Features), len(e.At))
		}
		for i, f := range e.Features {
			if strings.HasPrefix(f, "sometimes:") && !strings.Contains(f, "#") {
				if len(e.At[i]) == 0 {
					t.Fatalf("feature %s without a moment", f)
				}
				timed++
			}
			if k, ok := strings.CutPrefix(f, "kinds:"); ok && strings.Count(k, "+") > 1 {
				t.Fatalf("feature %s: a set of more than two kinds", f)
			}
		}
	}
	if timed == 0 {
		t.Fatal("no assertion moment in the corpus")
	}
}

// TestExploreSeedsDiffer: explorer seeds start their calm runs and their
// fresh nemesis seeds apart, so two explorations do not share their
// first runs.
func TestExploreSeedsDiffer(t *testing.T) {
	v, err := raftlog.Scenario.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	firsts := func(seed uint64) []uint64 {
		var s []uint64
		_, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 3, Seed: seed,
			OnRun: func(_ int, e scenarios.CorpusEntry, _ *scenarios.Result, _ bool) { s = append(s, e.Seed) }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := firsts(0), firsts(2); !slices.Equal(a, []uint64{0, 1, 2}) || !slices.Equal(b, []uint64{2_000_000, 2_000_001, 2_000_002}) {
		t.Fatalf("first runs on seeds %d and %d, want 0-2 and 2000000-2000002", a, b)
	}
}

// TestExploreStartsCalm: the first two runs have no faults, the next
// ones are the nemesis's own, and strikes on the calm runs follow.
func TestExploreStartsCalm(t *testing.T) {
	v, err := raftlog.Scenario.Values(map[string]string{"ops": "50"})
	if err != nil {
		t.Fatal(err)
	}
	var origins []string
	calmSeeds := map[uint64]bool{}
	calmStrikes := 0
	_, err = scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 48, Seed: 4,
		OnRun: func(i int, e scenarios.CorpusEntry, _ *scenarios.Result, _ bool) {
			origins = append(origins, e.Origin)
			if e.Origin == "calm" {
				if len(e.Lines) != 1 || e.Lines[0] != "at 10s heal" {
					t.Errorf("calm run %d has faults: %q", i, e.Lines)
				}
				calmSeeds[e.Seed] = true
			}
			if e.Origin == "strike" && calmSeeds[e.Seed] && len(e.Lines) <= 3 {
				calmStrikes++
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"calm", "calm", "seed", "seed", "seed", "seed", "seed", "seed", "seed", "seed"}
	if !slices.Equal(origins[:10], want) {
		t.Fatalf("first runs %q, want %q", origins[:10], want)
	}
	if calmStrikes < 5 {
		t.Fatalf("%d strikes on the calm runs in %d runs", calmStrikes, len(origins))
	}
}

// TestExploreCapsFaults: with MaxFaults, no run but the corpus's has
// more faults, fresh runs are calm ones, and the corpus entry over the
// cap, which fails, is not reported; the runs do not depend on the
// workers; Fails keeps out the failures it refuses.
func TestExploreCapsFaults(t *testing.T) {
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "stale-leader", "ops": "50"})
	if err != nil {
		t.Fatal(err)
	}
	// A run of stale-leader that fails with four faults (explorer seed
	// 9's find, shrunk with its world seed kept).
	failing, err := faults.Parse("at 183ms isolate n2 for 1ms\nat 186ms isolate n3 for 1ms\nat 187ms pause n1 for 97ms\nat 287ms pause n1 for 256ms\nat 10s heal", 4)
	if err != nil {
		t.Fatal(err)
	}
	var hashes [2][]string
	explore := func(fails func(*scenarios.Result) bool, workers int) (*scenarios.ExploreSummary, map[string]int) {
		origins := map[string]int{}
		hashes[workers%2] = nil
		sum, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{
			Runs: 150, Seed: 5, Workers: workers, MaxFaults: 3, Fails: fails,
			Corpus: []scenarios.CorpusEntry{{Seed: 9000010, Schedule: failing}},
			OnRun: func(i int, e scenarios.CorpusEntry, res *scenarios.Result, _ bool) {
				origins[e.Origin]++
				hashes[workers%2] = append(hashes[workers%2], res.TraceHash)
				if i == 1 && !res.Failed() {
					t.Errorf("the corpus entry passed: %s", res.Status)
				}
				if n := e.Schedule.Count(); i > 1 && n > 3 {
					t.Errorf("run %d (%s) has %d faults, over the cap of 3:\n%s", i, e.Origin, n, e.Schedule)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum, origins
	}
	sum, origins := explore(nil, 2)
	if explore(nil, 1); !slices.Equal(hashes[0], hashes[1]) {
		t.Errorf("the runs differ with 1 and 2 workers")
	}
	if origins["seed"] != 0 || origins["calm"] < 2 {
		t.Errorf("origins %v: want calm runs and no nemesis seeds", origins)
	}
	if len(sum.Failures) == 0 {
		t.Fatalf("no failure with at most 3 faults in %d runs (origins %v)", sum.Runs, origins)
	}
	for _, f := range sum.Failures {
		if f.Run == 1 || f.Entry.Schedule.Count() > 3 {
			t.Errorf("failure at run %d with %d faults reported", f.Run, f.Entry.Schedule.Count())
		}
	}
	t.Logf("%d runs, %d failures, origins %v", sum.Runs, len(sum.Failures), origins)
	if none, _ := explore(func(*scenarios.Result) bool { return false }, 2); len(none.Failures) != 0 {
		t.Errorf("Fails refused every run, yet %d failures were reported", len(none.Failures))
	}
}

// TestCappedExploreKeepsTheProfile: a capped exploration strikes with
// the stop kinds the nemesis's profile allows, though the corpus it is
// given holds only crashes: pauses too by default, none when the profile
// excludes them.
func TestCappedExploreKeepsTheProfile(t *testing.T) {
	crashes, err := faults.Parse("at 187ms crash n1 for 97ms\nat 287ms crash n2 for 256ms\nat 10s heal", 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		exclude string
		pauses  bool
	}{{"", true}, {"pause", false}} {
		v, err := raftlog.Scenario.Values(map[string]string{"ops": "50", "nemesis.exclude": tc.exclude})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[faults.Kind]int{}
		_, err = scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{
			Runs: 80, Seed: 2, MaxFaults: 2,
			Corpus: []scenarios.CorpusEntry{{Seed: 3, Schedule: crashes}},
			OnRun: func(_ int, e scenarios.CorpusEntry, _ *scenarios.Result, _ bool) {
				if e.Origin == "strike" {
					for _, f := range e.Schedule.Faults {
						kinds[f.Kind]++
					}
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if (kinds[faults.Pause] > 0) != tc.pauses || kinds[faults.Isolate] == 0 {
			t.Errorf("nemesis.exclude=%q: fault kinds of the strikes %v; want isolations, and pauses %v", tc.exclude, kinds, tc.pauses)
		}
	}
}

// TestShrinkExploreNeedsTheNemesis: ShrinkOptions.Explore on a scenario
// without the common nemesis is bad input, said before any run.
func TestShrinkExploreNeedsTheNemesis(t *testing.T) {
	runs := 0
	own := &scenarios.Scenario{
		Name: "test-own-nemesis", Summary: "a scenario with a nemesis of its own",
		Params: []scenarios.Param{{Name: "nemesis", Default: "off", Kind: scenarios.String, Help: "its own"}},
		Run: func(r *scenarios.Run) error {
			runs++
			r.Check(checks.Failf("always", "planted"))
			return nil
		},
	}
	v, err := own.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = scenarios.ShrinkRun(own, v, 0, scenarios.Options{}, scenarios.ShrinkOptions{Explore: 10})
	var bad *scenarios.BadInputError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "exploration") {
		t.Fatalf("err %v, want bad input naming the exploration", err)
	}
	if runs != 0 {
		t.Fatalf("%d runs before the error", runs)
	}
}
