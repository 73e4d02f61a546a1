package sim

import "math/bits"

// queue is a 4-ary min-heap ordered by (at, key). The heap holds small
// entries that point into a slab of events, so sifting moves 24 bytes
// instead of a whole Event; freed slab slots are reused, so a steady state
// allocates nothing. A 4-ary heap halves the depth of a binary one.
//
// pop is the engine's hot loop. Which child is least is close to a coin
// flip, so it is chosen with arithmetic instead of branches (see before),
// and the hole left by the root sinks to a leaf without comparing against
// the element that refills it, which then rises from there (Floyd's
// bottom-up variant): the last element usually belongs near the bottom.
// Any correct heap pops the same (at, key) sequence, so the order of events
// does not depend on this layout.
type queue struct {
	heap []entry
	slab []Event
	free []uint32
}

type entry struct {
	at   Time
	key  uint64 // the sequence number, or a seeded random key
	slot uint32
}

func (a *entry) less(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.key < b.key)
}

// before is 1 if a orders before b, else 0. It compares (at, key) as one
// 128-bit number with a subtract-with-borrow chain, which compiles to SUB
// and SBB with no branch. Flipping the sign bit of at keeps negative times
// in order as unsigned numbers.
func before(a, b *entry) int {
	_, borrow := bits.Sub64(a.key, b.key, 0)
	_, borrow = bits.Sub64(uint64(a.at)^(1<<63), uint64(b.at)^(1<<63), borrow)
	return int(borrow)
}

func (q *queue) Len() int { return len(q.heap) }

// push adds e with tie-break key in O(log n).
func (q *queue) push(e *Event, key uint64) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[slot] = *e
	} else {
		slot = uint32(len(q.slab))
		q.slab = append(q.slab, *e)
	}
	h := append(q.heap, entry{at: e.At, key: key, slot: slot})
	q.heap = h
	q.up(len(h)-1, h[len(h)-1])
}

// up places x at hole i or above it.
func (q *queue) up(i int, x entry) {
	h := q.heap
	for i > 0 {
		p := (i - 1) / 4
		if !x.less(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

// pop removes the least event into *out in O(log n).
func (q *queue) pop(out *Event) {
	h := q.heap
	top := h[0]
	*out = q.slab[top.slot]
	q.slab[top.slot] = Event{} // drop references for the GC
	q.free = append(q.free, top.slot)
	n := len(h) - 1
	x := h[n]
	h = h[:n]
	q.heap = h
	if n == 0 {
		return
	}
	// Sink the hole at the root along least children while all four exist.
	i := 0
	for {
		c := 4*i + 1
		if c+3 >= n {
			break
		}
		g := h[c : c+4 : c+4]
		a := before(&g[1], &g[0])
		b := 2 + before(&g[3], &g[2])
		m := a ^ ((a ^ b) & -before(&g[b], &g[a]))
		h[i] = g[m]
		i = c + m
	}
	// At most one partial family is left, at the bottom.
	if c := 4*i + 1; c < n {
		m := c
		for j := c + 1; j < n; j++ {
			if h[j].less(&h[m]) {
				m = j
			}
		}
		h[i] = h[m]
		i = m
	}
	q.up(i, x)
}

// peek returns the least event's time, or Never.
func (q *queue) peek() Time {
	if len(q.heap) == 0 {
		return Never
	}
	return q.heap[0].at
}
