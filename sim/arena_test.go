package sim

import (
	"testing"
	"time"
)

func TestArenaReusesZeroedBlocks(t *testing.T) {
	a := NewArena()
	b1 := Take[int64](a, 4)
	b2 := Take[int64](a, 4)
	other := Take[int32](a, 4) // another type: another pool
	if &b1[0] == &b2[0] || len(b1) != 4 || len(other) != 4 {
		t.Fatal("two lent blocks share storage")
	}
	b1[0], b2[3], other[1] = 7, 8, 9
	a.Reset()
	c1, c2 := Take[int64](a, 4), Take[int64](a, 4)
	if &c1[0] != &b1[0] || &c2[0] != &b2[0] {
		t.Fatal("Reset did not hand the blocks out again, in order")
	}
	if c1[0] != 0 || c2[3] != 0 || other[1] != 0 {
		t.Fatalf("reused blocks not zeroed: %v %v %v", c1, c2, other)
	}
	if c3 := Take[int64](a, 4); &c3[0] == &c1[0] || &c3[0] == &c2[0] {
		t.Fatal("a block was lent twice in one world")
	}
	if n := Take[int64](nil, 3); len(n) != 3 {
		t.Fatal("a nil arena must make a block")
	}
	var nilArena *Arena
	nilArena.Reset() // does nothing
}

// TestArenaDoesNotChangeRun runs the same seeded world twice on one arena
// and once without: the trace hash must be the same.
func TestArenaDoesNotChangeRun(t *testing.T) {
	run := func(a *Arena) uint64 {
		w := New(5, Options{Arena: a})
		rng := w.Rand("test")
		var h HandlerFunc
		h = func(ev *Event) {
			blk := Take[int64](w.Arena(), 8)
			if blk[0] != 0 {
				panic("lent a dirty block")
			}
			blk[0] = ev.A
			if ev.A < 200 {
				w.After(time.Duration(rng.IntN(1000)), h, Event{A: ev.A + blk[0]%7 + 1})
			}
		}
		w.After(0, h, Event{})
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		a.Reset()
		return w.TraceHash()
	}
	a := NewArena()
	h0, h1, h2 := run(nil), run(a), run(a)
	if h0 != h1 || h1 != h2 {
		t.Fatalf("trace hashes %x %x %x", h0, h1, h2)
	}
}

func TestArenaGrow(t *testing.T) {
	for _, a := range []*Arena{nil, NewArena()} {
		var s []int
		for i := range 100 {
			if len(s) == cap(s) {
				s = Grow(a, s, 1)
			}
			s = append(s, i)
		}
		for i, v := range s {
			if v != i {
				t.Fatalf("arena %v: s[%d] = %d", a != nil, i, v)
			}
		}
		if g := Grow(a, s, 0); &g[0] != &s[0] {
			t.Fatal("Grow copied a slice that had room")
		}
	}
}

// TestArenaQueueStorageDoesNotChangeRun runs worlds whose queues go
// through every tier (a sorted list, the heap, the calendar with its
// width changing, the overflow) on one arena, each after a world of
// another size and seed, and wants the hash of a fresh run: a queue that
// starts with an earlier world's storage orders events the same. It also
// checks that the storage is reused, and that the payloads of the old
// world are not kept.
func TestArenaQueueStorageDoesNotChangeRun(t *testing.T) {
	run := func(a *Arena, seed uint64, pending int) (uint64, *World) {
		w := New(seed, Options{Arena: a})
		rng := w.Rand("test")
		fired := 0
		var h HandlerFunc
		h = func(ev *Event) {
			fired++
			if fired < 20*pending {
				// Delays over several scales: the calendar rebuckets.
				d := time.Duration(rng.Int64N(1 << (10 + rng.IntN(20))))
				w.After(d, h, Event{A: ev.A + 1, Ptr: ev.Ptr})
			}
		}
		for i := range pending {
			w.After(time.Duration(rng.IntN(1000)), h, Event{A: int64(i), Ptr: new(int)})
		}
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return w.TraceHash(), w
	}
	for _, pending := range []int{5, 40, 3000} {
		want, _ := run(nil, 9, pending)
		a := NewArena()
		for _, before := range []int{3000, 5, 40} {
			_, prev := run(a, 1, before)
			slab := &prev.q.slab[:1][0]
			a.Reset()
			if got, w := run(a, 9, pending); got != want {
				t.Fatalf("pending %d after a world of %d: hash %x, want %x", pending, before, got, want)
			} else if &w.q.slab[:1][0] != slab {
				t.Fatalf("pending %d after a world of %d: the slab was not reused", pending, before)
			}
			a.Reset()
			for _, q := range a.spare {
				for _, e := range q.slab[:cap(q.slab)] {
					if e.Ptr != nil || e.h != nil {
						t.Fatal("a spare queue keeps an old world's payload")
					}
				}
			}
		}
	}
}

// TestArenaReusesBlocksOfOtherLengths: a block whose length changes from
// world to world (a histogram's joined samples) is found again within its
// size class, with the length and capacity asked for, zeroed.
func TestArenaReusesBlocksOfOtherLengths(t *testing.T) {
	a := NewArena()
	b := Take[float64](a, 1000)
	b[999] = 1
	a.Reset()
	c := Take[float64](a, 1020)
	if &c[0] != &b[0] || len(c) != 1020 || cap(c) != 1020 {
		t.Fatalf("Take(1020) after Take(1000): same block %v, len %d cap %d", &c[0] == &b[0], len(c), cap(c))
	}
	if c[999] != 0 {
		t.Fatal("reused block not zeroed")
	}
	for _, tc := range []struct{ n, want int }{{0, 0}, {1, 1}, {4, 4}, {5, 6}, {6, 6}, {7, 8}, {64, 64}, {65, 96}, {96, 96}, {97, 128}, {1000, 1024}, {1025, 1536}} {
		if got := sizeClass(tc.n); got != tc.want {
			t.Errorf("sizeClass(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

// TestArenaLetsGoOfAHugeWorld: past maxKeepBytes, Reset drops the blocks
// instead of keeping them for the next world.
func TestArenaLetsGoOfAHugeWorld(t *testing.T) {
	a := NewArena()
	big := Take[byte](a, maxKeepBytes+1)
	a.Reset()
	if again := Take[byte](a, maxKeepBytes+1); &again[0] == &big[0] {
		t.Fatal("an arena past its bound kept its blocks")
	}
	a.Reset()
	small := Take[int64](a, 8)
	a.Reset()
	if again := Take[int64](a, 8); &again[0] != &small[0] {
		t.Fatal("a small arena did not keep its block")
	}
}
