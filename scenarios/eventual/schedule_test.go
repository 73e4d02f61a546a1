package eventual

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

// TestShrunkScheduleStillFails: last-writer-wins on skewed clocks loses
// writes without any fault, so the shrink removes every fault, and the
// replay with no faults still fails the same check.
func TestShrunkScheduleStillFails(t *testing.T) {
	const seed = 0
	s, sh := scentest.Shrink(t, Scenario, seed, map[string]string{"mode": "buggy"})
	if len(sh.Original.Faults) == 0 || len(sh.Minimal.Faults) != 0 || sh.Values.String(scenarios.FaultsParam) != scenarios.NoFaults {
		t.Fatalf("shrunk %d faults to %v, replay faults=%q: want none", len(sh.Original.Faults), sh.Minimal, sh.Values.String(scenarios.FaultsParam))
	}
	scentest.ReplayShrunk(t, s, sh, seed, scenarios.Options{})
	if sh.How != LastWriteName {
		t.Fatalf("the shrink kept a failure of %s, want %s", sh.How, LastWriteName)
	}
}

// TestReplayReproducesTraceHash: the seeded schedule, read back from a
// run's notes and given as the faults parameter or as Options.Faults,
// replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) { scentest.ReplayReproduces(t, Scenario, 4) }

// TestNemesisCorrectMode: under the common nemesis the correct mode holds.
func TestNemesisCorrectMode(t *testing.T) { scentest.NemesisCorrect(t, Scenario, 50) }
