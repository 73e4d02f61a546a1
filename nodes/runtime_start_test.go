package nodes

import (
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// order records what a node handles, in order.
type order struct{ log *[]string }

func (o order) Start(*Env)                      { *o.log = append(*o.log, "start") }
func (o order) Receive(_ *Env, _ NodeID, m any) { *o.log = append(*o.log, m.(string)) }
func (o order) Timer(*Env, TimerID, any)        {}

// A message that reaches a restarted node at the same instant as its boot
// must wait until Start has run.
func TestStartRunsBeforeEarlyMessages(t *testing.T) {
	w := sim.New(1, sim.Options{})
	net, err := network.New(w, 2, network.Link{})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRuntime(w, net)
	var log []string
	rt.Add(func(NodeID) Node { return order{&log} })
	rt.Add(func(NodeID) Node { return order{new([]string)} })
	if err := w.RunUntil(sim.Time(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	rt.Crash(0)
	// Zero latency: the message arrives at the restart instant, before the
	// start event runs.
	w.Schedule(w.Now(), sim.HandlerFunc(func(*sim.Event) {
		net.Send(1, 0, "early", 1) // delivery is queued before the start event
		rt.Restart(0)
	}), sim.Event{})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "start", "early"}
	if len(log) != len(want) || log[1] != "start" || log[2] != "early" {
		t.Fatalf("handled %v, want %v", log, want)
	}
}

type stopper struct {
	order
	stopped *int
}

func (s stopper) Stop() { *s.stopped++ }

func TestCrashStopsStoppers(t *testing.T) {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 1, network.Link{})
	rt := NewRuntime(w, net)
	n := 0
	rt.Add(func(NodeID) Node { return stopper{order{new([]string)}, &n} })
	_ = w.Run()
	rt.Crash(0)
	if n != 1 {
		t.Fatalf("Stop called %d times on crash, want 1", n)
	}
}
