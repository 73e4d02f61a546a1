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
