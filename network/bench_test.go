package network

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// pump is a receiver that keeps a fixed number of messages in flight: each
// delivery (and each drop at send time) is replaced by a send from the
// receiving node to a random other node.
type pump struct {
	nw     *Network
	rng    *rand.Rand
	n      int
	target int
}

func (p *pump) Receive(m *Message) bool {
	p.fill(m.To)
	return true
}

func (p *pump) fill(from NodeID) {
	for p.nw.InFlight() < p.target {
		to := NodeID((int(from) + 1 + p.rng.IntN(p.n-1)) % p.n)
		p.nw.Send(from, to, nil, 100)
		from = to
	}
}

// BenchmarkNetwork measures delivered messages per second through the full
// model: 100 nodes sending all-to-all over uniform 1-5 ms links with 1%
// loss, with a partition in force (so every send and delivery looks it up).
// One op is one delivered message. The nodes=10000 case uses the sparse
// link storage of large worlds.
func BenchmarkNetwork(b *testing.B) {
	for _, c := range []struct {
		n, inflight int
		recycle     bool
	}{{100, 100, true}, {100, 100, false}, {100, 1000, true}, {100, 10_000, true}, {10_000, 10_000, true}} {
		name := "nodes=" + strconv.Itoa(c.n) + "/inflight=" + strconv.Itoa(c.inflight)
		if !c.recycle {
			name += "/recycle=off"
		}
		b.Run(name, func(b *testing.B) {
			n := c.n
			w := sim.New(1, sim.Options{Limits: sim.Limits{MaxEvents: 1 << 62, MaxTime: sim.Never - 1}})
			nw, err := New(w, n, Link{Latency: Dist{Kind: Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}, Loss: 0.01})
			if err != nil {
				b.Fatal(err)
			}
			nw.Recycle(c.recycle)
			g, _ := OneWay(n, []NodeID{0}, []NodeID{1})
			_ = nw.SetGrudge(g, "n1 -/-> n2")
			p := &pump{nw: nw, rng: w.Rand("bench"), n: n, target: c.inflight}
			nw.SetReceiver(p)
			p.fill(0)
			if err := w.RunEvents(uint64(10 * c.inflight)); err != nil { // warm up
				b.Fatal(err)
			}
			before := nw.Totals().Delivered
			b.ReportAllocs()
			b.ResetTimer()
			if err := w.RunEvents(uint64(b.N)); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			delivered := nw.Totals().Delivered - before
			b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
