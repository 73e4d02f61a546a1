package nodes

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// armer sets timersPerNode timers of 1 ms to 1 s when it starts, and counts
// the ones that fire.
type armer struct{ fired *int }

const timersPerNode = 100

func (a *armer) Start(env *Env) {
	for range timersPerNode {
		env.SetTimer(time.Millisecond+time.Duration(env.Rand().Int64N(int64(time.Second))), a)
	}
}
func (a *armer) Receive(*Env, NodeID, any) {}
func (a *armer) Timer(*Env, TimerID, any)  { *a.fired++ }

// BenchmarkTenThousandNodes builds a world of 10 000 nodes that each set
// 100 timers (1 000 000 pending events), then lets them all fire. It
// reports the heap each pending event costs, everything included (engine
// queue, node runtime, network, nodes: the HeapInuse growth over the
// pending count), and the events per second while the timers fire.
func BenchmarkTenThousandNodes(b *testing.B) {
	const nodes = 10_000
	const pending = nodes * timersPerNode
	var fired int
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w := sim.New(1, sim.Options{})
		net, err := network.New(w, nodes, network.Link{Latency: network.Const(time.Millisecond)})
		if err != nil {
			b.Fatal(err)
		}
		rt := NewRuntime(w, net)
		for range nodes {
			if _, err := rt.Add(func(NodeID) Node { return &armer{fired: &fired} }); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.RunUntil(0); err != nil { // every node starts and arms its timers
			b.Fatal(err)
		}
		if w.Pending() != pending {
			b.Fatalf("pending %d, want %d", w.Pending(), pending)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/pending, "heap-bytes/pending")
		fired = 0
		start := w.Events()
		b.StartTimer()
		if err := w.Run(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if fired != pending || w.Events()-start != pending {
			b.Fatalf("fired %d timers in %d events, want %d", fired, w.Events()-start, pending)
		}
		runtime.KeepAlive(rt)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)*pending/b.Elapsed().Seconds(), "events/s")
}

// gossiper forwards every message it receives to a random node, and starts
// with fanout messages of its own: a gossip of constant volume.
type gossiper struct{ n, fanout int }

func (g *gossiper) Start(env *Env) {
	for range g.fanout {
		g.Receive(env, 0, nil)
	}
}
func (g *gossiper) Receive(env *Env, _ NodeID, _ any) {
	env.Send(NodeID(env.Rand().IntN(g.n)), nil, 64)
}
func (g *gossiper) Timer(*Env, TimerID, any) {}

// BenchmarkGossip runs a gossip of 10 messages in flight per node over
// 1-5 ms links, with the node runtime, in worlds of 1 000 to 100 000 nodes.
// One op is one event (a delivery and the send it triggers). It reports
// the heap the whole world holds per node (runtime, nodes, network, and
// the pending events), measured after a warm-up of 10 events per message.
// The 100 000-node world (minutes to warm up) runs only with
// FAULTLINE_BENCH_LARGE=1 (make bench-large); run it with -benchtime Nx
// so that it is built once.
func BenchmarkGossip(b *testing.B) {
	for _, n := range []int{1000, 10_000, 100_000} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			if n > 10_000 && os.Getenv("FAULTLINE_BENCH_LARGE") == "" {
				b.Skip("a large world: set FAULTLINE_BENCH_LARGE=1 (make bench-large)")
			}
			const fanout = 10
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			w := sim.New(1, sim.Options{Limits: sim.Limits{MaxEvents: 1 << 62, MaxTime: sim.Never - 1}})
			net, err := network.New(w, n, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}})
			if err != nil {
				b.Fatal(err)
			}
			rt := NewRuntime(w, net)
			for range n {
				if _, err := rt.Add(func(NodeID) Node { return &gossiper{n: n, fanout: fanout} }); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.RunEvents(uint64(10 * fanout * n)); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := float64(int64(after.HeapInuse) - int64(before.HeapInuse))
			pending := w.Pending()
			b.ReportAllocs()
			b.ResetTimer()
			if err := w.RunEvents(uint64(b.N)); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(heap/float64(n), "heap-B/node")
			b.ReportMetric(heap/1e6, "heap-MB")
			b.ReportMetric(float64(pending), "pending")
			if t := net.Totals(); t.Delivered == 0 || t.Sent != t.Delivered+uint64(net.InFlight()) {
				b.Fatalf("totals %+v, in flight %d", t, net.InFlight())
			}
			runtime.KeepAlive(rt)
		})
	}
}
