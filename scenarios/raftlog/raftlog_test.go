package raftlog_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
	"github.com/faultline/faultline/scenarios/scentest"
)

var bugs = []string{"volatile-vote", "stale-leader", "early-commit"}

// TestCorrectHoldsUnderNemesis: the correct protocol keeps both checks
// on 300 random nemesis seeds (the planted bugs fail on some of these).
func TestCorrectHoldsUnderNemesis(t *testing.T) {
	n := uint64(300)
	if testing.Short() {
		n = 60
	}
	scentest.CorrectSeeds(t, raftlog.Scenario, n, map[string]string{"nemesis": "true"}, func(seed uint64, res *scenarios.Result) {
		if res.Metrics["writes_acked"] == 0 {
			t.Fatalf("seed %d: no write acknowledged", seed)
		}
	})
}

// TestWithoutFaultsEveryWriteCommits: no faults, no bug: every write is
// acknowledged, by the one leader of term 1.
func TestWithoutFaultsEveryWriteCommits(t *testing.T) {
	for _, bug := range append([]string{"none"}, bugs...) {
		res := scentest.Execute(t, raftlog.Scenario, 1, map[string]string{"bug": bug, "ops": "50"})
		if res.Status != scenarios.StatusOK || res.Metrics["writes_acked"] != 50 || res.Metrics["leaders_elected"] != 1 {
			t.Fatalf("bug=%s: %s, metrics %v", bug, res.Status, res.Metrics)
		}
	}
}

// TestDeterminism: a seed run twice gives the same trace, with the
// nemesis on and for every variant; two seeds differ.
func TestDeterminism(t *testing.T) {
	for _, bug := range append([]string{"none"}, bugs...) {
		for seed := range uint64(4) {
			set := map[string]string{"bug": bug, "nemesis": "true"}
			a, b := scentest.Execute(t, raftlog.Scenario, seed, set), scentest.Execute(t, raftlog.Scenario, seed, set)
			if a.TraceHash != b.TraceHash || a.Events != b.Events || a.Status != b.Status {
				t.Fatalf("bug=%s seed %d: %s/%s then %s/%s", bug, seed, a.TraceHash, a.Status, b.TraceHash, b.Status)
			}
		}
	}
	if scentest.Execute(t, raftlog.Scenario, 1, nil).TraceHash == scentest.Execute(t, raftlog.Scenario, 2, nil).TraceHash {
		t.Fatal("seeds 1 and 2 share a trace hash")
	}
}

// plantedSchedules trip a bug: random nemesis seeds that failed, shrunk
// (`faultline shrink raftlog --seed N --set nemesis=true --set bug=...`),
// with the workload shrunk too. The correct protocol survives each.
var plantedSchedules = []struct {
	bug, check string
	seed       uint64
	ops        string
	faults     string
}{
	{"stale-leader", "committed_kept", 124, "101", "at 1.574s oneway n3->n2 for 199ms\nat 3.37s offset n2 -152ms for 629ms\nat 3.446s pause n2 for 274ms"},
	{"early-commit", "state_machine_safety", 1438, "1", "at 220ms pause n2 for 218ms"},
	{"early-commit", "state_machine_safety", 824, "124", "at 3.976s partition n3 | n4 for 180ms"},
	// Built by hand, then shrunk: n2 misses n1's vote request, so both
	// campaign in term 1; n3 votes for n1 and crashes before n1's
	// append reaches it, restarts without its vote, and votes for n2.
	{"volatile-vote", "state_machine_safety", 1, "1", "at 0s oneway n1->n2 for 250ms\nat 192ms crash n3 for 5ms\nat 243ms crash n3 for 1ms"},
}

// TestPlantedBugsCaught: each bug fails its check under its schedule,
// and the correct protocol, under the same schedule, does not.
func TestPlantedBugsCaught(t *testing.T) {
	for _, tc := range plantedSchedules {
		t.Run(fmt.Sprintf("%s/%d", tc.bug, tc.seed), func(t *testing.T) {
			run := func(bug string) *scenarios.Result {
				v, err := raftlog.Scenario.Values(map[string]string{"bug": bug, "ops": tc.ops, "shuffle_ties": "true"})
				if err != nil {
					t.Fatal(err)
				}
				return scenarios.Execute(raftlog.Scenario, v, tc.seed, scenarios.Options{Faults: tc.faults})
			}
			if res := run(tc.bug); !scenarios.FailsLike(res, tc.check) {
				t.Fatalf("bug=%s: %s %v, want %s to fail", tc.bug, res.Status, res.Checks, tc.check)
			}
			if res := run("none"); res.Status != scenarios.StatusOK {
				t.Fatalf("bug=none under the same faults: %s %v", res.Status, res.Checks)
			}
		})
	}
}

// TestBugsAreRareForRandomSeeds: on seeds 0-199 of the nemesis, each bug
// fails at most twice: they are not found by chance.
func TestBugsAreRareForRandomSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("200 runs per bug")
	}
	for _, bug := range bugs {
		failed := 0
		for seed := range uint64(200) {
			if scentest.Execute(t, raftlog.Scenario, seed, map[string]string{"bug": bug, "nemesis": "true"}).Failed() {
				failed++
			}
		}
		if failed > 2 {
			t.Errorf("bug=%s: %d of 200 random seeds fail, want a rare bug", bug, failed)
		}
	}
}

// TestExploreFindsStaleLeader: guided exploration (explorer seed 6)
// finds a bug that fails on one random nemesis seed in 400 within 200
// runs, and its failure shrinks, faults and workload.
func TestExploreFindsStaleLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("an exploration and a shrink")
	}
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "stale-leader"})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 200, Seed: 6, StopAtFailure: true, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failures) == 0 {
		t.Fatalf("no failure in %d runs", sum.Runs)
	}
	f := sum.Failures[0]
	sh, err := scenarios.ShrinkRun(raftlog.Scenario, sum.Values, f.Entry.Seed, scenarios.Options{Faults: f.Entry.Schedule.String()}, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The goal: 3 faults, with the world seed kept; the shrunk schedule
	// replays. (Reseed, which allows other seeds, has TestReseedFewer.)
	if n := sh.Minimal.Count(); n > 3 {
		t.Fatalf("run %d: %d faults shrink to %d, want at most 3:\n%s", f.Run, f.Entry.Schedule.Count(), n, sh.Minimal)
	}
	t.Logf("found at run %d; %d faults shrink to %d (%s)", f.Run, f.Entry.Schedule.Count(), sh.Minimal.Count(), sh.Stats)
	if again := scenarios.ExecuteSchedule(raftlog.Scenario, sh.Values, f.Entry.Seed, scenarios.Options{}, sh.Minimal); again.TraceHash != sh.Result.TraceHash || !scenarios.FailsLike(again, sh.How) {
		t.Fatalf("replay: %s %s, shrink saw %s", again.Status, again.TraceHash, sh.Result.TraceHash)
	}
}

// TestExploreFindsThePlantedBugs: each planted bug fails on fewer than
// one random nemesis seed in 300. stale-leader and early-commit need one
// fault at an ordinary moment (a candidate paused past an election),
// which the survey of the calm runs' moments finds; volatile-vote needs
// two at a marked one (the voter crashed, the candidate it voted for
// paused), which strikes at marked events find by stopping the peer the
// mark names. When this was written, explorer seeds 0–9 found the first
// two 10 times each (5 and 7 of those failures with at most 3 faults),
// and seeds 0–19 found volatile-vote 14 times (7 with at most 3 faults),
// against 8 with the peer drawn at random.
func TestExploreFindsThePlantedBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("forty explorations")
	}
	for _, tc := range []struct {
		bug                 string
		seeds, found, small int
	}{{"stale-leader", 10, 7, 5}, {"early-commit", 10, 7, 5}, {"volatile-vote", 20, 11, 5}} {
		v, err := raftlog.Scenario.Values(map[string]string{"bug": tc.bug})
		if err != nil {
			t.Fatal(err)
		}
		found, small := 0, 0
		var runs []int
		for seed := range uint64(tc.seeds) {
			sum, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 200, Seed: seed, StopAtFailure: true, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Failures) == 0 {
				runs = append(runs, -1)
				continue
			}
			f := sum.Failures[0]
			found++
			runs = append(runs, f.Run)
			if f.Entry.Schedule.Count() <= 3 {
				small++
			}
		}
		if found < tc.found || small < tc.small {
			t.Errorf("bug=%s: found by %d of %d explorer seeds (runs %v), %d with at most 3 faults; want %d and %d",
				tc.bug, found, tc.seeds, runs, small, tc.found, tc.small)
		}
		t.Logf("bug=%s: runs to the first failure %v, %d with at most 3 faults", tc.bug, runs, small)
	}
}

// TestShrinkMakesTheWorkloadSmaller: ops is a workload parameter, and the
// shrink of early-commit's seed 1438 needs a single write.
func TestShrinkMakesTheWorkloadSmaller(t *testing.T) {
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "early-commit", "nemesis": "true"})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := scenarios.ShrinkRun(raftlog.Scenario, v, 1438, scenarios.Options{}, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sh.Values.Int("ops"); got != 1 || sh.Stats.Workload != "ops 400→1" {
		t.Fatalf("ops %d (%q), want 1", got, sh.Stats.Workload)
	}
	if again := scenarios.ExecuteSchedule(raftlog.Scenario, sh.Values, 1438, scenarios.Options{}, sh.Minimal); again.TraceHash != sh.Result.TraceHash || !scenarios.FailsLike(again, sh.How) {
		t.Fatalf("replay: %s %s, shrink saw %s", again.Status, again.TraceHash, sh.Result.TraceHash)
	}
}

func TestBadParameters(t *testing.T) {
	for _, set := range []map[string]string{
		{"bug": "off-by-one"},
		{"ops": "0"},
		{"heartbeat": "200ms"},   // not below election_timeout
		{"check_quorum": "50ms"}, // not above heartbeat
		{"election_timeout": "0s"},
		{"latency": "uniform:5ms-1ms"},
	} {
		if _, err := raftlog.Scenario.Values(set); err == nil {
			t.Errorf("%v accepted", set)
		} else if want := fmt.Sprint(err); want == "" {
			t.Errorf("%v: empty error", set)
		}
	}
}

// TestStateFingerprints: a run records the cluster's abstract states and
// transitions, each with the node that reached it; a run without faults
// reaches one leader with two followers, and never two leaders.
func TestStateFingerprints(t *testing.T) {
	res := scentest.Execute(t, raftlog.Scenario, 1, map[string]string{"ops": "20"})
	has := func(prefix string) bool {
		for _, c := range res.Coverage {
			if strings.HasPrefix(c, prefix) {
				return true
			}
		}
		return false
	}
	if !has("state F F F @n") || !has("state Fv Fv L* @n") || !has("F F F → ") {
		t.Fatalf("fingerprints %q", res.Coverage)
	}
	for _, c := range res.Coverage {
		if strings.Count(c, "L") > 1 && !strings.Contains(c, "→") {
			t.Fatalf("two leaders without faults: %q", c)
		}
	}
	nem := scentest.Execute(t, raftlog.Scenario, 3, map[string]string{"nemesis": "true"})
	if len(nem.Coverage) <= len(res.Coverage) {
		t.Fatalf("the nemesis reached %d fingerprints, no faults %d", len(nem.Coverage), len(res.Coverage))
	}
}

// TestFingerprintsLeaveTheTrace: the state fingerprints record nothing
// in the trace. The hash was taken before raftlog had them.
func TestFingerprintsLeaveTheTrace(t *testing.T) {
	res := scentest.Execute(t, raftlog.Scenario, 5, map[string]string{"nemesis": "true"})
	if res.TraceHash != "c35eb858924bdde4" || len(res.Coverage) < 10 {
		t.Fatalf("trace hash %s (%d fingerprints), want c35eb858924bdde4", res.TraceHash, len(res.Coverage))
	}
}

// TestExploreStrikesMarkedEvents: an exploration of volatile-vote aims
// faults at the events raftlog marks (StateCover.Mark) and so reaches the
// dangerous restart (a voter back in the term it voted in, the election
// still open), which random seeds almost never reach; the same explorer
// seed gives the same runs whatever the number of workers.
func TestExploreStrikesMarkedEvents(t *testing.T) {
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "volatile-vote", "ops": "50"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) (hashes []string, strikes, reached int) {
		_, err := scenarios.Explore(raftlog.Scenario, v, scenarios.ExploreOptions{Runs: 80, Seed: 1, Workers: workers,
			OnRun: func(_ int, e scenarios.CorpusEntry, res *scenarios.Result, _ bool) {
				hashes = append(hashes, res.TraceHash)
				if e.Origin == "strike" {
					strikes++
				}
				for _, a := range res.Assertions {
					if a.Name == "restarts in a term it voted in, the election open" && a.True > 0 {
						reached++
					}
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		return hashes, strikes, reached
	}
	a, strikes, reached := run(1)
	b, _, _ := run(2)
	if !slices.Equal(a, b) {
		t.Fatal("the same explorer seed gave other runs with 2 workers")
	}
	if strikes == 0 || reached == 0 {
		t.Fatalf("%d strikes, %d runs reached the dangerous restart", strikes, reached)
	}
	t.Logf("%d strikes; %d runs reached the dangerous restart", strikes, reached)
}

// TestMarksNameThePeer: a vote's mark names the candidate it went to
// (the sender of the request, Env.From), so that explore can stop both.
func TestMarksNameThePeer(t *testing.T) {
	vote := regexp.MustCompile(`^event votes while two candidates campaign in its term @n([1-3]) ~n([1-3])$`)
	votes := 0
	for seed := uint64(1); seed <= 20; seed++ {
		res := scentest.Execute(t, raftlog.Scenario, seed, map[string]string{"nemesis": "true"})
		for _, c := range res.Coverage {
			if strings.HasPrefix(c, "event votes while") {
				if m := vote.FindStringSubmatch(c); m == nil || m[1] == m[2] {
					t.Fatalf("seed %d: mark %q names no other replica as its peer", seed, c)
				}
				votes++
			}
		}
	}
	if votes == 0 {
		t.Fatal("no deciding vote marked on nemesis seeds 1-20")
	}
}

// TestShrinkExploresForFewerFaults: a volatile-vote failure (explorer
// seed 10's find) whose four faults all stay when its world seed is kept
// (two of them make the split vote that seed lacks) shrinks to at most
// three with ShrinkOptions.Explore, under the seed its search found; the
// shrink is deterministic, and its result replays.
func TestShrinkExploresForFewerFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("three shrinks")
	}
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "volatile-vote", "shuffle_ties": "true"})
	if err != nil {
		t.Fatal(err)
	}
	const seed = 10000000
	opts := scenarios.Options{Faults: "at 154ms crash n3 for 283ms\nat 161ms isolate n1 for 313ms\nat 441ms pause n2 for 512ms\nat 449ms crash n3 for 29ms\nat 10s heal"}
	kept, err := scenarios.ShrinkRun(raftlog.Scenario, v, seed, opts, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := kept.Minimal.Count(); n <= 3 {
		t.Fatalf("with the world seed kept it shrinks to %d faults; the test needs a failure that does not:\n%s", n, kept.Minimal)
	}
	shrink := func() *scenarios.Shrunk {
		sh, err := scenarios.ShrinkRun(raftlog.Scenario, v, seed, opts, scenarios.ShrinkOptions{Explore: 4000, MaxRuns: 10000})
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	sh := shrink()
	if n := sh.Minimal.Count(); n > 3 || sh.Seed == seed {
		t.Fatalf("shrunk to %d faults with seed %d (want at most 3, another seed; %s):\n%s", n, sh.Seed, sh.Stats, sh.Minimal)
	}
	t.Logf("%d faults to %d: %s", kept.Minimal.Count(), sh.Minimal.Count(), sh.Stats)
	if again := shrink(); again.Seed != sh.Seed || again.Minimal.String() != sh.Minimal.String() || again.Result.TraceHash != sh.Result.TraceHash {
		t.Fatalf("a second shrink gave seed %d hash %s, the first %d %s", again.Seed, again.Result.TraceHash, sh.Seed, sh.Result.TraceHash)
	}
	if re := scenarios.ExecuteSchedule(raftlog.Scenario, sh.Values, sh.Seed, scenarios.Options{}, sh.Minimal); re.TraceHash != sh.Result.TraceHash || !scenarios.FailsLike(re, sh.How) {
		t.Fatalf("replay: %s %s, shrink saw %s", re.Status, re.TraceHash, sh.Result.TraceHash)
	}
}
