package nodes

import (
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes/storage"
)

// TestStorageSyncReachesTimer: a completed sync is a Timer call, it
// waits behind a pause, a crash drops it and cuts the disk back, and a
// restart sees the disk as the crash left it.
func TestStorageSyncReachesTimer(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, time.Millisecond)
	if err := rt.SetStorage(storage.Model{SectorBytes: 3}); err == nil {
		t.Fatal("sector size 3 accepted")
	}
	if err := rt.SetStorage(storage.Model{SyncLatency: network.Const(2 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	var seen []string
	if _, err := rt.Add(func(NodeID) Node {
		return &fnNode{
			start: func(env *Env) {
				b, _ := env.Storage().ReadFile("f")
				seen = append(seen, string(b))
			},
			timer: func(env *Env, _ TimerID, data any) {
				if s, ok := data.(storage.Synced); ok && s.Tag == "t" && s.Err == nil {
					got = append(got, time.Duration(env.TrueNow()))
				}
			}}
	}); err != nil {
		t.Fatal(err)
	}
	at(w, time.Millisecond, func() {
		d := rt.Storage(0)
		_ = d.Append("f", []byte("a"))
		_ = d.Sync("f", "t")
		rt.Pause(0, 5*time.Millisecond) // the sync completes at 3ms, handled at 6ms
	})
	at(w, 10*time.Millisecond, func() {
		d := rt.Storage(0)
		_ = d.Append("f", []byte("b"))
		_ = d.Sync("f", "t")
		rt.Crash(0) // before it completes
		rt.Restart(0)
	})
	if err := w.RunUntil(50e6); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 6*time.Millisecond {
		t.Fatalf("syncs handled at %v, want one at 6ms", got)
	}
	if len(seen) != 2 || seen[0] != "" || seen[1] != "a" {
		t.Fatalf("starts saw %q, want \"\" then the synced \"a\"", seen)
	}
}

// TestSyncedBoxNamesItsFile: syncs without a tag share one boxed Synced
// per file, so each Synced still names the file it completes, with its
// tag when it has one.
func TestSyncedBoxNamesItsFile(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, time.Millisecond)
	if err := rt.SetStorage(storage.Model{SyncLatency: network.Const(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	var got []storage.Synced
	if _, err := rt.Add(func(NodeID) Node {
		return &fnNode{timer: func(_ *Env, _ TimerID, data any) {
			if s, ok := data.(storage.Synced); ok {
				got = append(got, s)
			}
		}}
	}); err != nil {
		t.Fatal(err)
	}
	want := []storage.Synced{{Name: "a"}, {Name: "a"}, {Name: "b"}, {Name: "a", Tag: 7}, {Name: "a"}, {Name: "b"}}
	at(w, time.Millisecond, func() {
		d := rt.Storage(0)
		for _, s := range want {
			_ = d.Append(s.Name, []byte("x"))
			_ = d.Sync(s.Name, s.Tag)
		}
	})
	if err := w.RunUntil(50e6); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d Synced, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Synced %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestSyncSeqReachesTimer: a SyncSeq's completion reaches Timer as the
// *storage.SeqSynced itself, with its number, and costs no allocation of
// its own: no more per sync than an untagged Sync.
func TestSyncSeqReachesTimer(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, time.Millisecond)
	if err := rt.SetStorage(storage.Model{SyncLatency: network.Const(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	if _, err := rt.Add(func(NodeID) Node {
		return &fnNode{timer: func(_ *Env, _ TimerID, data any) {
			if q, ok := data.(*storage.SeqSynced); ok && q.Name == "f" && q.Err == nil {
				got = append(got, q.Seq)
			}
		}}
	}); err != nil {
		t.Fatal(err)
	}
	d := rt.Storage(0)
	_ = d.Append("f", []byte("x"))
	batch := func(seq bool) {
		for i := range uint64(1000) {
			if seq {
				_ = d.SyncSeq("f", i)
			} else {
				_ = d.Sync("f", nil)
			}
		}
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
	}
	batch(true)
	if len(got) != 1000 || got[0] != 0 || got[999] != 999 {
		t.Fatalf("got %d completions (%v…), want 0 to 999", len(got), got[:min(3, len(got))])
	}
	untagged, seq := testing.AllocsPerRun(5, func() { batch(false) }), testing.AllocsPerRun(5, func() { batch(true) })
	if seq > untagged+1000/100 {
		t.Errorf("a batch of 1000 SyncSeq allocates %.0f times, untagged Sync %.0f", seq, untagged)
	}
}
