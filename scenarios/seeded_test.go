package scenarios_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// idle is a node that does nothing: the seeded-schedule scenario below
// only looks at the schedule.
type idle struct{}

func (idle) Start(*nodes.Env)                      {}
func (idle) Receive(*nodes.Env, nodes.NodeID, any) {}
func (idle) Timer(*nodes.Env, nodes.TimerID, any)  {}

// seededDraw is the scenario's own schedule.
func seededDraw() *faults.Schedule {
	s, err := faults.Parse("at 5ms isolate n2 for 10ms", 3)
	if err != nil {
		panic(err)
	}
	return s
}

// faultNotes returns the notes that carry the schedule.
func faultNotes(res *scenarios.Result) (out []string) {
	for _, n := range res.Notes {
		if strings.HasPrefix(n, scenarios.ScheduleNote) {
			out = append(out, n)
		}
	}
	return out
}

var seededScenario = &scenarios.Scenario{
	Name:    "test-seeded",
	Summary: "three idle nodes under a seeded schedule: n2 isolated once",
	Params: []scenarios.Param{
		scenarios.SeededFaultsParam("n2 isolated once"),
		scenarios.NemesisDurationParam("300ms"),
	},
	Run: func(r *scenarios.Run) error {
		cl, err := r.NewCluster(3, network.Link{Latency: network.Const(time.Millisecond)})
		if err != nil {
			return err
		}
		draws := 0
		s, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { draws++; return seededDraw() })
		if err != nil {
			return err
		}
		for range 3 {
			if _, err := cl.RT.Add(func(nodes.NodeID) nodes.Node { return idle{} }); err != nil {
				return err
			}
		}
		quiet := scenarios.QuietAt(cl, s)
		if err := r.World.RunUntil(sim.At(quiet + time.Millisecond)); err != nil {
			return err
		}
		r.Metric("draws", float64(draws))
		r.Metric("quiet_at_ms", float64(quiet)/1e6)
		if s != nil && s == cl.Schedule {
			r.Metric("cluster_schedule", 1)
		}
		r.Check(checks.Pass("nothing"))
		return nil
	},
}

// TestApplySchedule: the faults parameter picks the schedule in force;
// a schedule from the cluster (--faults or nemesis=true) wins over the
// seeded default and clashes with any other value.
func TestApplySchedule(t *testing.T) {
	tests := []struct {
		name   string
		set    map[string]string
		faults string // Options.Faults
		status string
		draws  float64
		notes  []string // the ScheduleNote lines, nil to skip
		quiet  float64  // ms; -1 to skip
		own    bool     // the schedule is the cluster's
	}{
		{"seeded", nil, "", scenarios.StatusOK, 1, []string{"fault: at 5ms isolate n2 for 10ms"}, 15, false},
		{"none", map[string]string{"faults": "none"}, "", scenarios.StatusOK, 0, nil, 0, false},
		{"given", map[string]string{"faults": "at 1ms crash n3 for 4ms; at 2ms isolate n1 for 20ms"}, "", scenarios.StatusOK, 0,
			[]string{"fault: at 1ms crash n3 for 4ms", "fault: at 2ms isolate n1 for 20ms"}, 22, false},
		{"given names a node the cluster lacks", map[string]string{"faults": "at 1ms crash n9 for 4ms"}, "", scenarios.StatusBadInput, 0, nil, -1, false},
		{"options", nil, "at 3ms isolate n1 for 2ms", scenarios.StatusOK, 0, []string{"fault: at 3ms isolate n1 for 2ms"}, 5, true},
		{"options and faults=none", map[string]string{"faults": "none"}, "at 3ms isolate n1 for 2ms", scenarios.StatusBadInput, 0, nil, -1, false},
		{"nemesis", map[string]string{"nemesis": "true"}, "", scenarios.StatusOK, 0, nil, -1, true},
		{"nemesis and faults=none", map[string]string{"nemesis": "true", "faults": "none"}, "", scenarios.StatusBadInput, 0, nil, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v, err := byName.Prepare("test-seeded", tt.set)
			if err != nil {
				t.Fatal(err)
			}
			res := scenarios.Execute(s, v, 1, scenarios.Options{Faults: tt.faults})
			if res.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", res.Status, res.Error, tt.status)
			}
			if tt.status == scenarios.StatusBadInput {
				if !strings.Contains(res.Error, "faults") {
					t.Fatalf("error %q does not name the faults", res.Error)
				}
				return
			}
			if got := res.Metrics["draws"]; got != tt.draws {
				t.Errorf("draw called %v times, want %v", got, tt.draws)
			}
			if got := faultNotes(res); tt.notes != nil && !slices.Equal(got, tt.notes) {
				t.Errorf("fault notes %q, want %q", got, tt.notes)
			}
			if got := res.Metrics["quiet_at_ms"]; tt.quiet >= 0 && got != tt.quiet {
				t.Errorf("QuietAt %v ms, want %v", got, tt.quiet)
			}
			if got := res.Metrics["cluster_schedule"] == 1; got != tt.own {
				t.Errorf("the cluster's schedule returned: %v, want %v", got, tt.own)
			}
		})
	}
}

// TestQuietAtNemesis: under nemesis=true the schedule is the cluster's,
// and QuietAt is where the nemesis's quiet period starts: at
// nemesis.duration, whose default NemesisDurationParam set to 300ms.
func TestQuietAtNemesis(t *testing.T) {
	s, v, err := byName.Prepare("test-seeded", map[string]string{"nemesis": "true"})
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(0); seed < 10; seed++ {
		res := scenarios.Execute(s, v, seed, scenarios.Options{})
		if sched, err := scenarios.ScheduleOf(res); err != nil || len(sched.Faults) == 0 {
			t.Fatalf("seed %d: schedule %v (%v): want the nemesis's in the notes", seed, sched, err)
		}
		if q := time.Duration(res.Metrics["quiet_at_ms"] * 1e6); q != 300*time.Millisecond {
			t.Fatalf("seed %d: QuietAt %v, want nemesis.duration 300ms", seed, q)
		}
	}
}

// TestQuietAt: the cluster's own schedule is quiet where the cluster says
// (the nemesis's plan may heal later than its last fault); any other
// schedule after its last change.
func TestQuietAt(t *testing.T) {
	s := seededDraw() // quiet after 15ms
	plan := &faults.Plan{QuietAt: time.Second}
	tests := []struct {
		name  string
		cl    *scenarios.Cluster
		s     *faults.Schedule
		quiet time.Duration
	}{
		{"none", &scenarios.Cluster{}, nil, 0},
		{"none, though the cluster has one", &scenarios.Cluster{Schedule: s, Plan: plan}, nil, 0},
		{"seeded", &scenarios.Cluster{}, s, 15 * time.Millisecond},
		{"the cluster's, from the nemesis", &scenarios.Cluster{Schedule: s, Plan: plan}, s, time.Second},
		{"the cluster's, from --faults", &scenarios.Cluster{Schedule: s}, s, 15 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := scenarios.QuietAt(tt.cl, tt.s); got != tt.quiet {
			t.Errorf("%s: QuietAt %v, want %v", tt.name, got, tt.quiet)
		}
	}
}

// TestSeededParams: the parameters' defaults, and the values they refuse
// with an error that says what they accept.
func TestSeededParams(t *testing.T) {
	s, err := byName.Lookup("test-seeded")
	if err != nil {
		t.Fatal(err)
	}
	v, err := scenarios.Resolve(s.AllParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(scenarios.FaultsParam); got != scenarios.SeededFaults {
		t.Errorf("faults defaults to %q, want %q", got, scenarios.SeededFaults)
	}
	if got := v.Duration("nemesis.duration"); got != 300*time.Millisecond {
		t.Errorf("nemesis.duration defaults to %v, want the scenario's 300ms over the common one", got)
	}
	for _, tt := range []struct{ key, value, want string }{
		{"faults", "soon", "accepted: seeded, none, or faults separated by ';'"},
		{"faults", "at 1s crash n2 for 1s; later", "line 2"},
		{"nemesis.duration", "0s", "accepted: a duration > 0"},
		{"nemesis.duration", "2", "bad value"},
	} {
		_, _, err := byName.Prepare("test-seeded", map[string]string{tt.key: tt.value})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("%s=%s: error %v, want one naming %s and saying %q", tt.key, tt.value, err, tt.key, tt.want)
		}
	}
	for _, ok := range []string{"seeded", "none", "at 1s crash n2 for 1s", "at 1s crash n2 for 1s; at 2s isolate n1 for 3s"} {
		if _, _, err := byName.Prepare("test-seeded", map[string]string{"faults": ok}); err != nil {
			t.Errorf("faults=%s: %v", ok, err)
		}
	}
}

func ExampleSeededFaultsParam() {
	p := scenarios.SeededFaultsParam("one node isolated at a time")
	fmt.Println(p.Name, p.Default)
	fmt.Println(p.Check("at 1s crash n2 for 3s; at 2s isolate n1 for 1s"))
	fmt.Println(p.Check("none"))
	// Output:
	// faults seeded
	// <nil>
	// <nil>
}
