package sim

import (
	"math/bits"
	"slices"
	"unsafe"
)

// Arena lends blocks of memory to the components of one world and takes
// them all back at once, so that a worker that runs many worlds one after
// another reuses the storage of the last one instead of asking the
// runtime for fresh memory each time (Options.Arena).
//
// Reset zeroes the blocks it takes back, so a block is zero when lent and
// what a world sees does not depend on the world that used it before:
// reuse never changes a run. Nor does a taken-back block keep the last
// world's objects alive.
// An Arena is not safe for concurrent use; give each worker its own.
type Arena struct {
	pools map[arenaKey]*arenaPool
	// The event queues of worlds made with this arena, whose storage
	// Reset keeps in spare for the next world's queue.
	worlds []*World
	spare  []queue
	// bytes is the size of every block the arena holds; past maxKeepBytes
	// Reset lets them all go, so a worker that once ran a huge world
	// does not keep its storage for the small ones after it.
	bytes int
}

// maxKeepBytes bounds the blocks an arena keeps across Reset (32 MB; a
// retry-storm run lends about 1.3 MB).
const maxKeepBytes = 32 << 20

// maxSpareEvents bounds the event slab a spare queue keeps (64-byte
// events: 4 MB), so that one huge world does not pin its storage for the
// many small ones after it.
const maxSpareEvents = 1 << 16

type arenaKey struct {
	typ any // a nil *T: one key per element type
	n   int
}

type arenaPool struct {
	blocks []any // each a block[T] of length n
	lent   int   // blocks[:lent] are in use by the current world
}

// NewArena returns an empty arena.
func NewArena() *Arena { return &Arena{pools: map[arenaKey]*arenaPool{}} }

// Reset takes back every block lent so far. Call it only once nothing
// uses them any more: when the world that borrowed them is done, and
// nothing kept a pointer into them (a sink that keeps trace records with
// their payloads, for one).
func (a *Arena) Reset() {
	if a == nil {
		return
	}
	for i, w := range a.worlds {
		if cap(w.q.slab) <= maxSpareEvents {
			a.spare = append(a.spare, w.q.emptied())
		}
		w.q = queue{}
		a.worlds[i] = nil
	}
	a.worlds = a.worlds[:0]
	if a.bytes > maxKeepBytes {
		clear(a.pools)
		a.bytes = 0
		return
	}
	for _, p := range a.pools {
		for _, b := range p.blocks[:p.lent] {
			clearBlock(b)
		}
		p.lent = 0
	}
}

// Take returns a zeroed block of n Ts (length and capacity n): one the
// arena lent to an earlier world, or a new one. With a nil arena it is
// make([]T, n).
func Take[T any](a *Arena, n int) []T {
	if a == nil {
		return make([]T, n)
	}
	// Blocks are kept by size class, so that a block whose length
	// differs from run to run (a histogram's joined samples) finds the
	// last run's block instead of adding one each run.
	c := sizeClass(n)
	k := arenaKey{typ: (*T)(nil), n: c}
	p := a.pools[k]
	if p == nil {
		p = &arenaPool{}
		a.pools[k] = p
	}
	if p.lent < len(p.blocks) {
		b := p.blocks[p.lent].(block[T])
		p.lent++
		return b[:n:n]
	}
	b := make(block[T], c)
	a.bytes += c * int(unsafe.Sizeof(*new(T)))
	p.blocks = append(p.blocks, b)
	p.lent++
	return b[:n:n]
}

// sizeClass rounds n up to the next of 1, 2, 3, 4, 6, 8, 12, 16, 24 ...
// (a power of two or one and a half times one): at most a third more
// than asked.
func sizeClass(n int) int {
	if n <= 4 {
		return n
	}
	p := 1 << (bits.Len(uint(n-1)) - 1) // the largest power of two below n
	if n <= p+p/2 {
		return p + p/2
	}
	return 2 * p
}

// block is a lent []T that can zero itself without knowing T.
type block[T any] []T

func (b block[T]) zero() { clear(b) }

func clearBlock(b any) { b.(interface{ zero() }).zero() }

// Grow returns s with room for n more elements: s itself if it has the
// room, else a copy of s in a block of twice the capacity (at least 16
// and enough), taken from the arena. The old block stays lent until
// Reset. With a nil arena it is slices.Grow.
func Grow[T any](a *Arena, s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	if a == nil {
		return slices.Grow(s, n)
	}
	c := max(16, 2*cap(s))
	for c < len(s)+n {
		c *= 2
	}
	b := Take[T](a, c)
	copy(b, s)
	return b[:len(s)]
}

// lendQueue gives w's event queue the storage of a queue from an earlier
// world, if there is one, and takes it back at Reset. Where an event waits
// in the queue never decides the order events leave it, so the storage a
// queue starts with cannot change a run.
func (a *Arena) lendQueue(w *World) {
	if n := len(a.spare); n > 0 {
		w.q = a.spare[n-1]
		a.spare[n-1] = queue{}
		a.spare = a.spare[:n-1]
	}
	a.worlds = append(a.worlds, w)
}
