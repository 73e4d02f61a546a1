package scenarios_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/pingpong" // a scenario that uses NewCluster
	"github.com/faultline/faultline/sim"
)

// byName holds the scenarios these tests run by name.
var byName = scenarios.MustCatalog(pingpong.Scenario, noClusterScenario, seededScenario)

var noClusterScenario = &scenarios.Scenario{
	Name:    "test-no-cluster",
	Summary: "a scenario that builds no cluster",
	Run: func(r *scenarios.Run) error {
		r.Check(checks.Pass("nothing"))
		return nil
	},
}

func runPingpong(t *testing.T, seed uint64, set map[string]string, opts scenarios.Options) *scenarios.Result {
	t.Helper()
	s, v, err := byName.Prepare("pingpong", set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(s, v, seed, opts)
}

func hasNote(res *scenarios.Result, prefix string) bool {
	return slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, prefix) })
}

func TestClusterAppliesFaultFile(t *testing.T) {
	sink := &sim.MemorySink{}
	text := "# n2 stops the world for 5ms\nat 2ms pause n2 for 5ms\nat 1ms clog n1->n3 x4 for 10ms\n"
	res := runPingpong(t, 3, nil, scenarios.Options{Faults: text, FaultsFile: "gc.txt", Sink: sink})
	if res.Status != scenarios.StatusOK {
		t.Fatalf("status %s: %s %v", res.Status, res.Error, res.Checks)
	}
	for _, want := range []string{"faults: 2 from gc.txt", "fault: at 2ms pause n2 for 5ms", "fault: at 1ms clog n1->n3 x4 for 10ms"} {
		if !hasNote(res, want) {
			t.Errorf("notes %q lack %q", res.Notes, want)
		}
	}
	if !strings.HasSuffix(res.Replay, " --faults gc.txt") {
		t.Errorf("replay %q does not name the fault file", res.Replay)
	}
	kinds := map[string]int{}
	for _, r := range sink.Records {
		kinds[r.Kind]++
	}
	if kinds["pause"] != 1 || kinds["resume"] != 1 || kinds["clog"] != 1 || kinds["fault"] != 2 || kinds["fault_end"] != 1 {
		t.Fatalf("trace kinds %v", kinds)
	}
	// A crash loses balls: the check sees the fault.
	res = runPingpong(t, 3, nil, scenarios.Options{Faults: "at 1500us crash n2"})
	if res.Status != scenarios.StatusFail {
		t.Fatalf("status %s with n2 crashed for good, want fail", res.Status)
	}
}

func TestClusterBadFaultFile(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		text string
		want string
	}{
		{"node out of range", map[string]string{"nodes": "3"}, "at 1s crash n2\n\nat 2s crash n4", "bad.txt:3: unknown node \"n4\": the cluster has 3 nodes"},
		{"unknown kind", nil, "at 1s explode n1", "bad.txt:1: unknown fault kind \"explode\""},
		{"with nemesis", map[string]string{"nemesis": "true"}, "at 1s crash n1", "--faults and nemesis=true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runPingpong(t, 1, tc.set, scenarios.Options{Faults: tc.text, FaultsFile: "bad.txt"})
			if res.Status != scenarios.StatusBadInput || !strings.Contains(res.Error, tc.want) {
				t.Fatalf("status %s, error %q; want %s and %q", res.Status, res.Error, scenarios.StatusBadInput, tc.want)
			}
		})
	}
	s, v, _ := byName.Prepare("test-no-cluster", nil)
	res := scenarios.Execute(s, v, 1, scenarios.Options{Faults: "at 1s crash n1"})
	if res.Status != scenarios.StatusBadInput || !strings.Contains(res.Error, "does not take a fault schedule") {
		t.Fatalf("faults given to a scenario without a cluster: %s %q", res.Status, res.Error)
	}
	s, v, _ = byName.Prepare("test-no-cluster", map[string]string{"nemesis": "true"})
	if res := scenarios.Execute(s, v, 1, scenarios.Options{}); res.Status != scenarios.StatusBadInput {
		t.Fatalf("nemesis=true on a scenario without a cluster: %s", res.Status)
	}
}

func TestClusterNemesis(t *testing.T) {
	set := map[string]string{"nemesis": "true", "nemesis.duration": "200ms", "nemesis.quiet": "100ms", "hops": "2000", "nodes": "5"}
	a, b := runPingpong(t, 11, set, scenarios.Options{}), runPingpong(t, 11, set, scenarios.Options{})
	if a.TraceHash != b.TraceHash || !slices.Equal(a.Notes, b.Notes) {
		t.Fatal("the same seed gave two nemesis runs")
	}
	if !hasNote(a, "nemesis.kinds = ") || !hasNote(a, "fault: at 200ms heal") {
		t.Fatalf("notes lack the knobs or the quiet heal: %q", a.Notes)
	}
	if c := runPingpong(t, 12, set, scenarios.Options{}); slices.Equal(a.Notes, c.Notes) {
		t.Fatal("seeds 11 and 12 drew the same nemesis")
	}
	if !strings.Contains(a.Replay, "--set nemesis=true") {
		t.Fatalf("replay %q", a.Replay)
	}
	// shuffle_ties=auto shuffles nemesis runs: the same as true, not false.
	set["shuffle_ties"] = "true"
	if on := runPingpong(t, 11, set, scenarios.Options{}); on.TraceHash != a.TraceHash {
		t.Fatal("shuffle_ties=auto with nemesis is not shuffle_ties=true")
	}
	set["shuffle_ties"] = "false"
	if off := runPingpong(t, 11, set, scenarios.Options{}); off.TraceHash == a.TraceHash {
		t.Fatal("shuffle_ties=false did not change a nemesis run")
	}
}

func TestClusterBuggify(t *testing.T) {
	plain := runPingpong(t, 5, nil, scenarios.Options{})
	off := runPingpong(t, 5, map[string]string{"buggify": "false"}, scenarios.Options{})
	if plain.TraceHash != off.TraceHash || hasNote(plain, "buggify") {
		t.Fatal("buggify=false changed the run")
	}
	on := runPingpong(t, 5, map[string]string{"buggify": "true"}, scenarios.Options{})
	if !hasNote(on, "buggify") {
		t.Fatalf("buggify=true run has no buggify note: %q", on.Notes)
	}
	again := runPingpong(t, 5, map[string]string{"buggify": "true"}, scenarios.Options{})
	if on.TraceHash != again.TraceHash || !slices.Equal(on.Notes, again.Notes) {
		t.Fatal("buggify runs are not deterministic")
	}
}

// TestNemesisThatDidNothingIsNoted: pingpong's balls are done at 20ms,
// long before the nemesis's first fault; the run says so instead of
// passing as if it had been tested under faults.
func TestNemesisThatDidNothingIsNoted(t *testing.T) {
	res := runPingpong(t, 1, map[string]string{"nemesis": "true"}, scenarios.Options{})
	if !hasNote(res, "faults: they met no traffic: the last message was sent at 19ms, before the first fault at") {
		t.Fatalf("notes %q lack the no-traffic note", res.Notes)
	}
	// With traffic during the faults there is no such note.
	res = runPingpong(t, 1, map[string]string{"hops": "100000"}, scenarios.Options{Faults: "at 5ms pause n2 for 1ms"})
	for _, n := range res.Notes {
		if strings.HasPrefix(n, "faults: they met") || strings.HasPrefix(n, "faults: none") {
			t.Fatalf("note %q on a run whose faults met traffic", n)
		}
	}
}
