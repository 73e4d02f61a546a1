package nodes_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// logger logs each message it gets and answers it once.
type logger struct{}

func (logger) Start(env *nodes.Env) {
	env.Log("start %s", "n1->n2")
	if env.ID() == 0 {
		env.Send(1, "ping", 8)
	}
}

func (logger) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	env.Log("got %v from %d", msg, from)
	if msg == "ping" {
		env.Send(from, "pong", 8)
	}
}

func (logger) Timer(*nodes.Env, nodes.TimerID, any) {}

func runLogger(t *testing.T, sink sim.Sink) uint64 {
	t.Helper()
	w := sim.New(3, sim.Options{Sink: sink})
	nw, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	for range 2 {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return logger{} }); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash()
}

// Log lines reach the sink, in place, and never the hash: a run logs the
// same history with or without a sink.
func TestLogLinesAreObservedNotHashed(t *testing.T) {
	sink := &sim.MemorySink{}
	with, without := runLogger(t, sink), runLogger(t, nil)
	if with != without {
		t.Fatalf("logging changed the trace hash: %x with a sink, %x without", with, without)
	}
	var logs []string
	for _, r := range sink.Records {
		if r.Kind == "log" {
			logs = append(logs, sim.NodeName(r.Node)+": "+r.Detail)
		}
	}
	want := []string{"n1: start n1->n2", "n2: start n1->n2", "n2: got ping from 0", "n1: got pong from 1"}
	if len(logs) != len(want) {
		t.Fatalf("log lines %q, want %q", logs, want)
	}
	for i := range want {
		if logs[i] != want[i] {
			t.Fatalf("log lines %q, want %q", logs, want)
		}
	}
}
