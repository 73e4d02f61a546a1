package faults

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

func plan(t testing.TB, seed uint64, o NemesisOptions) *Plan {
	t.Helper()
	p, err := Generate(sim.NewStream(seed, "faults"), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNemesisSameSeedSamePlan(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		o := NemesisOptions{Nodes: 5, Core: seed%2 == 0}
		a, b := plan(t, seed, o), plan(t, seed, o)
		if a.Schedule.String() != b.Schedule.String() || !slices.Equal(a.Describe(), b.Describe()) {
			t.Fatalf("seed %d: two different plans", seed)
		}
	}
	if plan(t, 1, NemesisOptions{Nodes: 5}).Schedule.String() == plan(t, 2, NemesisOptions{Nodes: 5}).Schedule.String() {
		t.Fatal("seeds 1 and 2 drew the same schedule")
	}
}

func TestNemesisSwarm(t *testing.T) {
	sets := map[string]int{}
	perKind := map[Kind]int{}
	for seed := uint64(0); seed < 100; seed++ {
		p := plan(t, seed, NemesisOptions{Nodes: 5})
		sets[kindList(p.Enabled)]++
		for _, k := range p.Enabled {
			perKind[k]++
		}
		// The schedule uses only the enabled kinds (plus the quiet-period heal).
		for _, f := range p.Schedule.Faults {
			if f.At < p.QuietAt && !slices.Contains(p.Enabled, f.Kind) {
				t.Fatalf("seed %d: %s not enabled but used: %s", seed, f.Kind, f)
			}
		}
		if !strings.HasPrefix(p.Describe()[0], "nemesis.kinds = "+kindList(p.Enabled)) {
			t.Fatalf("seed %d: knobs do not name the kinds: %v", seed, p.Describe())
		}
	}
	if len(sets) < 80 {
		t.Errorf("100 seeds enabled only %d distinct subsets of kinds", len(sets))
	}
	for _, k := range NemesisKinds {
		if perKind[k] < 30 || perKind[k] > 70 {
			t.Errorf("kind %s enabled in %d of 100 seeds, want about 50", k, perKind[k])
		}
	}
}

func TestNemesisFixedKinds(t *testing.T) {
	p := plan(t, 3, NemesisOptions{Nodes: 3, Kinds: []Kind{Crash}})
	for _, f := range p.Schedule.Faults {
		if f.Kind != Crash && f.Kind != Heal {
			t.Fatalf("kind %s in a crash-only plan", f.Kind)
		}
	}
	if _, err := Generate(sim.NewStream(1, "faults"), NemesisOptions{Nodes: 3, Kinds: []Kind{Heal}}); err == nil {
		t.Fatal("heal accepted as a nemesis kind")
	}
	if _, err := Generate(sim.NewStream(1, "faults"), NemesisOptions{}); err == nil {
		t.Fatal("0 nodes accepted")
	}
}

// TestNemesisEndsHealed applies generated plans and checks, just after
// the quiet period starts, that nothing is left of any fault.
func TestNemesisEndsHealed(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		n := 3 + int(seed%5)
		p := plan(t, seed, NemesisOptions{Nodes: n, Duration: 3 * time.Second, Quiet: time.Second})
		// Every fault of the fault phase ends by the quiet period.
		for _, f := range p.Schedule.Faults {
			if f.At < p.QuietAt && f.Kind != Jump && (f.For == 0 || f.End() > p.QuietAt) {
				t.Fatalf("seed %d: %q does not end by %v", seed, f, p.QuietAt)
			}
		}
		if back, err := Parse(p.Schedule.String(), n); err != nil || back.String() != p.Schedule.String() {
			t.Fatalf("seed %d: generated schedule does not round-trip: %v", seed, err)
		}
		w, net, rt := run(t, seed, p)
		if err := w.RunUntil(sim.At(p.QuietAt + time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if net.Partitioned() {
			t.Fatalf("seed %d: partitioned in the quiet period", seed)
		}
		for i := range NodeID(n) {
			c := rt.ClockOf(i)
			if !rt.Up(i) || rt.Paused(i) || rt.SlowFactor(i) != 1 || c.Offset != 0 || c.DriftPPM != 0 {
				t.Fatalf("seed %d: %s not healed: up %v paused %v slow %v clock %+v", seed, network.Name(i), rt.Up(i), rt.Paused(i), rt.SlowFactor(i), c)
			}
			for j := range NodeID(n) {
				if i != j && (net.LinkParams(i, j) != testLink || net.Clogged(i, j) != 1) {
					t.Fatalf("seed %d: link %s still faulty: %v x%v", seed, network.LinkName(i, j), net.LinkParams(i, j), net.Clogged(i, j))
				}
			}
		}
	}
}

func run(t testing.TB, seed uint64, p *Plan) (*sim.World, *network.Network, *nodes.Runtime) {
	t.Helper()
	n := p.Schedule.Nodes
	w := sim.New(seed, sim.Options{ShuffleTies: true})
	net, err := network.New(w, n, testLink)
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	for range n {
		rt.Add(func(nodes.NodeID) nodes.Node { return &chatter{n: n} })
	}
	if _, err := Apply(p.Schedule, rt, net); err != nil {
		t.Fatal(err)
	}
	return w, net, rt
}

func TestNemesisCore(t *testing.T) {
	sawPermanent := false
	for seed := uint64(0); seed < 40; seed++ {
		n := 5
		p := plan(t, seed, NemesisOptions{Nodes: n, Core: true, Duration: 2 * time.Second, Kinds: []Kind{Crash, Isolate, Loss}})
		if len(p.Core) < n/2+1 {
			t.Fatalf("seed %d: core %v smaller than a quorum", seed, p.Core)
		}
		w, net, rt := run(t, seed, p)
		if err := w.RunUntil(sim.At(p.QuietAt + time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Core {
			if !rt.Up(a) {
				t.Fatalf("seed %d: core node %s down in the quiet period", seed, network.Name(a))
			}
			for _, b := range p.Core {
				if !net.Reachable(a, b) {
					t.Fatalf("seed %d: core nodes %s and %s cannot talk", seed, network.Name(a), network.Name(b))
				}
			}
		}
		for i := range NodeID(n) {
			if !slices.Contains(p.Core, i) && (!rt.Up(i) || !net.Reachable(i, p.Core[0])) {
				sawPermanent = true
			}
		}
	}
	if !sawPermanent {
		t.Fatal("no seed left a node outside the core failed")
	}
}
