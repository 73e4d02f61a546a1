package network

import (
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// recv is a tiny Receiver that records copies of what it gets.
type recv struct {
	w    *sim.World
	got  []Message
	at   []sim.Time
	down map[NodeID]bool
}

func (r *recv) Receive(m *Message) bool {
	if r.down[m.To] {
		return false
	}
	r.got = append(r.got, *m)
	r.at = append(r.at, r.w.Now())
	return true
}

// ids returns the ids of the received messages, in arrival order.
func (r *recv) ids() []uint64 {
	out := make([]uint64, len(r.got))
	for i, m := range r.got {
		out[i] = m.ID
	}
	return out
}

func newNet(t testing.TB, seed uint64, n int, l Link) (*sim.World, *Network, *recv) {
	t.Helper()
	w := sim.New(seed, sim.Options{})
	nw, err := New(w, n, l)
	if err != nil {
		t.Fatal(err)
	}
	r := &recv{w: w, down: map[NodeID]bool{}}
	nw.SetReceiver(r)
	return w, nw, r
}

// sendEvery sends count messages of size bytes from → to, one every
// interval starting now.
func sendEvery(w *sim.World, nw *Network, from, to NodeID, count int, interval time.Duration, size int) {
	var h sim.HandlerFunc
	left := count
	h = func(*sim.Event) {
		nw.Send(from, to, nil, size)
		left--
		if left > 0 {
			w.After(interval, h, sim.Event{Node: int32(from)})
		}
	}
	w.After(0, h, sim.Event{Node: int32(from)})
}

func run(t testing.TB, w *sim.World) {
	t.Helper()
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
}

// fataler is what testing.TB and *rapid.T share.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// balanced checks Sent + Duplicated = Delivered + ΣDropped + InFlight + Held.
func balanced(t fataler, what string, s LinkStats) {
	t.Helper()
	in := s.Sent + s.Duplicated
	out := s.Delivered + s.DroppedTotal() + s.InFlight + s.Held
	if in != out {
		t.Fatalf("%s: sent %d + duplicated %d = %d, but delivered %d + dropped %v + in flight %d + held %d = %d",
			what, s.Sent, s.Duplicated, in, s.Delivered, s.Dropped, s.InFlight, s.Held, out)
	}
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
