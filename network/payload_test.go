package network

import (
	"testing"

	"github.com/faultline/faultline/sim"
)

type stringer struct{ op string }

func (s stringer) String() string { return "op " + s.op }

// sendSome sends a few payloads over a lossy, duplicating network and
// returns the trace hash.
func sendSome(t *testing.T, sink sim.Sink) uint64 {
	t.Helper()
	w := sim.New(5, sim.Options{Sink: sink})
	nw, err := New(w, 3, Link{Latency: Dist{Kind: Uniform, Min: ms(1), Max: ms(3)}, Loss: 0.2, Duplicate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	nw.SetReceiver(&recv{w: w})
	for i := range 50 {
		var p any = struct{ Key, Val int }{i, i * i}
		if i%2 == 0 {
			p = stringer{op: "put->x"}
		}
		nw.Send(NodeID(i%3), NodeID((i+1)%3), p, 10)
	}
	run(t, w)
	return w.TraceHash()
}

// Payload text goes to the sink only: the hash is the same with or
// without one, and with it every send carries its payload.
func TestPayloadNotHashed(t *testing.T) {
	sink := &sim.MemorySink{}
	with, without := sendSome(t, sink), sendSome(t, nil)
	if with != without {
		t.Fatalf("a sink changed the trace hash: %x with, %x without", with, without)
	}
	if again := sendSome(t, &sim.MemorySink{}); again != with {
		t.Fatalf("same seed, different hash: %x vs %x", again, with)
	}
	sends := 0
	for _, r := range sink.Records {
		if r.Kind != "send" {
			if r.Value != nil {
				t.Errorf("%s record has payload %v; only sends carry one", r.Kind, r.Value)
			}
			continue
		}
		sends++
		r.Payload = sim.RenderPayload(r.Value)
		want := "op put->x"
		if r.ID%2 == 0 {
			want = "{Key:"
		}
		if len(r.Payload) < len(want) || r.Payload[:len(want)] != want {
			t.Errorf("send %d payload %q, want it to start with %q", r.ID, r.Payload, want)
		}
	}
	if sends != 50 {
		t.Fatalf("%d send records, want 50", sends)
	}
}
