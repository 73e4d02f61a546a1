package eventual

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
)

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

// TestShrunkScheduleStillFails: last-writer-wins on skewed clocks loses
// writes without any fault, so the shrink removes every fault, and the
// replay with no faults still fails the same check.
func TestShrunkScheduleStillFails(t *testing.T) {
	const seed = 0
	s, v, err := scenarios.Prepare("eventual", map[string]string{"mode": "buggy"})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := scenarios.ShrinkRun(s, v, seed, scenarios.Options{}, scenarios.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Original.Faults) == 0 || len(sh.Minimal.Faults) != 0 || sh.Values.String(scenarios.FaultsParam) != scenarios.NoFaults {
		t.Fatalf("shrunk %d faults to %v, replay faults=%q: want none", len(sh.Original.Faults), sh.Minimal, sh.Values.String(scenarios.FaultsParam))
	}
	res := scenarios.Execute(s, sh.Values, seed, scenarios.Options{})
	if !scenarios.FailsLike(res, sh.How) || res.TraceHash != sh.Result.TraceHash || sh.How != LastWriteName {
		t.Fatalf("replay without faults: status %s, hash %s; the shrink saw %s fail %s", res.Status, res.TraceHash, sh.Result.TraceHash, sh.How)
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
			s, v, err := scenarios.Prepare("eventual", set)
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

// TestNemesisCorrectMode: under the common nemesis the correct mode holds.
func TestNemesisCorrectMode(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		res := execute(t, seed, map[string]string{"nemesis": "true"})
		if res.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: status %s: %v\nreplay: %s", seed, res.Status, res.Checks, res.Replay)
		}
		if s, _ := scenarios.ScheduleOf(res); s == nil || len(s.Faults) == 0 {
			t.Fatalf("seed %d: no nemesis schedule in the notes", seed)
		}
	}
	if res := execute(t, 0, map[string]string{"nemesis": "true", "faults": scenarios.NoFaults}); res.Status != scenarios.StatusBadInput {
		t.Fatalf("nemesis=true with faults=none: status %s, want bad_input", res.Status)
	}
}
