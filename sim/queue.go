package sim

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// queue holds the pending events in (at, key) order. It has two tiers:
//
//   - a 4-ary min-heap of the events before horizon, and
//   - a calendar after it: a ring of buckets, each 1<<shift ns wide,
//     holding unsorted events, then an unsorted overflow for events beyond
//     the ring.
//
// When the heap runs dry, the calendar's next bucket becomes the heap. A
// simulation schedules most events well after now (timeouts, periodic
// work), so the heap stays small, a few events, while thousands wait in
// buckets, where a push is an append. The width adapts: it doubles when
// most events land in the overflow, and halves when a bucket about to become
// the heap is crowded and spread out. A world with few pending events does
// not need the calendar: it is turned on only once the heap has grown past
// calendarOn events, and off again when fewer than calendarOff wait.
//
// While few events wait (at most smallMax) and the calendar is off, the
// heap is kept fully sorted: a pop takes the first entry with no
// comparison (the slice moves on by one), and a push shifts the few
// entries after its place. A sorted slice is a heap, so it becomes one
// again for free when it grows past smallMax; it is sorted again when a
// heap pop leaves fewer than smallBack.
//
// The heap holds small entries that point into a slab of events, so moving
// an entry moves 24 bytes instead of a whole Event; freed slab slots and
// bucket storage are reused, so a steady state allocates nothing. Entries
// hold no pointers, so storage past a slice's length is never cleared.
//
// pop is the engine's hot loop. Which child is least is close to a coin
// flip, so it is chosen with arithmetic instead of branches (see before),
// and the hole left by the root sinks to a leaf without comparing against
// the element that refills it, which then rises from there (Floyd's
// bottom-up variant): the last element usually belongs near the bottom.
//
// Every event still leaves in exact (at, key) order: the tiers only decide
// where an event waits, never which comes out first, so the order of events
// does not depend on this layout or its widths.
type queue struct {
	heap []entry // the events before horizon
	slab []Event
	free []uint32
	n    int // pending events in all tiers

	horizon Time      // the heap holds exactly the events before it
	shift   uint8     // a bucket is 1<<shift ns wide
	cur     int       // ring index of the bucket starting at horizon
	ring    [][]entry // ringLen buckets; nil until the calendar first starts
	inRing  int
	full    [ringLen / 64]uint64 // bit b: ring[b] holds events
	over    []entry              // events at or after the ring's end
	overMin Time
	on      bool    // the calendar is in use; off, every event is in the heap
	stuck   bool    // horizon reached the end of time: heap only for good
	pinned  bool    // tests: the calendar stays on however few events wait
	tmp     []entry // scratch for rebucketing
	small   bool    // heap is sorted; only while !on
	list    []entry // while small: the storage heap moves forward through
	touched Time    // the sum touch computes, kept so the loads stay
}

const (
	ringBits = 8
	ringLen  = 1 << ringBits
	ringMask = ringLen - 1
	// The calendar is turned on when the heap holds more than calendarOn
	// events and off when fewer than calendarOff are pending in all.
	calendarOn  = 128
	calendarOff = 16
	maxShift    = 56
	// crowded is the bucket size above which a bucket about to become
	// the heap is split by halving the width.
	crowded = 8
	// The heap is a sorted list while it holds at most smallMax events;
	// it becomes one again when a pop leaves fewer than smallBack.
	smallMax  = 32
	smallBack = 12
)

// The calendar starts only once the heap has outgrown list's storage, so
// no bucket ever shares storage with list.
const _ = uint(calendarOn - 2*smallMax)

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

func (q *queue) Len() int { return q.n }

// pushArgs adds an event with tie-break key, O(1) into the calendar and
// O(log n) into the heap. The event comes field by field and is written
// straight into its slab slot: no Event is built and copied on the way.
func (q *queue) pushArgs(at Time, h Handler, kind uint16, node int32, a, b int64, ptr any, key uint64) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		slot = uint32(len(q.slab))
		q.slab = append(q.slab, Event{})
	}
	e := &q.slab[slot]
	e.At, e.Kind, e.Node, e.A, e.B, e.Ptr, e.h = at, kind, node, a, b, ptr, h
	q.n++
	if q.small && len(q.heap) < smallMax {
		q.insert(entry{at: at, key: key, slot: slot})
		return
	}
	q.place(entry{at: at, key: key, slot: slot})
}

// emptied returns an empty queue, as a zero queue behaves, that keeps
// q's storage: its slab zeroed (no payload or handler stays reachable),
// its slices cut to length zero. q must not be used afterwards.
func (q *queue) emptied() queue {
	clear(q.slab)
	e := queue{slab: q.slab[:0], heap: q.heap[:0], free: q.free[:0], ring: q.ring, over: q.over[:0], tmp: q.tmp[:0], list: q.list[:0]}
	for i := range e.ring {
		e.ring[i] = e.ring[i][:0]
	}
	return e
}

// place puts x in the tier its time belongs to.
func (q *queue) place(x entry) {
	if q.small {
		if len(q.heap) < smallMax {
			q.insert(x)
			return
		}
		q.small = false // a sorted slice is a heap
	}
	if !q.on || x.at < q.horizon {
		h := append(q.heap, x)
		q.heap = h
		q.up(len(h)-1, x)
		if !q.on && len(h) > calendarOn && !q.stuck {
			q.start()
		}
		return
	}
	if d := uint64(x.at-q.horizon) >> q.shift; d < ringLen {
		b := (q.cur + int(d)) & ringMask
		q.ring[b] = append(q.ring[b], x)
		q.full[b>>6] |= 1 << (b & 63)
		q.inRing++
		return
	}
	if len(q.over) == 0 || x.at < q.overMin {
		q.overMin = x.at
	}
	q.over = append(q.over, x)
}

// insert puts x into the sorted heap, after every event that orders
// before it. Pops move the heap forward through list; when it reaches the
// end of list, it moves back to the start.
func (q *queue) insert(x entry) {
	h := q.heap
	if len(h) == cap(h) {
		h = q.list[:copy(q.list[:cap(q.list)], h)]
	}
	i := len(h)
	h = h[:i+1]
	for i > 0 && x.less(&h[i-1]) {
		h[i] = h[i-1]
		i--
	}
	h[i] = x
	q.heap = h
}

// sortSmall sorts the heap, which holds fewer than smallMax events, and
// keeps it sorted from now on.
func (q *queue) sortSmall() {
	if cap(q.list) <= smallMax {
		q.list = make([]entry, 0, 2*smallMax)
	}
	h := q.list[:copy(q.list[:cap(q.list)], q.heap)]
	slices.SortFunc(h, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.key, b.key))
	})
	q.heap, q.small = h, true
}

// keepScratch keeps buf for the next rebucketing unless it is large: a
// copy of every pending event would otherwise stay allocated for good.
func (q *queue) keepScratch(buf []entry) {
	if cap(buf) > 4096 {
		q.tmp = nil
		return
	}
	q.tmp = buf[:0]
}

// initRing sets up the calendar with a few entries' room per bucket, carved
// from one allocation: short runs then allocate little for it.
func (q *queue) initRing() {
	const room = 4
	q.ring = make([][]entry, ringLen)
	backing := make([]entry, ringLen*room)
	for i := range q.ring {
		q.ring[i] = backing[i*room : i*room : (i+1)*room]
	}
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

// down places x at hole i or below it.
func (q *queue) down(i int, x entry) {
	h := q.heap
	n := len(h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < min(c+4, n); j++ {
			if h[j].less(&h[m]) {
				m = j
			}
		}
		if !h[m].less(&x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
}

// pop removes the least event into *out in O(log n). The queue must not be
// empty.
func (q *queue) pop(out *Event) {
	if len(q.heap) == 0 {
		q.fill()
	}
	q.n--
	h := q.heap
	n := len(h) - 1
	if q.small {
		q.take(h[0].slot, out)
		q.heap = h[1:]
		return
	}
	q.take(h[0].slot, out)
	x := h[n]
	h = h[:n]
	q.heap = h
	if n == 0 {
		return
	}
	if n < smallBack && !q.on {
		h[0] = x
		q.sortSmall()
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

// take copies the event in slot to *out and frees the slot.
func (q *queue) take(slot uint32, out *Event) {
	e := &q.slab[slot]
	*out = *e
	e.Ptr, e.h = nil, nil // drop references for the GC; the rest is overwritten on reuse
	q.free = append(q.free, slot)
}

// peek returns the least event's time, or Never. The common case is
// small enough to inline into the run loop.
func (q *queue) peek() Time {
	if len(q.heap) > 0 {
		return q.heap[0].at
	}
	return q.peekFill()
}

//go:noinline
func (q *queue) peekFill() Time {
	if q.n == 0 {
		return Never
	}
	q.fill()
	return q.heap[0].at
}

// fill refills the empty heap from the calendar: the next non-empty
// bucket becomes the heap, and horizon moves past it.
func (q *queue) fill() {
	for len(q.heap) == 0 && q.n > 0 {
		if q.n < calendarOff && !q.pinned {
			q.stop()
			return
		}
		if q.inRing == 0 {
			// Everything left is in the overflow: restart the ring at
			// its earliest event.
			q.horizon, q.cur = q.overMin, 0
			q.redistribute()
			continue
		}
		if k := q.nextFull(); k > 0 {
			q.skip(k)
			continue
		}
		b := q.ring[q.cur]
		if len(b) > crowded && q.shift > 0 && q.spread(b) && 16*(len(q.over)+q.farHalf()) < q.inRing {
			q.rebucket(q.shift - 1)
			continue
		}
		// The heap is empty: the bucket becomes it, and the bucket takes the
		// heap's storage, instead of copying the events across. Storage
		// moves from bucket to bucket and only grows, so every bucket would
		// end up as large as the largest ever was: storage far larger
		// than a bucket's share of the events is let go, and the bucket
		// grows again from nil if it must.
		old := q.heap[:0]
		if cap(old) > 3*(q.inRing/ringLen)+1024 {
			old = nil
		}
		q.heap, q.ring[q.cur] = b, old
		q.full[q.cur>>6] &^= 1 << (q.cur & 63)
		q.inRing -= len(b)
		q.heapify()
		q.touch()
		q.skip(1)
	}
}

// touch reads the slab slot of every event in the heap. A bucket's events
// were written long ago and their slots have left the cache; these loads
// do not depend on each other, so the CPU fetches them in parallel instead
// of one cache miss per pop.
func (q *queue) touch() {
	var sum Time
	for i := range q.heap {
		sum += q.slab[q.heap[i].slot].At
	}
	q.touched = sum
}

// nextFull returns how many buckets after the current one the next
// non-empty bucket is. The ring must hold an event.
func (q *queue) nextFull() int {
	for d := 0; ; {
		i := (q.cur + d) & ringMask
		if w := q.full[i>>6] >> (i & 63); w != 0 {
			return d + bits.TrailingZeros64(w)
		}
		d += 64 - i&63
	}
}

// farHalf counts the events in the ring's far half, which halving the
// width would move to the overflow. Halving is worth it only if nearly all
// events stay in the ring; the bound is stricter than the one that doubles
// the width (in redistribute), so that the two never undo each other.
func (q *queue) farHalf() int {
	n := 0
	for d := ringLen / 2; d < ringLen; d++ {
		n += len(q.ring[(q.cur+d)&ringMask])
	}
	return n
}

// spread reports whether bucket b's events straddle the middle of its
// width, so that halving the width would split them.
func (q *queue) spread(b []entry) bool {
	mid := q.horizon + Time(1)<<(q.shift-1)
	lo, hi := false, false
	for i := range b {
		if b[i].at < mid {
			lo = true
		} else {
			hi = true
		}
	}
	return lo && hi
}

// skip moves horizon k buckets on, past empty or emptied buckets, and
// pulls overflow events into the ring once it has come close to them.
func (q *queue) skip(k int) {
	w := uint64(k) << q.shift
	if w > uint64(math.MaxInt64-q.horizon) {
		q.stop()
		q.stuck = true
		return
	}
	q.horizon += Time(w)
	q.cur = (q.cur + k) & ringMask
	// Waiting until the overflow reaches the ring's first half, not just
	// its end, lets one scan move half a ring's worth of events. A jump
	// over empty buckets may pass overflow events: they go to the heap.
	if len(q.over) > 0 && (q.overMin < q.horizon || uint64(q.overMin-q.horizon)>>q.shift < ringLen/2) {
		q.redistribute()
	}
}

// inRange reports whether time t, at or after horizon, falls within the
// ring.
func (q *queue) inRange(t Time) bool { return uint64(t-q.horizon)>>q.shift < ringLen }

// redistribute moves the overflow events that fall within the ring into
// their buckets (or the heap, if a jump over empty buckets has passed
// them). When most of the overflow stays, the buckets are too
// narrow for the events' spread, and scanning it again soon would be
// wasted: the width doubles until most fit.
func (q *queue) redistribute() {
	keep := q.over[:0]
	lo := Time(math.MaxInt64)
	for _, x := range q.over {
		if x.at < q.horizon || q.inRange(x.at) {
			q.place(x)
		} else {
			keep = append(keep, x)
			lo = min(lo, x.at)
		}
	}
	moved := len(q.over) - len(keep)
	if cap(keep) > 4096 && len(keep) < cap(keep)/4 {
		keep = slices.Clone(keep) // let a drained overflow's storage go
	}
	q.over, q.overMin = keep, lo
	if len(keep) > 8 && moved < len(keep) {
		for len(q.over) > 8 && len(q.over) > q.inRing/8 && q.shift < maxShift {
			q.rebucket(q.shift + 1)
		}
	}
}

// rebucket changes the bucket width to 1<<shift and places every calendar
// event again, relative to the same horizon.
func (q *queue) rebucket(shift uint8) {
	all := q.drain(q.tmp[:0])
	q.over = q.over[:0]
	if cap(q.over) > 4096 {
		q.over = nil // most events will land in the ring: let a big overflow go
	}
	q.cur, q.shift = 0, shift
	for _, x := range all {
		q.place(x)
	}
	q.keepScratch(all)
}

// start turns the calendar on once the heap has grown: every event moves
// into it, and the next fill takes the first bucket back. The width starts
// at about four times the events' typical spacing (from the earlier three
// quarters of them, so that a few far-off events do not stretch it).
func (q *queue) start() {
	if q.heap[0].at < 0 {
		return // simulated time starts at 0; negative times stay in the heap
	}
	all := append(q.tmp[:0], q.heap...)
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.at, b.at) })
	lo := all[0].at
	k := 3 * len(all) / 4
	spacing := uint64(all[k].at-lo) / uint64(k)
	if q.ring == nil {
		q.initRing()
	}
	q.on, q.horizon, q.cur = true, lo, 0
	q.shift = uint8(min(max(bits.Len64(4*spacing)-1, 0), maxShift))
	q.heap = q.heap[:0]
	for _, x := range all {
		q.place(x)
	}
	q.keepScratch(all)
}

// stop turns the calendar off, with every event back in the heap: few are
// left, and a small heap beats the calendar's bookkeeping.
func (q *queue) stop() {
	q.on = false
	q.heap = q.drain(q.heap)
	q.over = q.over[:0]
	q.heapify()
}

// drain appends every calendar event, ring then overflow, to dst and
// empties the ring; the caller resets the overflow.
func (q *queue) drain(dst []entry) []entry {
	for i := range q.ring {
		dst = append(dst, q.ring[i]...)
		q.ring[i] = q.ring[i][:0]
	}
	q.full = [ringLen / 64]uint64{}
	q.inRing = 0
	return append(dst, q.over...)
}

// heapify restores the heap order over the whole heap, bottom up.
func (q *queue) heapify() {
	for i := (len(q.heap) - 2) / 4; i >= 0; i-- {
		q.down(i, q.heap[i])
	}
}
