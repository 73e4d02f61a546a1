package scentest

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// Shrink shrinks the fault schedule of scenario s's run of seed with
// set, and returns the scenario and the outcome; an error fails t.
func Shrink(t testing.TB, s *scenarios.Scenario, seed uint64, set map[string]string) (*scenarios.Scenario, *scenarios.Shrunk) {
	t.Helper()
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := scenarios.ShrinkRun(s, v, seed, scenarios.Options{}, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s, sh
}

// ReplayShrunk runs s with the replay values of sh on seed and opts, and
// fails t unless the run fails as the shrink's did, with the trace hash
// the shrink saw. It returns the run.
func ReplayShrunk(t testing.TB, s *scenarios.Scenario, sh *scenarios.Shrunk, seed uint64, opts scenarios.Options) *scenarios.Result {
	t.Helper()
	res := scenarios.Execute(s, sh.Values, seed, opts)
	if !scenarios.FailsLike(res, sh.How) || res.TraceHash != sh.Result.TraceHash {
		t.Fatalf("replay of the minimal schedule: status %s, hash %s; the shrink saw %s fail %s", res.Status, res.TraceHash, sh.Result.TraceHash, sh.How)
	}
	return res
}

// ShrinkReplays is the shrink test of a scenario with a seeded schedule
// (scenarios.SeededFaultsParam): the run of seed with set must pass with
// faults=none and fail with its seeded faults; the shrink must keep at
// least one fault and no more than it had, without running out of
// budget; and the minimal schedule, replayed through the faults
// parameter as `faultline run --faults FILE` does, must fail the same
// check with the trace the shrink saw and note that schedule.
func ShrinkReplays(t testing.TB, s *scenarios.Scenario, seed uint64, set map[string]string) {
	t.Helper()
	if res := Execute(t, s, seed, With(set, scenarios.FaultsParam, scenarios.NoFaults)); res.Status != scenarios.StatusOK {
		t.Fatalf("without faults: status %s, want ok (pick a seed whose failure needs faults): %v", res.Status, res.Checks)
	}
	s, sh := Shrink(t, s, seed, set)
	if n := len(sh.Minimal.Faults); n == 0 || n > len(sh.Original.Faults) || sh.Stats.Exhausted {
		t.Fatalf("shrunk %d faults to %d (%s)", len(sh.Original.Faults), n, sh.Stats)
	}
	if got, want := sh.Values.String(scenarios.FaultsParam), scenarios.ScheduleParam(sh.Minimal); got != want {
		t.Fatalf("replay values carry faults=%q, want %q", got, want)
	}
	res := ReplayShrunk(t, s, sh, seed, scenarios.Options{})
	again, err := scenarios.ScheduleOf(res)
	if err != nil || again.String() != sh.Minimal.String() {
		t.Fatalf("the replay notes %v (%v), want %v", again, err, sh.Minimal)
	}
}

// ReplayReproduces checks, for a scenario with a seeded schedule, that
// the schedule of each of seeds 0 to n-1 in mode=correct and mode=buggy,
// read back from the run's notes and given as the faults parameter or as
// Options.Faults, replays the run event for event; and that faults=none
// notes no faults.
func ReplayReproduces(t testing.TB, s *scenarios.Scenario, n uint64) {
	t.Helper()
	for _, mode := range []string{"correct", "buggy"} {
		for seed := range n {
			set := map[string]string{"mode": mode}
			a := Execute(t, s, seed, set)
			sched, err := scenarios.ScheduleOf(a)
			if err != nil || len(sched.Faults) == 0 {
				t.Fatalf("%s seed %d: schedule %v, %v: want faults in the notes", mode, seed, sched, err)
			}
			b := Execute(t, s, seed, With(set, scenarios.FaultsParam, scenarios.ScheduleParam(sched)))
			v, err := s.Values(set)
			if err != nil {
				t.Fatal(err)
			}
			c := scenarios.Execute(s, v, seed, scenarios.Options{Faults: sched.String()})
			for _, r := range []*scenarios.Result{b, c} {
				if r.TraceHash != a.TraceHash || r.Status != a.Status {
					t.Fatalf("%s seed %d: replay %s/%s, original %s/%s", mode, seed, r.TraceHash, r.Status, a.TraceHash, a.Status)
				}
			}
		}
	}
	none := Execute(t, s, 0, map[string]string{scenarios.FaultsParam: scenarios.NoFaults})
	if s, err := scenarios.ScheduleOf(none); err != nil || len(s.Faults) > 0 {
		t.Fatalf("faults=none noted faults: %v", none.Notes)
	}
}

// NemesisCorrect runs seeds 0 to n-1 of the correct mode under the
// common nemesis (nemesis=true), and fails t unless each is ok and notes
// the nemesis's schedule. For a scenario that takes the faults
// parameter, nemesis=true with faults=none must also be bad input, as the
// two give different schedules.
func NemesisCorrect(t testing.TB, s *scenarios.Scenario, n uint64) {
	t.Helper()
	for seed := range n {
		res := Execute(t, s, seed, map[string]string{"nemesis": "true"})
		if res.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: status %s: %v\nreplay: %s", seed, res.Status, res.Checks, res.Replay)
		}
		if s, _ := scenarios.ScheduleOf(res); s == nil || len(s.Faults) == 0 {
			t.Fatalf("seed %d: no nemesis schedule in the notes", seed)
		}
	}
	if !slices.ContainsFunc(s.Declared(), func(p scenarios.Param) bool { return p.Name == scenarios.FaultsParam }) {
		return
	}
	if res := Execute(t, s, 0, map[string]string{"nemesis": "true", scenarios.FaultsParam: scenarios.NoFaults}); res.Status != scenarios.StatusBadInput {
		t.Fatalf("nemesis=true with faults=none: status %s, want bad_input", res.Status)
	}
}
