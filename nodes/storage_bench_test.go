package nodes

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// benchEnv returns a world of two nodes and node 0's Env, captured at its
// start; node 1 only receives.
func benchEnv(b *testing.B) (*sim.World, *Runtime, *Env) {
	w := sim.New(1, sim.Options{})
	net, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		b.Fatal(err)
	}
	rt := NewRuntime(w, net)
	for range 2 {
		if _, err := rt.Add(func(NodeID) Node { return &fnNode{} }); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.RunUntil(0); err != nil {
		b.Fatal(err)
	}
	return w, rt, rt.procs[0].env
}

const (
	benchBatch = 1000    // operations between runs of the world
	benchWorld = 100_000 // operations per world: a large run, not a never-ending one
)

// BenchmarkMessageSend: one message of 100 bytes sent and delivered.
func BenchmarkMessageSend(b *testing.B) {
	w, _, env := benchEnv(b)
	b.ReportAllocs()
	for i := range b.N {
		if i%benchWorld == benchWorld-1 {
			b.StopTimer()
			w, _, env = benchEnv(b)
			b.StartTimer()
		}
		env.Send(1, i, 100)
		if i%benchBatch == benchBatch-1 {
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

var payload100 = make([]byte, 100)

// BenchmarkStorageAppend: one append of 100 bytes.
func BenchmarkStorageAppend(b *testing.B) {
	_, _, env := benchEnv(b)
	d := env.Storage()
	b.ReportAllocs()
	for i := range b.N {
		if err := d.Append("f", payload100); err != nil {
			b.Fatal(err)
		}
		if i%benchBatch == benchBatch-1 {
			_ = d.Truncate("f", 0)
		}
	}
}

// BenchmarkStorageAppendSync: one append of 100 bytes and its sync,
// completed and handed to the node's Timer.
func BenchmarkStorageAppendSync(b *testing.B) {
	w, _, env := benchEnv(b)
	d := env.Storage()
	b.ReportAllocs()
	for i := range b.N {
		if i%benchWorld == benchWorld-1 {
			b.StopTimer()
			w, _, env = benchEnv(b)
			d = env.Storage()
			b.StartTimer()
		}
		if err := d.Append("f", payload100); err != nil {
			b.Fatal(err)
		}
		if err := d.Sync("f", nil); err != nil {
			b.Fatal(err)
		}
		if i%benchBatch == benchBatch-1 {
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
			_ = d.Truncate("f", 0)
		}
	}
}

// BenchmarkStorageSync: one sync, completed and handed to the node's
// Timer, the counterpart of a message sent and delivered.
func BenchmarkStorageSync(b *testing.B) {
	w, _, env := benchEnv(b)
	d := env.Storage()
	_ = d.Append("f", payload100)
	b.ReportAllocs()
	for i := range b.N {
		if i%benchWorld == benchWorld-1 {
			b.StopTimer()
			w, _, env = benchEnv(b)
			d = env.Storage()
			_ = d.Append("f", payload100)
			b.StartTimer()
		}
		if err := d.Sync("f", nil); err != nil {
			b.Fatal(err)
		}
		if i%benchBatch == benchBatch-1 {
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStorageSyncTagged: BenchmarkStorageSync with a tag, which
// the node runtime boxes anew for each Synced (one allocation).
func BenchmarkStorageSyncTagged(b *testing.B) {
	w, _, env := benchEnv(b)
	d := env.Storage()
	_ = d.Append("f", payload100)
	b.ReportAllocs()
	for i := range b.N {
		if i%benchWorld == benchWorld-1 {
			b.StopTimer()
			w, _, env = benchEnv(b)
			d = env.Storage()
			_ = d.Append("f", payload100)
			b.StartTimer()
		}
		if err := d.Sync("f", i); err != nil {
			b.Fatal(err)
		}
		if i%benchBatch == benchBatch-1 {
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStorageRead: one read of 100 bytes.
func BenchmarkStorageRead(b *testing.B) {
	_, _, env := benchEnv(b)
	d := env.Storage()
	for range 100 {
		_ = d.Append("f", payload100)
	}
	buf := make([]byte, 100)
	b.ReportAllocs()
	for i := range b.N {
		if _, err := d.ReadAt("f", buf, int64(i%100)*100); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyncVsSend interleaves the two operations it compares in
// batches of benchBatch, in one process: sends and their deliveries,
// then syncs and their completions, then sends again. Each pair of
// batches gives a ratio, so a machine whose speed drifts from one second
// to the next disturbs both sides alike. It reports the median of those
// ratios (sync-per-send; the target is ≤ 1) and the median ns per
// operation of each. The tagged variant gives every Sync a tag, which
// costs the allocation of its Synced; seq tags each with SyncSeq, whose
// *SeqSynced come from a block.
func BenchmarkSyncVsSend(b *testing.B) {
	for _, name := range []string{"untagged", "tagged", "seq"} {
		b.Run(name, func(b *testing.B) {
			var sendNs, syncNs, ratios []float64
			w, _, env := benchEnv(b)
			d := env.Storage()
			_ = d.Append("f", payload100)
			ops := 0
			for b.Loop() {
				if ops >= benchWorld {
					w, _, env = benchEnv(b)
					d = env.Storage()
					_ = d.Append("f", payload100)
					ops = 0
				}
				t0 := time.Now()
				for i := range benchBatch {
					env.Send(1, i, 100)
				}
				if err := w.Run(); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				for i := range benchBatch {
					var err error
					switch name {
					case "untagged":
						err = d.Sync("f", nil)
					case "tagged":
						err = d.Sync("f", i)
					case "seq":
						err = d.SyncSeq("f", uint64(i))
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Run(); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				ops += benchBatch
				send, sync := float64(t1.Sub(t0))/benchBatch, float64(t2.Sub(t1))/benchBatch
				sendNs, syncNs, ratios = append(sendNs, send), append(syncNs, sync), append(ratios, sync/send)
			}
			b.ReportMetric(medianOf(sendNs), "send-ns")
			b.ReportMetric(medianOf(syncNs), "sync-ns")
			b.ReportMetric(medianOf(ratios), "sync/send")
		})
	}
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
