package scentest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
	"github.com/faultline/faultline/sim"
)

// calls makes scentest-nondet's trace differ from run to run.
var calls int64

// fake is a scenario of one event at a time drawn by at; mode=buggy
// fails on seeds 2, 5, 8, ...
func fake(name string, at func(r *scenarios.Run) sim.Time) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:    name,
		Summary: "a scenario for the helpers' own tests",
		Params:  []scenarios.Param{{Name: "mode", Default: "correct", Kind: scenarios.String, Choices: []string{"correct", "buggy"}}},
		Run: func(r *scenarios.Run) error {
			r.World.Schedule(at(r), sim.HandlerFunc(func(*sim.Event) {}), sim.Event{Node: -1})
			if err := r.World.Run(); err != nil {
				return err
			}
			if r.Params.String("mode") == "buggy" && r.Seed%3 == 2 {
				r.Check(checks.Failf("fake", "seed %d", r.Seed))
			} else {
				r.Check(checks.Pass("fake"))
			}
			return nil
		},
	}
}

var (
	fakeScenario     = fake("scentest-fake", func(r *scenarios.Run) sim.Time { return sim.Time(r.World.Rand("at").Int64N(1e9)) })
	constantScenario = fake("scentest-constant", func(*scenarios.Run) sim.Time { return 1 })
	nondetScenario   = fake("scentest-nondet", func(*scenarios.Run) sim.Time { calls++; return sim.Time(calls) })
)

// recorder is a testing.TB whose Fatal stops the helper and records why.
type recorder struct {
	testing.TB
	fatal string
	logs  []string
}

type stop struct{}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatal(args ...any)         { r.fatal = fmt.Sprint(args...); panic(stop{}) }
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); panic(stop{}) }
func (r *recorder) Logf(f string, a ...any)   { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }

// record runs fn with a recorder and returns it once fn returns or fails.
func record(fn func(tb testing.TB)) (rec *recorder) {
	rec = &recorder{}
	defer func() {
		if x := recover(); x != nil {
			if _, ok := x.(stop); !ok {
				panic(x)
			}
		}
	}()
	fn(rec)
	return rec
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		name  string
		fn    func(tb testing.TB)
		fatal string // "" for a pass; else a part of the message
	}{
		{"determinism", func(tb testing.TB) { scentest.Determinism(tb, fakeScenario, 5) }, ""},
		{"determinism of a run that differs", func(tb testing.TB) { scentest.Determinism(tb, nondetScenario, 5) }, "correct seed 0"},
		{"determinism of seeds alike", func(tb testing.TB) { scentest.Determinism(tb, constantScenario, 5) }, "seeds 1 and 2 share a trace hash"},
		{"correct seeds", func(tb testing.TB) { scentest.CorrectSeeds(tb, fakeScenario, 30, nil, nil) }, ""},
		{"correct seeds that fail", func(tb testing.TB) {
			scentest.CorrectSeeds(tb, fakeScenario, 30, map[string]string{"mode": "buggy"}, nil)
		}, "seed 2: status fail, want ok"},
		{"correct seeds, the scenario's own assertion", func(tb testing.TB) {
			scentest.CorrectSeeds(tb, fakeScenario, 30, nil, func(seed uint64, _ *scenarios.Result) {
				if seed == 7 {
					tb.Fatalf("seed %d: own", seed)
				}
			})
		}, "seed 7: own"},
		{"planted bug", func(tb testing.TB) {
			if res := scentest.PlantedBug(tb, fakeScenario, 20, "the fake bug"); res.Seed != 2 {
				tb.Fatalf("first failure at seed %d, want 2", res.Seed)
			}
		}, ""},
		{"planted bug missed", func(tb testing.TB) { scentest.PlantedBug(tb, fakeScenario, 2, "the fake bug") }, "the fake bug went unnoticed for 2 seeds"},
		{"seeds to first failure", func(tb testing.TB) {
			scentest.SeedsToFirstFailure(tb, fakeScenario, map[string]string{"mode": "buggy"}, 2)
		}, ""},
		{"seeds to first failure, median above the bound", func(tb testing.TB) {
			scentest.SeedsToFirstFailure(tb, fakeScenario, map[string]string{"mode": "buggy"}, 1.5)
		}, "median 2 seeds to catch the planted bug, want <= 1.5"},
		{"seeds to first failure, none", func(tb testing.TB) {
			scentest.SeedsToFirstFailure(tb, fakeScenario, nil, 20)
		}, "no failure in seeds 0..199"},
		{"a parameter the scenario refuses", func(tb testing.TB) {
			scentest.Execute(tb, fakeScenario, 1, map[string]string{"mode": "odd"})
		}, "mode"},
	}
	for _, tt := range tests {
		rec := record(tt.fn)
		switch {
		case tt.fatal == "" && rec.fatal != "":
			t.Errorf("%s: failed: %s", tt.name, rec.fatal)
		case tt.fatal != "" && !strings.Contains(rec.fatal, tt.fatal):
			t.Errorf("%s: failure %q, want one saying %q", tt.name, rec.fatal, tt.fatal)
		}
	}
}

// TestSeedsToFirstFailureLogs: the figures, for seeds that fail at 2, 5,
// 8, ...: from start 0 the third seed, from 1000 the second, from 2000
// the first.
func TestSeedsToFirstFailureLogs(t *testing.T) {
	rec := record(func(tb testing.TB) {
		scentest.SeedsToFirstFailure(tb, fakeScenario, map[string]string{"mode": "buggy"}, 20)
	})
	want := "scentest-fake mode=buggy: seeds to first failure from starts 0,1000,...,9000: [3 2 1 3 2 1 3 2 1 3]; median 2; seeds 0-99 failing: 33 of 100"
	if rec.fatal != "" || len(rec.logs) != 1 || rec.logs[0] != want {
		t.Fatalf("failure %q, logs %q, want %q", rec.fatal, rec.logs, want)
	}
}

func TestWith(t *testing.T) {
	base := map[string]string{"mode": "buggy"}
	got := scentest.With(base, "faults", "none", "mode", "correct")
	if len(got) != 2 || got["faults"] != "none" || got["mode"] != "correct" || base["mode"] != "buggy" || len(base) != 1 {
		t.Fatalf("With gave %v and left base %v", got, base)
	}
	if got := scentest.With(nil, "k", "v"); got["k"] != "v" {
		t.Fatalf("With(nil) gave %v", got)
	}
}
