package idempotency

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

// quiet are settings under which mode=buggy charges once unless faults
// make a client retry: no loss, and a time-out above the bank's latency.
var quiet = map[string]string{"mode": "buggy", "loss": "0", "reply_loss": "0", "duplicate": "0", "timeout": "100ms"}

// TestShrunkScheduleStillFails shrinks the nemesis's schedule of a run
// that fails only because of it, and replays the minimal schedule as
// `faultline run --faults FILE` does: it fails the same check, with the
// trace the shrink saw.
func TestShrunkScheduleStillFails(t *testing.T) {
	const seed = 6
	if res := execute(t, seed, quiet); res.Status != scenarios.StatusOK {
		t.Fatalf("without faults: status %s, want ok: %v", res.Status, res.Checks)
	}
	s, sh := scentest.Shrink(t, Scenario, seed, scentest.With(quiet, "nemesis", "true"))
	if n := len(sh.Minimal.Faults); n == 0 || n >= len(sh.Original.Faults) || sh.Stats.Exhausted {
		t.Fatalf("shrunk %d faults to %d (%s)", len(sh.Original.Faults), n, sh.Stats)
	}
	scentest.ReplayShrunk(t, s, sh, seed, scenarios.Options{Faults: sh.Minimal.String()})
}

// TestReplayReproducesTraceHash: the nemesis's schedule, read back from
// a run's notes and given as --faults with the nemesis off and ties
// broken as the nemesis run broke them, replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) {
	for _, mode := range []string{"correct", "buggy"} {
		for seed := uint64(0); seed < 4; seed++ {
			a := execute(t, seed, map[string]string{"mode": mode, "nemesis": "true"})
			sched, err := scenarios.ScheduleOf(a)
			if err != nil || len(sched.Faults) == 0 {
				t.Fatalf("%s seed %d: schedule %v, %v: want faults in the notes", mode, seed, sched, err)
			}
			s := Scenario
			v, err := s.Values(map[string]string{"mode": mode, "shuffle_ties": "true"})
			if err != nil {
				t.Fatal(err)
			}
			b := scenarios.Execute(s, v, seed, scenarios.Options{Faults: sched.String()})
			if b.TraceHash != a.TraceHash || b.Status != a.Status {
				t.Fatalf("%s seed %d: replay %s/%s, original %s/%s", mode, seed, b.TraceHash, b.Status, a.TraceHash, a.Status)
			}
		}
	}
}

// TestNemesisCorrectMode: under the common nemesis the correct mode
// holds, and each run notes the nemesis's schedule.
func TestNemesisCorrectMode(t *testing.T) { scentest.NemesisCorrect(t, Scenario, 50) }
