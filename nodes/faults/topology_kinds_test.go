package faults

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// tagged is a node that says which version built it.
type tagged struct{ version string }

func (tagged) Start(*nodes.Env)                      {}
func (tagged) Receive(*nodes.Env, nodes.NodeID, any) {}
func (tagged) Timer(*nodes.Env, nodes.TimerID, any)  {}
func tag(v string) nodes.Constructor                 { return func(nodes.NodeID) nodes.Node { return tagged{v} } }
func versionOf(rt *nodes.Runtime, id nodes.NodeID) string {
	t, _ := rt.Node(id).(tagged)
	return t.version
}
func topoWorld(t *testing.T, seed uint64, members, spares int) (*sim.World, *nodes.Runtime, *network.Network) {
	t.Helper()
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, members+spares, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	for range members {
		rt.Add(tag("v1"))
	}
	for range spares {
		rt.AddSpare(tag("v1"))
	}
	if err := rt.DefineVersion("v2", tag("v2")); err != nil {
		t.Fatal(err)
	}
	return w, rt, net
}

// An upgrade every D reaches one node per step, so old and new versions
// run side by side in between.
func TestUpgradeOneByOne(t *testing.T) {
	w, rt, net := topoWorld(t, 1, 3, 0)
	if _, err := Apply(MustParse("at 1s upgrade n1,n3,n2 to v2 every 2s", 3), rt, net); err != nil {
		t.Fatal(err)
	}
	want := map[time.Duration]string{ // versions of n1 n2 n3, just after each time
		500 * time.Millisecond:  "v1 v1 v1",
		1500 * time.Millisecond: "v2 v1 v1",
		3500 * time.Millisecond: "v2 v1 v2",
		5500 * time.Millisecond: "v2 v2 v2",
	}
	for _, at := range slices.Sorted(maps.Keys(want)) {
		if err := w.RunUntil(sim.At(at)); err != nil {
			t.Fatal(err)
		}
		got := versionOf(rt, 0) + " " + versionOf(rt, 1) + " " + versionOf(rt, 2)
		if got != want[at] {
			t.Errorf("at %v: versions %s, want %s", at, got, want[at])
		}
	}
	if q := MustParse("at 1s upgrade n1,n3,n2 to v2 every 2s", 3).QuietAfter(); q != 5*time.Second {
		t.Errorf("QuietAfter %v, want 5s (the last step)", q)
	}
}

func TestJoinLeaveReplaceApply(t *testing.T) {
	w, rt, net := topoWorld(t, 1, 2, 1)
	s := MustParse(`at 1s join n3 as v2
at 2s leave n1 drain 500ms for 3s
at 3s replace n2`, 3)
	if _, err := Apply(s, rt, net); err != nil {
		t.Fatal(err)
	}
	check := func(at time.Duration, wantUp []bool, wantMember []bool) {
		t.Helper()
		if err := w.RunUntil(sim.At(at)); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			id := nodes.NodeID(i)
			if rt.Up(id) != wantUp[i] || rt.Member(id) != wantMember[i] {
				t.Errorf("at %v: n%d up %v member %v, want %v %v", at, i+1, rt.Up(id), rt.Member(id), wantUp[i], wantMember[i])
			}
		}
	}
	check(500*time.Millisecond, []bool{true, true, false}, []bool{true, true, false})
	check(1500*time.Millisecond, []bool{true, true, true}, []bool{true, true, true})
	check(2200*time.Millisecond, []bool{true, true, true}, []bool{false, true, true}) // draining
	check(2600*time.Millisecond, []bool{false, true, true}, []bool{false, true, true})
	check(5500*time.Millisecond, []bool{true, true, true}, []bool{true, true, true}) // rejoined
	if versionOf(rt, 2) != "v2" || rt.Incarnation(0) != 1 || rt.Incarnation(1) != 1 {
		t.Errorf("n3 runs %q, incarnations n1 %d n2 %d; want v2, 1, 1", versionOf(rt, 2), rt.Incarnation(0), rt.Incarnation(1))
	}
}

// An upgrade to a version the run does not define stops the run with an
// InputError that names the version and those accepted.
func TestUpgradeUnknownVersion(t *testing.T) {
	w, rt, net := topoWorld(t, 1, 2, 0)
	if _, err := Apply(MustParse("at 1s upgrade * to v9 every 1s", 2), rt, net); err != nil {
		t.Fatal(err)
	}
	err := w.Run()
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `unknown version "v9" (accepted: v2)`) {
		t.Fatalf("error %v, want an InputError naming v9 and v2", err)
	}
}

// Membership kinds are opt-in: swarm testing never draws them (the plans
// of TestPlansUnchanged stay what they were), and naming the profile
// draws every one, each leave rejoining before the quiet period.
func TestMembershipKindsOptIn(t *testing.T) {
	for seed := range uint64(100) {
		p, err := Generate(sim.NewStream(seed, "faults"), NemesisOptions{Nodes: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Schedule.Faults {
			if f.Kind.topology() {
				t.Fatalf("seed %d: swarm testing drew %s", seed, f.Kind)
			}
		}
	}
	kinds, err := ParseKinds("membership")
	if err != nil || !slices.Equal(kinds, MembershipKinds) {
		t.Fatalf("membership: %v, %v", kinds, err)
	}
	seen := map[string]bool{}
	for seed := range uint64(50) {
		o := NemesisOptions{Nodes: 5, Kinds: kinds}
		p, err := Generate(sim.NewStream(seed, "faults"), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Schedule.Faults {
			name := f.Kind.String()
			if f.Kind == Leave {
				if f.For <= 0 || f.End() > p.QuietAt {
					t.Fatalf("seed %d: %q does not rejoin before the quiet period at %v", seed, f, p.QuietAt)
				}
				if f.Drain > 0 {
					name += " drained"
				}
			}
			seen[name] = true
		}
		if _, err := Parse(p.Schedule.String(), 5); err != nil {
			t.Fatalf("seed %d: plan does not parse: %v", seed, err)
		}
	}
	for _, k := range []string{"join", "leave", "leave drained", "replace"} {
		if !seen[k] {
			t.Errorf("50 seeds never drew %s", k)
		}
	}
	if _, err := ParseKinds("upgrade"); err == nil {
		t.Error("upgrade is accepted as a nemesis kind; it needs a scenario's versions")
	}
}
