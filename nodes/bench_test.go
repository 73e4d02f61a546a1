package nodes

import (
	"runtime"
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
