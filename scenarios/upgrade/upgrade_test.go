package upgrade

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

var catalog = scenarios.MustCatalog(Scenario)

func execute(t *testing.T, seed uint64, set map[string]string, faults string) *scenarios.Result {
	t.Helper()
	s, v, err := catalog.Prepare("rolling-upgrade", set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(s, v, seed, scenarios.Options{Faults: faults})
}

func check(res *scenarios.Result, name string) *scenarios.CheckResult {
	for i := range res.Checks {
		if res.Checks[i].Name == name {
			return &res.Checks[i]
		}
	}
	return nil
}

// The compatible rollout holds on every seed, through the whole mixed
// window.
func TestCompatibleRolloutHolds(t *testing.T) {
	for seed := range uint64(60) {
		res := execute(t, seed, map[string]string{"rollout": "compatible"}, "")
		if res.Status != scenarios.StatusOK || res.Metrics["suspicions"] != 0 {
			t.Fatalf("seed %d: status %s, %v suspicions, checks %v", seed, res.Status, res.Metrics["suspicions"], res.Checks)
		}
		if res.Metrics["mixed_from_ms"] != 2000 || res.Metrics["mixed_to_ms"] != 10000 {
			t.Fatalf("seed %d: mixed window %v..%v ms, want 2000..10000 (5 nodes, one every 2s from 2s)",
				seed, res.Metrics["mixed_from_ms"], res.Metrics["mixed_to_ms"])
		}
	}
}

// Each breaking rollout is caught by no_false_suspicion, and the first
// false suspicion falls inside the mixed window, where a v1 node
// suspects a v2 node.
func TestBreakingRolloutsCaughtInMixedWindow(t *testing.T) {
	for _, rollout := range []string{"format", "timeout"} {
		for seed := range uint64(20) {
			res := execute(t, seed, map[string]string{"rollout": rollout}, "")
			c := check(res, "no_false_suspicion")
			if res.Status != scenarios.StatusFail || c == nil || c.OK {
				t.Fatalf("%s seed %d: status %s, check %+v; want the check to fail", rollout, seed, res.Status, c)
			}
			first, from, to := res.Metrics["first_false_suspicion_ms"], res.Metrics["mixed_from_ms"], res.Metrics["mixed_to_ms"]
			if first < from || first > to {
				t.Fatalf("%s seed %d: first false suspicion at %v ms, outside the mixed window %v..%v", rollout, seed, first, from, to)
			}
			if !strings.Contains(c.Detail, "(v1) suspected") || !strings.Contains(c.Detail, "(v2)") {
				t.Fatalf("%s seed %d: detail %q does not name a v1 node suspecting a v2 node", rollout, seed, c.Detail)
			}
		}
	}
}

// Without an upgrade (every node on v1) nothing is suspected whatever
// the rollout: the failures above come from the mixed window.
func TestNoUpgradeNoSuspicion(t *testing.T) {
	for _, rollout := range []string{"compatible", "format", "timeout"} {
		res := execute(t, 1, map[string]string{"rollout": rollout, "upgrade_at": "1h"}, "")
		if res.Status != scenarios.StatusOK || res.Metrics["suspicions"] != 0 {
			t.Fatalf("%s without an upgrade: status %s, %v suspicions", rollout, res.Status, res.Metrics["suspicions"])
		}
	}
}

// A fault file gives its own rollout: a partial one keeps the cluster
// mixed to the end of the run.
func TestRolloutFromFaultFile(t *testing.T) {
	res := execute(t, 2, map[string]string{"rollout": "format", "duration": "20s"}, "at 5s upgrade n1,n2,n3 to v2 every 5s")
	if res.Status != scenarios.StatusFail || res.Metrics["mixed_from_ms"] != 5000 || res.Metrics["mixed_to_ms"] != 20000 {
		t.Fatalf("status %s, mixed %v..%v ms; want fail, 5000..20000", res.Status, res.Metrics["mixed_from_ms"], res.Metrics["mixed_to_ms"])
	}
	res = execute(t, 2, map[string]string{"rollout": "compatible", "duration": "20s"}, "at 5s upgrade n1,n2,n3 to v2 every 5s")
	if res.Status != scenarios.StatusOK {
		t.Fatalf("compatible partial rollout: status %s %v", res.Status, res.Checks)
	}
}

func TestUnknownVersionIsBadInput(t *testing.T) {
	res := execute(t, 1, nil, "at 1s upgrade n1 to v3")
	if res.Status != scenarios.StatusBadInput || !strings.Contains(res.Error, `unknown version "v3" (accepted: v1, v2)`) {
		t.Fatalf("status %s, error %q", res.Status, res.Error)
	}
}

// Same seed, same trace; the rollouts differ in their traces.
func TestDeterminism(t *testing.T) {
	hashes := map[string]string{}
	for _, rollout := range []string{"compatible", "format", "timeout"} {
		for seed := uint64(1); seed <= 3; seed++ {
			set := map[string]string{"rollout": rollout}
			a, b := execute(t, seed, set, ""), execute(t, seed, set, "")
			if a.TraceHash != b.TraceHash || a.Events != b.Events {
				t.Fatalf("%s seed %d: hash %s then %s", rollout, seed, a.TraceHash, b.TraceHash)
			}
			if seed == 1 {
				if other, ok := hashes[a.TraceHash]; ok {
					t.Fatalf("rollouts %s and %s give the same trace", other, rollout)
				}
				hashes[a.TraceHash] = rollout
			}
		}
	}
	if execute(t, 1, nil, "").TraceHash == execute(t, 2, nil, "").TraceHash {
		t.Fatal("seeds 1 and 2 give the same trace")
	}
}
