package ledger

import (
	"testing"

	"github.com/faultline/faultline/scenarios/scentest"
)

// TestShrunkScheduleStillFails shrinks the seeded schedule of a failing
// run and replays the minimal schedule through the faults parameter, as
// `faultline run --faults FILE` does: it fails the same check, with the
// trace the shrink saw, and the same run without faults passes. Seed
// 0 fails with these settings because of its seeded faults.
func TestShrunkScheduleStillFails(t *testing.T) {
	scentest.ShrinkReplays(t, Scenario, 0, map[string]string{"mode": "buggy", "loss": "0", "duplicate": "0"})
}

// TestReplayReproducesTraceHash: the seeded schedule, read back from a
// run's notes and given as the faults parameter or as Options.Faults,
// replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) { scentest.ReplayReproduces(t, Scenario, 4) }

// TestNemesisCorrectMode: under the common nemesis the correct mode holds.
func TestNemesisCorrectMode(t *testing.T) { scentest.NemesisCorrect(t, Scenario, 50) }
