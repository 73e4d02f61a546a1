package sim

// queue is a 4-ary min-heap ordered by (at, key). The heap holds small
// entries that point into a slab of events, so sifting moves 24 bytes
// instead of a whole Event; freed slab slots are reused, so a steady state
// allocates nothing. A 4-ary heap halves the depth of a binary one.
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
	i := len(h) - 1
	x := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !x.less(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
	q.heap = h
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
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
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

// peek returns the least event's time, or Never.
func (q *queue) peek() Time {
	if len(q.heap) == 0 {
		return Never
	}
	return q.heap[0].at
}
