package saga

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

// TestShrunkScheduleStillFails shrinks the seeded schedule of a failing
// run and replays the minimal schedule through the faults parameter, as
// `faultline run --faults FILE` does: it fails the same check, with the
// trace the shrink saw, and the same run without faults passes. Seed
// 0 fails with these settings because of its seeded faults.
func TestShrunkScheduleStillFails(t *testing.T) {
	scentest.ShrinkReplays(t, Scenario, 0, map[string]string{"mode": "buggy"})
}

// TestReplayReproducesTraceHash: the seeded schedule, read back from a
// run's notes and given as the faults parameter or as Options.Faults,
// replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) { scentest.ReplayReproduces(t, Scenario, 4) }

// TestNemesisCorrectMode: under the common nemesis the correct mode holds.
func TestNemesisCorrectMode(t *testing.T) { scentest.NemesisCorrect(t, Scenario, 50) }

// TestOrchestratorResumesAfterCrash: the orchestrator crashes while
// sagas are in flight and before some have started; after the restart
// every saga still ends committed or compensated.
func TestOrchestratorResumesAfterCrash(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		res := execute(t, seed, map[string]string{"faults": "at 50ms crash n1 for 200ms; at 300ms crash n1 for 10ms"})
		if res.Status != scenarios.StatusOK || res.Metrics["sagas_committed"]+res.Metrics["sagas_compensated"] != 8 {
			t.Fatalf("seed %d: status %s, %v\nreplay: %s", seed, res.Status, res.Checks, res.Replay)
		}
	}
}
