package nodes

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// member is a node that counts what it handles and says who built it.
type member struct {
	build   string
	got     int
	drained bool
}

func (m *member) Start(env *Env)            { env.Disk()["started"] = true }
func (m *member) Receive(*Env, NodeID, any) { m.got++ }
func (m *member) Timer(*Env, TimerID, any)  {}
func (m *member) Drain(*Env)                { m.drained = true }
func ctorOf(build string) func(NodeID) Node {
	return func(NodeID) Node { return &member{build: build} }
}
func (rt *Runtime) member(id NodeID) *member { m, _ := rt.Node(id).(*member); return m }
func sendAt(w *sim.World, rt *Runtime, d time.Duration) {
	at(w, d, func() { rt.net.Send(0, 1, "x", 8) })
}

func TestJoinStartsASpare(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	rt.Add(ctorOf("base"))
	id, err := rt.AddSpare(ctorOf("spare"))
	if err != nil {
		t.Fatal(err)
	}
	sendAt(w, rt, time.Second) // to a spare: dropped
	at(w, 2*time.Second, func() {
		if err := rt.Join(id, ""); err != nil {
			t.Error(err)
		}
	})
	sendAt(w, rt, 3*time.Second)
	rt.Restart(id) // a spare does not start by restart
	if rt.Up(id) || rt.Member(id) {
		t.Fatal("a spare is up or a member before it joins")
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if m := rt.member(id); m == nil || m.build != "spare" || m.got != 1 || !rt.Member(id) {
		t.Fatalf("after join: node %+v, member %v; want the spare's node with 1 message", m, rt.Member(id))
	}
	if rt.Incarnation(id) != 0 {
		t.Fatalf("first join: incarnation %d, want 0", rt.Incarnation(id))
	}
}

func TestLeaveGracefulDrainsThenStops(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	rt.Add(ctorOf("a"))
	rt.Add(ctorOf("b"))
	var m *member
	at(w, time.Second, func() { m = rt.member(1); rt.Leave(1, 2*time.Second) })
	sendAt(w, rt, 2*time.Second) // during the drain: handled
	at(w, 2500*time.Millisecond, func() { rt.Crash(1); rt.Restart(1) })
	sendAt(w, rt, 4*time.Second) // after: dropped
	at(w, 5*time.Second, func() { rt.Restart(1) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if !m.drained || m.got != 1 {
		t.Fatalf("drained %v, handled %d; want Drain run and the message sent during the drain handled", m.drained, m.got)
	}
	if rt.Up(1) || rt.Member(1) {
		t.Fatalf("after leave: up %v member %v, want down and out", rt.Up(1), rt.Member(1))
	}
}

func TestLeaveAbruptThenRejoinEmpty(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	rt.Add(ctorOf("a"))
	rt.Add(ctorOf("b"))
	at(w, time.Second, func() {
		rt.Leave(1, 0)
		if rt.Up(1) {
			t.Error("abrupt leave: still up")
		}
		rt.procs[1].disk["old"] = 1
	})
	at(w, 2*time.Second, func() { _ = rt.Join(1, "") })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if _, ok := rt.procs[1].disk["old"]; ok || rt.Incarnation(1) != 1 || !rt.Up(1) {
		t.Fatalf("rejoin: disk %v, incarnation %d, up %v; want an empty disk, incarnation 1, up", rt.procs[1].disk, rt.Incarnation(1), rt.Up(1))
	}
}

func TestReplaceWipesAndUpgradeSwitches(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	rt.Add(ctorOf("v1"))
	rt.Add(ctorOf("v1"))
	if err := rt.DefineVersion("v2", ctorOf("v2")); err != nil {
		t.Fatal(err)
	}
	at(w, time.Second, func() {
		rt.procs[1].disk["kept"] = 1
		if err := rt.Upgrade(1, "v2"); err != nil {
			t.Error(err)
		}
	})
	at(w, 2*time.Second, func() {
		if _, ok := rt.procs[1].disk["kept"]; !ok {
			t.Error("upgrade lost the disk")
		}
		_ = rt.Replace(1, "")
	})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if m := rt.member(1); m.build != "v2" || rt.Version(1) != "v2" || rt.Incarnation(1) != 1 {
		t.Fatalf("node %+v version %q incarnation %d; want v2, incarnation 1", m, rt.Version(1), rt.Incarnation(1))
	}
	if _, ok := rt.procs[1].disk["kept"]; ok {
		t.Fatal("replace kept the disk")
	}
	err := rt.Upgrade(0, "v9")
	if err == nil || !strings.Contains(err.Error(), `unknown version "v9" (accepted: v2)`) {
		t.Fatalf("unknown version: %v", err)
	}
}

func membershipRun(seed uint64) uint64 {
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, 3, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		panic(err)
	}
	rt := NewRuntime(w, net)
	rt.Add(ctorOf("a"))
	rt.Add(ctorOf("b"))
	rt.AddSpare(ctorOf("c"))
	_ = rt.DefineVersion("v2", ctorOf("v2"))
	for i := range 20 {
		sendAt(w, rt, time.Duration(i)*100*time.Millisecond)
	}
	at(w, 300*time.Millisecond, func() { _ = rt.Join(2, "") })
	at(w, 500*time.Millisecond, func() { rt.Leave(1, 300*time.Millisecond) })
	at(w, 900*time.Millisecond, func() { _ = rt.Join(1, "v2") })
	at(w, 1200*time.Millisecond, func() { _ = rt.Replace(2, "") })
	at(w, 1500*time.Millisecond, func() { _ = rt.Upgrade(0, "v2") })
	_ = w.Run()
	return w.TraceHash()
}

func TestMembershipDeterminism(t *testing.T) {
	for seed := range uint64(5) {
		if a, b := membershipRun(seed), membershipRun(seed); a != b {
			t.Fatalf("seed %d: hashes %x and %x", seed, a, b)
		}
	}
}
