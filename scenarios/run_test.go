package scenarios

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/sim"
)

// testScenario misbehaves on request, to exercise the runner.
var testScenario = &Scenario{
	Name:    "runner-test",
	Summary: "a scenario that misbehaves on request",
	Params: []Param{
		{Name: "behave", Default: "ok", Kind: String, Choices: []string{"ok", "fail", "unknown", "panic-setup", "panic-node", "forever", "error", "slow-check", "hog", "artifact"}},
		{Name: "x", Default: "1", Kind: Int},
	},
	Run: func(r *Run) error {
		w := r.World
		switch r.Params.String("behave") {
		case "panic-setup":
			panic("broken setup")
		case "panic-node":
			w.Schedule(sim.Time(time.Second), sim.HandlerFunc(func(*sim.Event) { panic("node bug") }), sim.Event{Node: 2, Kind: 9})
		case "forever":
			var h sim.HandlerFunc
			h = func(*sim.Event) { w.After(time.Millisecond, h, sim.Event{}) }
			w.Schedule(0, h, sim.Event{})
		case "error":
			return errors.New("scenario gave up")
		case "hog":
			var kept [][]byte
			var h sim.HandlerFunc
			h = func(*sim.Event) { kept = append(kept, make([]byte, 1<<20)); w.After(time.Millisecond, h, sim.Event{}) }
			w.Schedule(0, h, sim.Event{})
		}
		if err := w.Run(); err != nil {
			return err
		}
		switch r.Params.String("behave") {
		case "artifact":
			// os.CreateTemp makes files 0600, as porcupine's writer does.
			f, err := os.CreateTemp(r.ArtifactDir, "vis-*.html")
			if err != nil {
				return err
			}
			f.Close()
			r.Check(checks.Result{Name: "c", Outcome: checks.Fail, Artifact: f.Name()})
		case "slow-check":
			// A check that takes its whole budget, as a slow checker would.
			time.Sleep(r.CheckTimeout(time.Minute))
			r.Check(checks.Unknownf("c", "timed out"))
		case "fail":
			r.Check(checks.Failf("c", "broken on purpose"))
		case "unknown":
			r.Check(checks.Unknownf("c", "could not decide"))
		default:
			r.Check(checks.Pass("c"))
		}
		return nil
	},
}

func exec(t *testing.T, set map[string]string, opts Options) *Result {
	t.Helper()
	s := testScenario
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	return Execute(s, v, 42, opts)
}

func TestExecuteStatuses(t *testing.T) {
	tests := []struct {
		behave, status, errHas string
		opts                   Options
	}{
		{"ok", StatusOK, "", Options{}},
		{"fail", StatusFail, "", Options{}},
		{"unknown", StatusUnknown, "", Options{}},
		{"panic-setup", StatusPanic, "broken setup", Options{}},
		{"panic-node", StatusPanic, "panic at sim time 1s, event 1, node 2: node bug", Options{}},
		{"forever", StatusLimit, "max_time", Options{Limits: sim.Limits{MaxTime: sim.Time(time.Minute)}}},
		{"forever", StatusLimit, "max_events", Options{Limits: sim.Limits{MaxEvents: 1000}}},
		{"forever", StatusLimit, "wall_time", Options{WallLimit: 50 * time.Millisecond}},
		{"error", StatusFail, "scenario gave up", Options{}},
		{"slow-check", StatusLimit, "limit wall_time (50ms)", Options{WallLimit: 50 * time.Millisecond}},
		{"hog", StatusLimit, "limit memory (heap", Options{MemoryLimit: HeapBytes() + 32<<20}},
	}
	for _, tt := range tests {
		t.Run(tt.behave+"/"+tt.status, func(t *testing.T) {
			res := exec(t, map[string]string{"behave": tt.behave}, tt.opts)
			if res.Status != tt.status || !strings.Contains(res.Error, tt.errHas) {
				t.Fatalf("status %q error %q, want %q with %q", res.Status, res.Error, tt.status, tt.errHas)
			}
			if res.Failed() != (tt.status != StatusOK) {
				t.Fatal("Failed() disagrees with status")
			}
			if tt.status == StatusPanic && res.Stack == "" {
				t.Fatal("panic without a stack")
			}
			if !strings.HasPrefix(res.Replay, "faultline run runner-test --seed 42") {
				t.Fatalf("replay %q", res.Replay)
			}
		})
	}
}

func TestCheckTimeoutIsBoundedByWallLimit(t *testing.T) {
	start := time.Now()
	res := exec(t, map[string]string{"behave": "slow-check"}, Options{WallLimit: 100 * time.Millisecond})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the check ran %v past a 100ms wall limit", took)
	}
	if res.Limit != "wall_time" || !strings.Contains(res.Replay, "--max-wall 100ms") {
		t.Fatalf("limit %q replay %q", res.Limit, res.Replay)
	}
	if d := (&Run{}).CheckTimeout(time.Second); d != time.Second {
		t.Fatalf("no wall limit: got %v, want the check's own 1s", d)
	}
}

func TestArtifactsAreReadableByAll(t *testing.T) {
	res := exec(t, map[string]string{"behave": "artifact"}, Options{ArtifactDir: t.TempDir()})
	st, err := os.Stat(res.Checks[0].Artifact)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("artifact mode %v, %v; want 0644", st.Mode(), err)
	}
}

func TestReplayCarriesLimitFlags(t *testing.T) {
	res := exec(t, map[string]string{"behave": "forever"}, Options{Limits: sim.Limits{MaxEvents: 100, MaxTime: sim.Time(time.Hour), MaxPending: 7}})
	want := "faultline run runner-test --seed 42 --set behave=forever --max-events 100 --max-time 1h0m0s --max-pending 7"
	if res.Status != StatusLimit || res.Replay != want {
		t.Fatalf("status %s replay %q, want %q", res.Status, res.Replay, want)
	}
	// Defaults, and limits a run did not hit, stay out of the replay.
	res = exec(t, nil, Options{Limits: sim.DefaultLimits, WallLimit: time.Minute, MemoryLimit: 1 << 40})
	if res.Replay != "faultline run runner-test --seed 42" {
		t.Fatalf("replay %q", res.Replay)
	}
}

func TestReplayCommandQuotes(t *testing.T) {
	s := testScenario
	v, err := s.Values(map[string]string{"x": "5", "behave": "fail"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ReplayCommand(s, v, 3), "faultline run runner-test --seed 3 --set behave=fail --set x=5"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := shellQuote("a=b c"); got != "'a=b c'" {
		t.Fatalf("quote %q", got)
	}
}

func TestLookupUnknown(t *testing.T) {
	c := MustCatalog(testScenario, sweepScenario)
	_, err := c.Lookup("nope")
	if err == nil || !strings.Contains(err.Error(), "runner-test") {
		t.Fatalf("got %v", err)
	}
}

func TestCatalogRefusesBadEntries(t *testing.T) {
	bad := *testScenario
	bad.Params = []Param{{Name: "n", Default: "x", Kind: Int}}
	tests := []struct {
		name string
		list []*Scenario
		want string
	}{
		{"duplicate", []*Scenario{testScenario, sweepScenario, testScenario}, "runner-test: two scenarios have this name"},
		{"bad default", []*Scenario{&bad}, "scenario runner-test: bad default"},
		{"no name", []*Scenario{{Run: testScenario.Run}}, "no name"},
		{"no run", []*Scenario{{Name: "x"}}, "scenario x: no Run function"},
		{"nil", []*Scenario{nil}, "nil scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCatalog(tt.list...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tt.want)
			}
		})
	}
	c := MustCatalog(testScenario, sweepScenario)
	if got := c.Names(); len(got) != 2 || got[0] > got[1] {
		t.Fatalf("names %v, want two, sorted", got)
	}
}
