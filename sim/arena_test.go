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
