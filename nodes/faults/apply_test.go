package faults

import (
	"math"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// chatter sends a message to a random peer every millisecond.
type chatter struct{ n int }

func (c *chatter) Start(env *nodes.Env)                  { env.SetTimer(time.Millisecond, nil) }
func (c *chatter) Receive(*nodes.Env, nodes.NodeID, any) {}
func (c *chatter) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	to := nodes.NodeID(env.Rand().IntN(c.n - 1))
	if to >= env.ID() {
		to++
	}
	env.Send(to, nil, 8)
	env.SetTimer(time.Millisecond, nil)
}

var testLink = network.Link{Latency: network.Const(time.Millisecond)}

func cluster(t testing.TB, seed uint64, n int, text string, shuffle bool) (*sim.World, *network.Network, *nodes.Runtime) {
	t.Helper()
	w := sim.New(seed, sim.Options{ShuffleTies: shuffle})
	net, err := network.New(w, n, testLink)
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	s, err := Parse(text, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(s, rt, net); err != nil {
		t.Fatal(err)
	}
	for range n {
		rt.Add(func(nodes.NodeID) nodes.Node { return &chatter{n: n} })
	}
	return w, net, rt
}

func TestApplyStates(t *testing.T) {
	w, net, rt := cluster(t, 1, 5, sample, false)
	type probe struct {
		at    time.Duration
		check func() bool
		what  string
	}
	probes := []probe{
		{500 * time.Millisecond, func() bool { return rt.ClockOf(2).DriftPPM == 200 && rt.ClockOf(1).Offset == -5*time.Millisecond }, "drift and offset set at 0s"},
		{1500 * time.Millisecond, func() bool { return !rt.Up(1) }, "n2 crashed at 1s"},
		{2200 * time.Millisecond, func() bool { return !net.Reachable(0, 2) && net.Reachable(0, 1) && net.Reachable(2, 4) }, "partition n1,n2 | n3,n4,n5"},
		{2700 * time.Millisecond, func() bool {
			return !net.Reachable(0, 2) && net.Reachable(2, 0) == false && !net.Reachable(0, 1) && net.Reachable(1, 0)
		}, "oneway n1->n2,n3 on top of the partition"},
		{3700 * time.Millisecond, func() bool { return !net.Reachable(3, 0) && !net.Reachable(0, 3) }, "isolate n4"},
		{4100 * time.Millisecond, func() bool { return rt.Up(1) && net.Clogged(0, 1) == 10 && rt.SlowFactor(4) == 3.5 && rt.Paused(3) }, "restart, clog, slow, pause"},
		{4500 * time.Millisecond, func() bool { return !rt.Paused(3) && net.Reachable(3, 0) == false }, "pause over; partition still on"},
		{5500 * time.Millisecond, func() bool {
			return net.LinkParams(0, 1).Loss == 0.2 && net.LinkParams(0, 1).Duplicate == 0.05 && net.LinkParams(2, 3).Duplicate == 0 &&
				net.LinkParams(0, 2).Latency.Kind == network.Uniform && rt.SlowFactor(4) == 1
		}, "loss, dup and latency layers"},
		{6500 * time.Millisecond, func() bool {
			return net.LinkParams(0, 1) == withDup(testLink, 0.05) && net.Clogged(0, 1) == 1 && net.LinkParams(0, 2).Latency == testLink.Latency
		}, "loss, latency and clog ended; dup stays"},
		{7500 * time.Millisecond, func() bool { return !net.Partitioned() }, "partition ended at 7s"},
		{9500 * time.Millisecond, func() bool { return net.LinkParams(0, 1) == testLink && rt.ClockOf(1).Offset == -5*time.Millisecond }, "heal ends the dup"},
		{10500 * time.Millisecond, func() bool { return rt.ClockOf(1).Offset == 0 }, "offset ended"},
	}
	for _, p := range probes {
		if err := w.RunUntil(sim.At(p.at)); err != nil {
			t.Fatal(err)
		}
		if !p.check() {
			t.Errorf("at %v: %s does not hold", p.at, p.what)
		}
	}
}

func TestLossAndDupStatistics(t *testing.T) {
	w, net, _ := cluster(t, 4, 4, "at 1s loss * 0.2 for 10s\nat 1s dup * 0.1 for 10s", false)
	if err := w.RunUntil(sim.At(time.Second)); err != nil {
		t.Fatal(err)
	}
	before := net.Totals()
	if err := w.RunUntil(sim.At(11 * time.Second)); err != nil {
		t.Fatal(err)
	}
	after := net.Totals()
	sent := float64(after.Sent - before.Sent)
	lost := float64(after.Dropped[network.CauseLoss] - before.Dropped[network.CauseLoss])
	dup := float64(after.Duplicated - before.Duplicated)
	if p := lost / sent; math.Abs(p-0.2) > 0.01 {
		t.Errorf("loss %.4f over %v sends, want 0.2", p, sent)
	}
	if p := dup / (sent - lost); math.Abs(p-0.1) > 0.01 {
		t.Errorf("duplication %.4f, want 0.1", p)
	}
}

func TestSameTimeOrderIgnoresShuffle(t *testing.T) {
	// crash then restart at the same instant: the node ends up, whatever
	// the tie-breaking; restart then crash leaves it down.
	for seed := uint64(0); seed < 20; seed++ {
		w, _, rt := cluster(t, seed, 3, "at 1s crash n1\nat 1s restart n1\nat 1s restart n2\nat 1s crash n2", true)
		if err := w.RunUntil(sim.At(2 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if !rt.Up(0) || rt.Up(1) {
			t.Fatalf("seed %d: n1 up %v (want true), n2 up %v (want false)", seed, rt.Up(0), rt.Up(1))
		}
	}
}

func TestApplyRejectsWrongSize(t *testing.T) {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 3, testLink)
	rt := nodes.NewRuntime(w, net)
	if _, err := Apply(MustParse("at 1s crash n1", 5), rt, net); err == nil {
		t.Fatal("a 5-node schedule applied to 3 nodes")
	}
}

func TestApplyDeterminism(t *testing.T) {
	hash := func(seed uint64) uint64 {
		w, _, _ := cluster(t, seed, 5, sample, true)
		if err := w.RunUntil(sim.At(12 * time.Second)); err != nil {
			t.Fatal(err)
		}
		return w.TraceHash()
	}
	for seed := uint64(0); seed < 3; seed++ {
		if a, b := hash(seed), hash(seed); a != b {
			t.Fatalf("seed %d: %x then %x", seed, a, b)
		}
	}
}

func withDup(l network.Link, p float64) network.Link {
	l.Duplicate = p
	return l
}
