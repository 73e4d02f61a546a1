package sim

// queue is a 4-ary min-heap of events ordered by (at, key, seq). A 4-ary
// heap halves the depth of a binary one and keeps siblings on one cache
// line pair, which matters at 100 000+ pending events.
type queue struct {
	ev []Event
}

func less(a, b *Event) bool {
	if a.At != b.At {
		return a.At < b.At
	}
	if a.key != b.key {
		return a.key < b.key
	}
	return a.seq < b.seq
}

func (q *queue) Len() int { return len(q.ev) }

// push adds e in O(log n).
func (q *queue) push(e Event) {
	q.ev = append(q.ev, e)
	i := len(q.ev) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !less(&q.ev[i], &q.ev[p]) {
			break
		}
		q.ev[i], q.ev[p] = q.ev[p], q.ev[i]
		i = p
	}
}

// pop removes the least event into *out in O(log n).
func (q *queue) pop(out *Event) {
	n := len(q.ev) - 1
	*out = q.ev[0]
	q.ev[0] = q.ev[n]
	q.ev[n] = Event{} // drop references for the GC
	q.ev = q.ev[:n]
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if less(&q.ev[j], &q.ev[m]) {
				m = j
			}
		}
		if !less(&q.ev[m], &q.ev[i]) {
			break
		}
		q.ev[i], q.ev[m] = q.ev[m], q.ev[i]
		i = m
	}
}

// peek returns the least event's time, or Never.
func (q *queue) peek() Time {
	if len(q.ev) == 0 {
		return Never
	}
	return q.ev[0].At
}
