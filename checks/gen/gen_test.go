package gen

import (
	"flag"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/sim"
)

type idle struct{}

func (idle) Start(*nodes.Env)                      {}
func (idle) Receive(*nodes.Env, nodes.NodeID, any) {}
func (idle) Timer(*nodes.Env, nodes.TimerID, any)  {}

// applyAll runs s on an idle cluster and returns the trace hash.
func applyAll(t *rapid.T, s *faults.Schedule) uint64 {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, s.Nodes, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	for range s.Nodes {
		rt.Add(func(nodes.NodeID) nodes.Node { return idle{} })
	}
	if _, err := faults.Apply(s, rt, net); err != nil {
		t.Fatalf("Apply: %v\n%s", err, s)
	}
	if err := w.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, s)
	}
	return w.TraceHash()
}

// Every generated schedule is valid: its text parses back to the same
// text, it applies, and it stays within the options' bounds.
func TestScheduleIsValidAndRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := ScheduleOptions{Nodes: rapid.IntRange(2, 7).Draw(t, "nodes")}
		s := Schedule(o).Draw(t, "schedule")
		text := s.String()
		back, err := faults.Parse(text, o.Nodes)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if back.String() != text {
			t.Fatalf("round trip:\n%s\nbecame\n%s", text, back)
		}
		if len(s.Faults) > 6 {
			t.Fatalf("%d faults, want ≤ 6", len(s.Faults))
		}
		for i, f := range s.Faults {
			if f.At > 5*time.Second || f.For < 100*time.Millisecond || f.For > 3*time.Second || f.At%(100*time.Millisecond) != 0 {
				t.Fatalf("fault %q out of bounds", f)
			}
			if i > 0 && f.At < s.Faults[i-1].At {
				t.Fatalf("not sorted:\n%s", text)
			}
		}
		if a, b := applyAll(t, s), applyAll(t, back); a != b {
			t.Fatalf("the schedule and its parsed text give hashes %x and %x", a, b)
		}
	})
}

func TestDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Schedule(ScheduleOptions{Nodes: 5}).Draw(t, "schedule")
		if a, b := applyAll(t, s), applyAll(t, s); a != b {
			t.Fatalf("same schedule, hashes %x and %x", a, b)
		}
	})
}

func TestBadOptionsPanic(t *testing.T) {
	for _, o := range []ScheduleOptions{{Nodes: 1}, {Nodes: 3, Kinds: []faults.Kind{faults.Jump}}, {Nodes: 3, MaxFor: time.Millisecond}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "gen:") {
					t.Errorf("options %+v: recovered %v, want a gen: error", o, r)
				}
			}()
			Schedule(o)
		}()
	}
}

// TestShrinksToMinimalSchedule plants a bug that needs a crash of n2
// lasting at least 1s; rapid must shrink whatever schedule first hits it
// to that one fault, at time 0, lasting exactly 1s.
func TestShrinksToMinimalSchedule(t *testing.T) {
	// A fixed rapid seed keeps the test's path the same on every run.
	f := flag.Lookup("rapid.seed")
	old := f.Value.String()
	f.Value.Set("1")
	defer f.Value.Set(old)
	report, found := Falsify(t, func(t *rapid.T) {
		s := DrawSchedule(t, ScheduleOptions{Nodes: 5, MaxFaults: 10}, "schedule")
		for _, f := range s.Faults {
			if f.Kind == faults.Crash && f.Nodes[0] == 1 && f.For >= time.Second {
				t.Fatalf("n2 down for %v", f.For)
			}
		}
	})
	if !found {
		t.Fatal("rapid did not find the planted bug")
	}
	want := "in the fault-file form (save it and replay with --faults FILE):\nat 0s crash n2 for 1s\n"
	if !strings.Contains(report, want) {
		t.Fatalf("report lacks the minimal schedule %q:\n%s", want, report)
	}
	t.Logf("rapid's report:\n%s", report)
}

func TestFalsifyPassingProperty(t *testing.T) {
	report, found := Falsify(t, func(t *rapid.T) {
		Schedule(ScheduleOptions{Nodes: 3}).Draw(t, "s")
	})
	if found || !strings.Contains(report, "OK, passed") {
		t.Fatalf("found %v, report %q", found, report)
	}
}

func TestLinkIsValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := Link(50*time.Millisecond).Draw(t, "link")
		if err := l.Validate(); err != nil {
			t.Fatalf("%v: %v", l, err)
		}
		back, err := network.ParseLink(l.String())
		if err != nil || back != l {
			t.Fatalf("%v round trips to %v, %v", l, back, err)
		}
	})
}

func TestPipelineIsValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		set := PipelineSettings().Draw(t, "set")
		c, err := PipelineConfig(set)
		if err != nil {
			t.Fatalf("%v: %v", set, err)
		}
		if on := set["retry.enabled"] == "true"; on != (c.Retry != nil) {
			t.Fatalf("retry.enabled=%v but Retry %v", on, c.Retry)
		}
		Pipeline().Draw(t, "config")
	})
}
