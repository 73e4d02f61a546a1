package network

import (
	"math/rand/v2"
	"os"
	"runtime"
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

// BenchmarkLargeWorld measures the cost of one event (a delivery and the
// send it triggers) as the world grows, with 1 000 messages in flight
// between random pairs over plain 1-5 ms links: the cost should not grow
// with the number of nodes. Run the sizes interleaved (-count 1 in a
// loop) to compare them.
func BenchmarkLargeWorld(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10_000} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			w, nw := pumped(b, n, 1000)
			b.ReportAllocs()
			b.ResetTimer()
			if err := w.RunEvents(uint64(b.N)); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(nw.LinkStates()), "link-states")
		})
	}
}

// BenchmarkMillionInFlight holds 1 000 000 messages in flight between
// random pairs of 10 000 nodes and reports the heap each one costs
// (message, engine event and queue entry, network state: the HeapInuse
// growth over the pending count), then runs b.N events at that size. The
// world is built once per process (about 10 s) and reused as b.N grows.
// It runs only with FAULTLINE_BENCH_LARGE=1 (make bench-large).
func BenchmarkMillionInFlight(b *testing.B) {
	large(b)
	const n, inflight = 10_000, 1_000_000
	if million.w == nil {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		million.w, million.nw = pumped(b, n, inflight)
		runtime.GC()
		runtime.ReadMemStats(&after)
		million.heap = float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / inflight
	}
	w, nw := million.w, million.nw
	if w.Pending() != inflight {
		b.Fatalf("pending %d, want %d", w.Pending(), inflight)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.RunEvents(uint64(b.N)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(million.heap, "heap-B/pending") // after ResetTimer, which deletes metrics
	b.ReportMetric(float64(nw.LinkStates()), "link-states")
}

// million is BenchmarkMillionInFlight's world, built once.
var million struct {
	w    *sim.World
	nw   *Network
	heap float64
}

// large skips a benchmark that takes minutes to set up unless
// FAULTLINE_BENCH_LARGE is set.
func large(b *testing.B) {
	if os.Getenv("FAULTLINE_BENCH_LARGE") == "" {
		b.Skip("a large world: set FAULTLINE_BENCH_LARGE=1 (make bench-large)")
	}
}

// pumped returns a world of n nodes with inflight messages in flight over
// uniform 1-5 ms links, warmed up by 10 events per message in flight, or
// at least 100 000.
func pumped(b *testing.B, n, inflight int) (*sim.World, *Network) {
	w := sim.New(1, sim.Options{Limits: sim.Limits{MaxEvents: 1 << 62, MaxTime: sim.Never - 1, MaxPending: 2 * inflight}})
	nw, err := New(w, n, Link{Latency: Dist{Kind: Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		b.Fatal(err)
	}
	nw.Recycle(true)
	p := &pump{nw: nw, rng: w.Rand("bench"), n: n, target: inflight}
	nw.SetReceiver(p)
	p.fill(0)
	if err := w.RunEvents(uint64(max(10*inflight, 100_000))); err != nil {
		b.Fatal(err)
	}
	return w, nw
}
