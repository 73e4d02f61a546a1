package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

// tb is what the helpers need of testing.TB and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

type rig struct {
	w      *sim.World
	d      *Disk
	synced []Synced
}

func newRig(t tb, seed uint64, m Model) *rig {
	t.Helper()
	r := &rig{w: sim.New(seed, sim.Options{})}
	d, err := New(r.w, 0, "n1", m, func(s Synced) { r.synced = append(r.synced, s) })
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	return r
}

func (r *rig) run(t tb) {
	t.Helper()
	if err := r.w.Run(); err != nil {
		t.Fatal(err)
	}
}

func mustAppend(t tb, d *Disk, name string, b []byte) {
	t.Helper()
	if err := d.Append(name, b); err != nil {
		t.Fatal(err)
	}
}

func contents(t tb, d *Disk, name string) []byte {
	t.Helper()
	b, err := d.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var constSync = Model{SyncLatency: network.Const(2 * time.Millisecond), ThroughputBytesPerSec: 1e6}

func TestSyncMakesDurable(t *testing.T) {
	r := newRig(t, 1, constSync)
	mustAppend(t, r.d, "log", []byte("aaaa"))
	if err := r.d.Sync("log", "first"); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, r.d, "log", []byte("bbbb")) // after the call: not covered
	r.run(t)
	// 2ms + 4 bytes at 1 MB/s
	if r.w.Now() != sim.At(2*time.Millisecond+4*time.Microsecond) || len(r.synced) != 1 || r.synced[0].Tag != "first" || r.synced[0].Err != nil {
		t.Fatalf("at %v synced %+v", r.w.Now(), r.synced)
	}
	r.d.Crash()
	if got := contents(t, r.d, "log"); string(got) != "aaaa" {
		t.Fatalf("after crash %q, want the synced aaaa", got)
	}
}

func TestCrashBeforeSyncCompletes(t *testing.T) {
	r := newRig(t, 1, constSync)
	mustAppend(t, r.d, "log", []byte("aaaa"))
	_ = r.d.Sync("log", nil)
	r.d.Crash()
	r.run(t)
	if len(r.synced) != 0 {
		t.Fatalf("a sync completed across a crash: %+v", r.synced)
	}
	if got := contents(t, r.d, "log"); len(got) != 0 {
		t.Fatalf("after crash %q, want nothing", got)
	}
}

// TestCrashModels: what a crash keeps of an unsynced tail, by model.
func TestCrashModels(t *testing.T) {
	synced := bytes.Repeat([]byte{'s'}, 600)
	for _, tt := range []struct {
		crash CrashModel
		ok    func(img []byte) bool
	}{
		{LoseAll, func(img []byte) bool { return bytes.Equal(img, synced) }},
		{Torn, func(img []byte) bool {
			return len(img) >= 600 && (len(img)%512 == 0 || len(img) == 600 || len(img) == 600+5*300)
		}},
		{Subset, func(img []byte) bool {
			if len(img) < 600 || (len(img)-600)%300 != 0 {
				return false
			}
			for i := 600; i < len(img); i += 300 {
				c := img[i]
				if c != 0 && c != byte('a'+(i-600)/300) {
					return false
				}
			}
			return true
		}},
	} {
		lengths := map[int]bool{}
		for seed := range uint64(50) {
			r := newRig(t, seed, Model{Crash: tt.crash, SyncLatency: network.Const(time.Millisecond)})
			mustAppend(t, r.d, "log", synced)
			_ = r.d.Sync("log", nil)
			r.run(t)
			for i := range 5 {
				mustAppend(t, r.d, "log", bytes.Repeat([]byte{byte('a' + i)}, 300))
			}
			r.d.Crash()
			img := contents(t, r.d, "log")
			if !tt.ok(img) || !bytes.Equal(img[:600], synced) {
				t.Fatalf("%s seed %d: %d bytes survive: %q", tt.crash, seed, len(img), img)
			}
			lengths[len(img)] = true
		}
		if tt.crash != LoseAll && len(lengths) < 3 {
			t.Errorf("%s: only lengths %v over 50 seeds", tt.crash, lengths)
		}
	}
}

func TestDeviceQueuesSyncs(t *testing.T) {
	r := newRig(t, 1, Model{SyncLatency: network.Const(time.Millisecond), ThroughputBytesPerSec: 1e15})
	mustAppend(t, r.d, "a", []byte("x"))
	mustAppend(t, r.d, "b", []byte("y"))
	_ = r.d.Sync("a", 1)
	_ = r.d.Sync("b", 2)
	r.d.SetSlow(3)
	_ = r.d.Sync("b", 3)
	r.run(t)
	if len(r.synced) != 3 || r.w.Now() != sim.At(5*time.Millisecond) {
		t.Fatalf("at %v: %+v; want three syncs done at 1+1+3ms", r.w.Now(), r.synced)
	}
}

func TestFaults(t *testing.T) {
	r := newRig(t, 1, Model{CapacityBytes: 10})
	d := r.d
	d.SetFull(true)
	if err := d.Append("f", []byte("x")); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("full: %v", err)
	}
	d.SetFull(false)
	mustAppend(t, d, "f", []byte("0123456789"))
	if err := d.Append("f", []byte("x")); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("beyond capacity: %v", err)
	}
	_ = d.Truncate("f", 0)
	d.SetWriteErrors(1)
	if err := d.Append("f", []byte("x")); !errors.Is(err, ErrIO) {
		t.Fatalf("write error: %v", err)
	}
	d.SetWriteErrors(0)
	mustAppend(t, d, "f", []byte("abcd"))
	d.SetBitFlips(1)
	b, _ := d.ReadFile("f")
	if bytes.Equal(b, []byte("abcd")) || len(b) != 4 {
		t.Fatalf("bit flip read %q", b)
	}
	d.SetBitFlips(0)
	if b := contents(t, d, "f"); string(b) != "abcd" {
		t.Fatalf("the media changed: %q", b)
	}
	d.SetBadSectors(1)
	if _, err := d.ReadFile("f"); !errors.Is(err, ErrIO) {
		t.Fatalf("bad sector: %v", err)
	}
	d.SetBadSectors(0.0000001) // the sector stays bad while the fault lasts
	if _, err := d.ReadFile("f"); !errors.Is(err, ErrIO) {
		t.Fatalf("latent sector error healed itself: %v", err)
	}
	d.SetBadSectors(0)
	if b := contents(t, d, "f"); string(b) != "abcd" {
		t.Fatalf("after remap %q", b)
	}
}

// TestLostWrite: acknowledged, readable until the sync, zeros after.
func TestLostWrite(t *testing.T) {
	r := newRig(t, 1, constSync)
	mustAppend(t, r.d, "f", []byte("keep"))
	r.d.SetLostWrites(1)
	mustAppend(t, r.d, "f", []byte("lost"))
	r.d.SetLostWrites(0)
	mustAppend(t, r.d, "f", []byte("more"))
	if b := contents(t, r.d, "f"); string(b) != "keeplostmore" {
		t.Fatalf("before sync %q", b)
	}
	_ = r.d.Sync("f", nil)
	r.run(t)
	if b := contents(t, r.d, "f"); string(b) != "keep\x00\x00\x00\x00more" {
		t.Fatalf("after sync %q", b)
	}
	r.d.Crash()
	if b := contents(t, r.d, "f"); string(b) != "keep\x00\x00\x00\x00more" {
		t.Fatalf("after crash %q", b)
	}
}

// TestFailedSyncDropsPages: after a failed sync, a later successful one
// does not persist the bytes the failed one covered.
func TestFailedSyncDropsPages(t *testing.T) {
	r := newRig(t, 1, constSync)
	mustAppend(t, r.d, "f", []byte("aaaa"))
	r.d.SetWriteErrors(1)
	_ = r.d.Sync("f", nil)
	r.d.SetWriteErrors(0)
	r.run(t)
	if len(r.synced) != 1 || !errors.Is(r.synced[0].Err, ErrIO) {
		t.Fatalf("synced %+v", r.synced)
	}
	mustAppend(t, r.d, "f", []byte("bbbb"))
	_ = r.d.Sync("f", nil)
	r.run(t)
	r.d.Crash()
	if b := contents(t, r.d, "f"); string(b) != "\x00\x00\x00\x00bbbb" {
		t.Fatalf("after crash %q", b)
	}
}

func TestDirectoryOps(t *testing.T) {
	r := newRig(t, 1, constSync)
	d := r.d
	mustAppend(t, d, "tmp", []byte("new"))
	mustAppend(t, d, "cur", []byte("old"))
	_ = d.Sync("cur", nil)
	r.run(t)
	if err := d.Rename("tmp", "cur"); err != nil { // before syncing tmp: the classic bug
		t.Fatal(err)
	}
	d.Crash()
	if got := d.List(); len(got) != 1 || got[0] != "cur" {
		t.Fatalf("files %v", got)
	}
	if b := contents(t, d, "cur"); len(b) != 0 {
		t.Fatalf("renamed unsynced file holds %q after a crash, want nothing", b)
	}
	if err := d.Remove("cur"); err != nil || d.Used() != 0 {
		t.Fatalf("remove: %v, used %d", err, d.Used())
	}
	for _, err := range []error{d.Remove("cur"), d.Sync("cur", nil), d.Rename("x", "y"), d.Truncate("x", 0), d.Append("a/b", nil)} {
		if err == nil {
			t.Fatal("an operation on a missing or bad name succeeded")
		}
	}
}

func TestModelValidate(t *testing.T) {
	for _, m := range []Model{
		{SectorBytes: 3}, {SectorBytes: -512}, {SectorBytes: 1 << 21}, {CapacityBytes: -1},
		{ThroughputBytesPerSec: -1}, {Crash: 9}, {SyncLatency: network.Dist{Kind: network.Uniform, Min: 2, Max: 1}},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	if err := (Model{}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"all", "subset", "torn"} {
		if c, err := ParseCrashModel(s); err != nil || c.String() != s {
			t.Fatalf("%s: %v %v", s, c, err)
		}
	}
	if _, err := ParseCrashModel("some"); err == nil {
		t.Fatal("crash model some accepted")
	}
}

// workload drives a disk with every fault on and returns the trace hash.
func workload(t testing.TB, seed uint64) uint64 { return workloadSync(t, seed, false) }

// workloadSync is workload, its syncs made with SyncSeq if seq. A
// completion adds its number and whether it failed to the hash.
func workloadSync(t testing.TB, seed uint64, seq bool) uint64 {
	r := newRig(t, seed, Model{Crash: Subset})
	d := r.d
	d.SetWriteErrors(0.1)
	d.SetBitFlips(0.2)
	d.SetBadSectors(0.05)
	d.SetLostWrites(0.1)
	rng := r.w.Rand("test")
	var h uint64
	for i := range 300 {
		_ = d.Append("f", []byte(fmt.Sprintf("record %d;", i)))
		if i%7 == 0 {
			if seq {
				_ = d.SyncSeq("f", uint64(i))
			} else {
				_ = d.Sync("f", i)
			}
		}
		if i%50 == 49 {
			r.run(t)
			d.Crash()
		}
		b := make([]byte, 64)
		if n, err := d.ReadAt("f", b, int64(rng.IntN(100))); err == nil || errors.Is(err, io.EOF) {
			for _, c := range b[:n] {
				h = h*31 + uint64(c)
			}
		}
	}
	r.run(t)
	for _, s := range r.synced {
		n, failed := uint64(0), s.Err != nil
		if q, ok := s.Tag.(*SeqSynced); ok {
			n, failed = q.Seq, q.Err != nil
		} else {
			n = uint64(s.Tag.(int))
		}
		h = h*31 + n
		if failed {
			h = h*31 + 1
		}
	}
	return h ^ r.w.TraceHash()
}

// SyncSeq is Sync with a number: the same run, the same durable bytes,
// the same completions in the same order, errors included; only the
// form of the completion differs.
func TestSyncSeqIsSync(t *testing.T) {
	for seed := range uint64(5) {
		if a, b := workloadSync(t, seed, false), workloadSync(t, seed, true); a != b {
			t.Fatalf("seed %d: Sync gives %x, SyncSeq %x", seed, a, b)
		}
		if a, b := workloadSync(t, seed, true), workloadSync(t, seed, true); a != b {
			t.Fatalf("seed %d: SyncSeq gives %x then %x", seed, a, b)
		}
	}
	// Past one block of completions, each is still its own.
	r := newRig(t, 1, constSync)
	mustAppend(t, r.d, "f", []byte("x"))
	for i := range uint64(2*seqBlock + 3) {
		_ = r.d.SyncSeq("f", i)
	}
	r.run(t)
	for i, s := range r.synced {
		if q := s.Tag.(*SeqSynced); q.Seq != uint64(i) || q.Name != "f" || q.Err != nil {
			t.Fatalf("completion %d: %+v", i, q)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for seed := range uint64(5) {
		if a, b := workload(t, seed), workload(t, seed); a != b {
			t.Fatalf("seed %d: %x then %x", seed, a, b)
		}
	}
	if workload(t, 1) == workload(t, 2) {
		t.Fatal("seeds 1 and 2 give the same run")
	}
}

// TestSyncedSurvivesAnyCrash: whatever the model and the interleaving,
// the bytes of a completed sync survive a crash, and the file after it
// never holds a byte that was not written there.
func TestSyncedSurvivesAnyCrash(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		crash := rapid.SampledFrom([]CrashModel{LoseAll, Subset, Torn}).Draw(t, "crash")
		r := newRig(t, rapid.Uint64().Draw(t, "seed"), Model{Crash: crash, SectorBytes: 1 << rapid.IntRange(0, 10).Draw(t, "sector_log2")})
		var written []byte
		durable := 0
		for i := range rapid.IntRange(1, 30).Draw(t, "ops") {
			b := bytes.Repeat([]byte{byte(1 + i)}, rapid.IntRange(1, 700).Draw(t, "n"))
			mustAppend(t, r.d, "f", b)
			written = append(written, b...)
			if rapid.Bool().Draw(t, "sync") {
				_ = r.d.Sync("f", len(written))
				r.run(t)
				durable = len(written)
			}
		}
		r.d.Crash()
		img := contents(t, r.d, "f")
		if len(img) < durable || !bytes.Equal(img[:durable], written[:durable]) {
			t.Fatalf("%s: %d of %d durable bytes survive", crash, len(img), durable)
		}
		for i, c := range img {
			if c != 0 && c != written[i] {
				t.Fatalf("%s: byte %d is %d, never written there", crash, i, c)
			}
		}
	})
}

// TestLazyTokensMatchPostingAll: posting a disk's sync completions one at
// a time gives the run that posting them all at once gives (the same
// trace hash, event count and completions), with ties shuffled or not,
// zero sync latencies (ties among syncs), other events at the same
// times, and crashes while syncs are in flight.
func TestLazyTokensMatchPostingAll(t *testing.T) {
	type step struct {
		at    time.Duration
		op    int // 0 append+sync, 1 sync, 2 crash, 3 another event
		file  string
		after time.Duration // op 3: when the other event fires
	}
	run := func(seed uint64, shuffle bool, lat network.Dist, steps []step, all bool) (uint64, uint64, []Synced) {
		postAllTokens = all
		defer func() { postAllTokens = false }()
		w := sim.New(seed, sim.Options{ShuffleTies: shuffle})
		var got []Synced
		d, err := New(w, 0, "n1", Model{SyncLatency: lat}, func(s Synced) {
			got = append(got, s)
			w.Trace(sim.Record{Kind: "synced", Node: 0, Peer: -1, Detail: s.Name})
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range steps {
			w.After(s.at, sim.HandlerFunc(func(*sim.Event) {
				switch s.op {
				case 0:
					_ = d.Append(s.file, []byte("x"))
					_ = d.Sync(s.file, i)
				case 1:
					_ = d.Sync(s.file, i)
				case 2:
					d.Crash()
				default:
					w.After(s.after, sim.HandlerFunc(func(*sim.Event) {
						w.Trace(sim.Record{Kind: "other", Node: 0, Peer: -1, ID: uint64(i)})
					}), sim.Event{})
				}
			}), sim.Event{})
		}
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return w.TraceHash(), w.Events(), got
	}
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		shuffle := rapid.Bool().Draw(rt, "shuffle")
		lat := rapid.SampledFrom([]network.Dist{network.Const(0), network.Const(time.Millisecond), {Kind: network.Uniform, Min: 0, Max: 2 * time.Millisecond}}).Draw(rt, "latency")
		n := rapid.IntRange(1, 40).Draw(rt, "steps")
		steps := make([]step, n)
		for i := range steps {
			steps[i] = step{
				at:    time.Duration(rapid.IntRange(0, 5).Draw(rt, "at")) * time.Millisecond,
				op:    rapid.IntRange(0, 3).Draw(rt, "op"),
				file:  rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "file"),
				after: time.Duration(rapid.IntRange(0, 4).Draw(rt, "after")) * time.Millisecond,
			}
			if steps[i].op == 1 && i == 0 {
				steps[i].op = 0
			}
		}
		h1, e1, s1 := run(seed, shuffle, lat, steps, false)
		h2, e2, s2 := run(seed, shuffle, lat, steps, true)
		if h1 != h2 || e1 != e2 || fmt.Sprint(s1) != fmt.Sprint(s2) {
			rt.Fatalf("one at a time: %x, %d events, %v\nall at once:   %x, %d events, %v", h1, e1, s1, h2, e2, s2)
		}
	})
}
