package fencing_test

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"example.com/fencing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/proptest"
	"github.com/faultline/faultline/scenarios/scentest"
)

func init() {
	// Failures print a CLI replay with this module's own binary.
	proptest.Program = "go run ./cmd/fencing"
}

// TestLockIsSafe is the property: under any fault schedule the nemesis
// draws, the storage accepts writes in token order. With
// FENCING_PLANTED=1 it runs the planted bug (no fencing) under pauses
// only, and fails.
func TestLockIsSafe(t *testing.T) {
	set := map[string]string{"nemesis": "true"}
	if os.Getenv("FENCING_PLANTED") == "1" {
		set["fenced"] = "false"
		set["nemesis.kinds"] = "pause"
	}
	proptest.Run(t, fencing.Scenario, set)
}

// TestPlantedBugIsFoundAndShrunk runs TestLockIsSafe on the planted bug
// in a child `go test` process with -faultline.shrink: it must fail, and
// shrink its schedule to the one pause that matters.
func TestPlantedBugIsFoundAndShrunk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child test process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockIsSafe$", "-test.v", "-faultline.shrink", "-faultline.trace="+t.TempDir())
	cmd.Env = append(os.Environ(), "FENCING_PLANTED=1")
	out, err := cmd.CombinedOutput()
	log := string(out)
	if err == nil {
		t.Fatalf("the planted bug was not found:\n%s", log)
	}
	m := regexp.MustCompile(`shrunk \d+ faults to (\d+) .*\n\s+(at \S+ pause n\d+ for \S+)`).FindStringSubmatch(log)
	if m == nil || m[1] != "1" {
		t.Fatalf("want a shrink to one pause:\n%s", log)
	}
	for _, want := range []string{"fail fenced_writes", "-faultline.faults=", "go run ./cmd/fencing run fencing --seed"} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
}

// TestDeterministic runs seeds twice and compares trace hashes, with the
// nemesis on and off.
func TestDeterministic(t *testing.T) {
	for _, set := range []map[string]string{nil, {"nemesis": "true", "fenced": "false"}} {
		v, err := fencing.Scenario.Values(set)
		if err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(5) {
			res := scenarios.Execute(fencing.Scenario, v, seed, scenarios.Options{CheckDeterminism: true})
			if res.Status == scenarios.StatusNondeterministic {
				t.Fatal(res.Error)
			}
		}
	}
}

// TestParamReads checks, in this package's source, that the scenario
// reads only the parameters it declares, each as its declared type.
func TestParamReads(t *testing.T) {
	if n := scentest.ParamReads(t, fencing.Scenario); n < 5 {
		t.Fatalf("checked only %d parameter reads", n)
	}
}

// TestLockIsSafeIsolated is TestLockIsSafe with every seed in a worker
// process (go test -faultline.isolate): the public API is enough to run
// a user's own scenario isolated from the test process.
func TestLockIsSafeIsolated(t *testing.T) {
	for name, value := range map[string]string{"faultline.isolate": "true", "faultline.seeds": "0-7"} {
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, value); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = flag.Set(name, old) })
	}
	proptest.Run(t, fencing.Scenario, map[string]string{"nemesis": "true"})
}
