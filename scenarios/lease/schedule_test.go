package lease

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

// TestShrunkScheduleStillFails shrinks the seeded schedule of a failing
// run and replays the minimal schedule through the faults parameter, as
// `faultline run --faults FILE` does: it fails the same check, with the
// trace the shrink saw, and the same run without faults passes. Seed 0
// fails with mode=buggy because of its seeded faults.
func TestShrunkScheduleStillFails(t *testing.T) {
	scentest.ShrinkReplays(t, Scenario, 0, map[string]string{"mode": "buggy"})
}

// TestReplayReproducesTraceHash: the seeded schedule, read back from a
// run's notes and given as the faults parameter or as Options.Faults,
// replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) { scentest.ReplayReproduces(t, Scenario, 4) }

// untolerated are the fault kinds a lease cannot survive: clocks that
// leave the max_skew bound, and a holder that stops (pause) or lags
// (slow) past its margin and acts on a lease that expired meanwhile.
var untolerated = []faults.Kind{faults.Offset, faults.Drift, faults.Jump, faults.Pause, faults.Slow}

// TestNemesisCorrectMode: under the common nemesis, the correct mode
// holds once the faults outside the lease's assumptions are taken out of
// the nemesis's schedule; with them, some seeds give two leaders.
func TestNemesisCorrectMode(t *testing.T) {
	failed := 0
	for seed := uint64(0); seed < 50; seed++ {
		res := execute(t, seed, map[string]string{"nemesis": "true"})
		sched, err := scenarios.ScheduleOf(res)
		if err != nil || len(sched.Faults) == 0 {
			t.Fatalf("seed %d: no nemesis schedule in the notes (%v)", seed, err)
		}
		if res.Status != scenarios.StatusOK {
			failed++
		}
		sched.Faults = slices.DeleteFunc(sched.Faults, func(f faults.Fault) bool { return slices.Contains(untolerated, f.Kind) })
		// shuffle_ties=true: ties broken as the nemesis run broke them.
		tame := execute(t, seed, map[string]string{"shuffle_ties": "true", "faults": scenarios.ScheduleParam(sched)})
		if tame.Status != scenarios.StatusOK {
			t.Fatalf("seed %d without %v: status %s: %v\nreplay: %s", seed, untolerated, tame.Status, tame.Checks, tame.Replay)
		}
	}
	if failed == 0 {
		t.Fatal("no seed of the full nemesis gave two leaders: the clock faults and pauses went unnoticed")
	}
	if res := execute(t, 0, map[string]string{"nemesis": "true", "faults": scenarios.NoFaults}); res.Status != scenarios.StatusBadInput {
		t.Fatalf("nemesis=true with faults=none: status %s, want bad_input", res.Status)
	}
}
