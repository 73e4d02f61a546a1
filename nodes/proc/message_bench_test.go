package proc

import (
	"testing"

	"github.com/faultline/faultline/internal/benchpair"
	"github.com/faultline/faultline/nodes"
)

// ball is the message two nodes pass back and forth.
type ball struct{ hits int }

// hBouncer is a handler node that sends every message it gets back.
type hBouncer struct{ serve bool }

func (h hBouncer) Start(env *nodes.Env) {
	if h.serve {
		env.Send(1-env.ID(), &ball{}, DefaultSize)
	}
}
func (hBouncer) Receive(env *nodes.Env, from NodeID, msg any) {
	b := msg.(*ball)
	b.hits++
	env.Send(from, b, DefaultSize)
}
func (hBouncer) Timer(*nodes.Env, nodes.TimerID, any) {}

// pBouncer is the same node written as a process.
func pBouncer(serve bool) func(p *P) {
	return func(p *P) {
		if serve {
			p.Send(1-p.ID(), &ball{}, DefaultSize)
		}
		for {
			from, msg := p.Recv()
			b := msg.(*ball)
			b.hits++
			p.Send(from, b, DefaultSize)
		}
	}
}

// pingPong builds a world of two nodes passing one message back and forth
// and returns a function that runs k more messages.
func pingPong(b *testing.B, procs bool, g *Group) func(k int) {
	w, rt := newWorld(2)
	for i := range 2 {
		if procs {
			rt.Add(g.Constructor(pBouncer(i == 0)))
		} else {
			rt.Add(func(NodeID) nodes.Node { return hBouncer{serve: i == 0} })
		}
	}
	return func(k int) {
		if err := w.RunEvents(uint64(k)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessage compares one message between two process nodes (a
// Send, its delivery, the receiver's Recv waking) with one message between
// two handler nodes, side by side in alternating rounds (see
// internal/benchpair). It reports each side's CPU ns per message and
// proc/handler-x, the process message's cost as a multiple of the
// handler's (median of the rounds). Every message is one event.
func BenchmarkMessage(b *testing.B) {
	defer benchpair.Lock()() // before the coroutines are made
	var g Group
	defer g.Close()
	handlers := pingPong(b, false, &g)
	procs := pingPong(b, true, &g)
	handlers(10_000)
	procs(10_000)
	b.ReportAllocs()
	b.ResetTimer()
	r := benchpair.Run(b.N, 4096, procs, handlers)
	b.StopTimer()
	b.ReportMetric(r.ANsPerOp(), "proc-ns/msg")
	b.ReportMetric(r.BNsPerOp(), "handler-ns/msg")
	b.ReportMetric(1/r.Ratio, "proc/handler-x")
}

// TestPingPongDeterministic runs the process ping-pong twice on the same
// seed and wants the same trace hash, and the same hash as the handler
// version of the same exchange.
func TestPingPongDeterministic(t *testing.T) {
	hash := func(procs bool) uint64 {
		var g Group
		defer g.Close()
		w, rt := newWorld(2)
		for i := range 2 {
			if procs {
				rt.Add(g.Constructor(pBouncer(i == 0)))
			} else {
				rt.Add(func(NodeID) nodes.Node { return hBouncer{serve: i == 0} })
			}
		}
		if err := w.RunEvents(1000); err != nil {
			t.Fatal(err)
		}
		if w.Events() != 1000 {
			t.Fatalf("%d events, want 1000", w.Events())
		}
		return w.TraceHash()
	}
	p1, p2, h := hash(true), hash(true), hash(false)
	if p1 != p2 {
		t.Fatalf("same seed, hashes %x and %x", p1, p2)
	}
	if p1 != h {
		t.Fatalf("process ping-pong hash %x, handler ping-pong %x: the same exchange should trace the same", p1, h)
	}
}

// BenchmarkSwitchPair compares the floor of a process message, resuming a
// parked process and getting control back (two coroutine switches, no
// world around them), with one message between handler nodes, side by
// side as in BenchmarkMessage. switch-pair/handler-x above 1 means the
// switches alone cost more than a whole handler message.
func BenchmarkSwitchPair(b *testing.B) {
	defer benchpair.Lock()()
	var g Group
	defer g.Close()
	handlers := pingPong(b, false, &g)
	n := Node(func(p *P) {
		for {
			p.block(waitSleep)
		}
	})
	p := n.p
	p.next, p.stop = iterPull(p)
	p.resume()
	defer n.Stop()
	switches := func(k int) {
		for range k {
			p.resume()
		}
	}
	handlers(10_000)
	switches(10_000)
	b.ReportAllocs()
	b.ResetTimer()
	r := benchpair.Run(b.N, 4096, switches, handlers)
	b.StopTimer()
	b.ReportMetric(r.ANsPerOp(), "switch-pair-ns")
	b.ReportMetric(r.BNsPerOp(), "handler-ns/msg")
	b.ReportMetric(1/r.Ratio, "switch-pair/handler-x")
}

// fBouncer is hBouncer that also resumes a parked coroutine on every
// message and gets control back: a handler message plus the two switches
// that waking a process costs, with nothing else of a process (no
// mailbox, no Recv).
type fBouncer struct {
	hBouncer
	p *P
}

func (f fBouncer) Receive(env *nodes.Env, from NodeID, msg any) {
	f.p.resume()
	f.hBouncer.Receive(env, from, msg)
}

// BenchmarkMessageFloor measures the floor of a process message under
// iter.Pull: a handler message with a switch pair added (fBouncer),
// against a plain handler message, side by side as in BenchmarkMessage.
// floor/handler-x is the least proc/handler-x any design can reach that
// wakes a coroutine once per message: a process message does all a
// handler message does (the delivery, the node's dispatch, the Send) and
// two switches besides.
func BenchmarkMessageFloor(b *testing.B) {
	defer benchpair.Lock()()
	var g Group
	defer g.Close()
	handlers := pingPong(b, false, &g)
	parked := Node(func(p *P) {
		for {
			p.block(waitSleep)
		}
	})
	p := parked.p
	p.next, p.stop = iterPull(p)
	p.resume()
	defer parked.Stop()
	w, rt := newWorld(2)
	for i := range 2 {
		rt.Add(func(NodeID) nodes.Node { return fBouncer{hBouncer{serve: i == 0}, p} })
	}
	floor := func(k int) {
		if err := w.RunEvents(uint64(k)); err != nil {
			b.Fatal(err)
		}
	}
	handlers(10_000)
	floor(10_000)
	b.ReportAllocs()
	b.ResetTimer()
	r := benchpair.Run(b.N, 4096, floor, handlers)
	b.StopTimer()
	b.ReportMetric(r.ANsPerOp(), "floor-ns/msg")
	b.ReportMetric(r.BNsPerOp(), "handler-ns/msg")
	b.ReportMetric(1/r.Ratio, "floor/handler-x")
}
