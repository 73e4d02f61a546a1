package lease

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
)

// shrinkCase is a failing mode=buggy run whose failure needs its seeded
// faults: with faults=none it passes.
var shrinkCase = struct {
	seed uint64
	set  map[string]string
}{0, map[string]string{"mode": "buggy"}}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestShrunkScheduleStillFails shrinks the seeded schedule of a failing
// run and replays the minimal schedule through the faults parameter, as
// `faultline run --faults FILE` does: it fails the same check, with the
// trace the shrink saw, and the same run without faults passes.
func TestShrunkScheduleStillFails(t *testing.T) {
	if res := execute(t, shrinkCase.seed, with(shrinkCase.set, "faults", scenarios.NoFaults)); res.Status != scenarios.StatusOK {
		t.Fatalf("without faults: status %s, want ok (pick a seed whose failure needs faults): %v", res.Status, res.Checks)
	}
	s, v, err := scenarios.Prepare("lease", shrinkCase.set)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := scenarios.ShrinkRun(s, v, shrinkCase.seed, scenarios.Options{}, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sh.Minimal.Faults); n == 0 || n > len(sh.Original.Faults) || sh.Stats.Exhausted {
		t.Fatalf("shrunk %d faults to %d (%s)", len(sh.Original.Faults), n, sh.Stats)
	}
	if got, want := sh.Values.String(scenarios.FaultsParam), scenarios.ScheduleParam(sh.Minimal); got != want {
		t.Fatalf("replay values carry faults=%q, want %q", got, want)
	}
	res := scenarios.Execute(s, sh.Values, shrinkCase.seed, scenarios.Options{})
	if !scenarios.FailsLike(res, sh.How) || res.TraceHash != sh.Result.TraceHash {
		t.Fatalf("replay of the minimal schedule: status %s, hash %s; the shrink saw %s fail %s", res.Status, res.TraceHash, sh.Result.TraceHash, sh.How)
	}
	again, err := scenarios.ScheduleOf(res)
	if err != nil || again.String() != sh.Minimal.String() {
		t.Fatalf("the replay notes %v (%v), want %v", again, err, sh.Minimal)
	}
}

// TestReplayReproducesTraceHash: the seeded schedule, read back from a
// run's notes and given as the faults parameter or as Options.Faults,
// replays the run event for event.
func TestReplayReproducesTraceHash(t *testing.T) {
	for _, mode := range []string{"correct", "buggy"} {
		for seed := uint64(0); seed < 4; seed++ {
			set := map[string]string{"mode": mode}
			a := execute(t, seed, set)
			sched, err := scenarios.ScheduleOf(a)
			if err != nil || len(sched.Faults) == 0 {
				t.Fatalf("%s seed %d: schedule %v, %v: want faults in the notes", mode, seed, sched, err)
			}
			b := execute(t, seed, with(set, scenarios.FaultsParam, scenarios.ScheduleParam(sched)))
			s, v, err := scenarios.Prepare("lease", set)
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
	none := execute(t, 0, map[string]string{"faults": scenarios.NoFaults})
	if s, err := scenarios.ScheduleOf(none); err != nil || len(s.Faults) > 0 {
		t.Fatalf("faults=none noted faults: %v", none.Notes)
	}
}

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
