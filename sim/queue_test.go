package sim

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// push adds e with tie-break key: the tests' way to call pushArgs.
func (q *queue) push(e *Event, key uint64) {
	q.pushArgs(e.At, e.h, e.Kind, e.Node, e.A, e.B, e.Ptr, key)
}

// queueOp is one step of a random interleaving: a push of (at, key), or a
// pop when push is false.
type queueOp struct {
	push bool
	at   Time
	key  uint64
}

// drawTime draws mostly from a handful of values, so that many events share
// a time, with the extremes mixed in.
func drawTime(t *rapid.T, label string) Time {
	return rapid.OneOf(
		rapid.Map(rapid.Int64Range(-2, 5), func(x int64) Time { return Time(x) }),
		rapid.SampledFrom([]Time{math.MinInt64, -1 << 62, 0, 1 << 62, Never - 1, Never}),
		rapid.Map(rapid.Int64(), func(x int64) Time { return Time(x) }),
	).Draw(t, label)
}

// drawKey draws mostly from a handful of values, so that equal keys at
// equal times occur, with the extremes mixed in.
func drawKey(t *rapid.T, label string) uint64 {
	return rapid.OneOf(
		rapid.Uint64Range(0, 3),
		rapid.SampledFrom([]uint64{0, 1 << 63, 1<<63 - 1, math.MaxUint64 - 1, math.MaxUint64}),
		rapid.Uint64(),
	).Draw(t, label)
}

func drawOps(t *rapid.T) []queueOp {
	n := rapid.IntRange(0, 300).Draw(t, "ops")
	ops := make([]queueOp, n)
	for i := range ops {
		if rapid.IntRange(0, 9).Draw(t, "kind") < 6 {
			ops[i] = queueOp{push: true, at: drawTime(t, "at"), key: drawKey(t, "key")}
		}
	}
	return ops
}

// popped is what one pop returned: the order fields and the payload that
// identifies the event.
type popped struct {
	at  Time
	key uint64
	id  int64
	ptr *int64
}

// runQueue applies ops to a fresh queue, then drains it, and returns every
// pop in order. Event.A carries the push's index and Ptr points to it, so a
// pop shows which event came out and that its payload survived.
func runQueue(ops []queueOp) []popped {
	var q queue
	var out []popped
	pop := func() {
		var ev Event
		q.pop(&ev)
		out = append(out, popped{at: ev.At, key: ops[ev.A].key, id: ev.A, ptr: ev.Ptr.(*int64)})
	}
	for i, op := range ops {
		switch {
		case op.push:
			id := int64(i)
			q.push(&Event{At: op.at, Kind: 7, Node: int32(i), A: id, Ptr: &id}, op.key)
		case q.Len() > 0:
			pop()
		}
	}
	for q.Len() > 0 {
		pop()
	}
	return out
}

func cmpTimeKey(a, b popped) int {
	if a.at != b.at {
		if a.at < b.at {
			return -1
		}
		return 1
	}
	switch {
	case a.key < b.key:
		return -1
	case a.key > b.key:
		return 1
	}
	return 0
}

// TestQueueMatchesSortedReference checks the heap against the simplest
// correct queue: keep the pending events in a list and take the least by
// (at, key). Events equal in (at, key) may come out in any order among
// themselves, but only those, each exactly once, and the same order every
// time the same operations run.
func TestQueueMatchesSortedReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := drawOps(t)
		got := runQueue(ops)

		var pending []popped
		var want []popped
		takeLeast := func() {
			m := 0
			for j := range pending {
				if cmpTimeKey(pending[j], pending[m]) < 0 {
					m = j
				}
			}
			want = append(want, pending[m])
			pending = slices.Delete(pending, m, m+1)
		}
		for i, op := range ops {
			switch {
			case op.push:
				pending = append(pending, popped{at: op.at, key: op.key, id: int64(i)})
			case len(pending) > 0:
				takeLeast()
			}
		}
		for len(pending) > 0 {
			takeLeast()
		}

		if len(got) != len(want) {
			t.Fatalf("%d pops, want %d", len(got), len(want))
		}
		for i := range got {
			if cmpTimeKey(got[i], want[i]) != 0 {
				t.Fatalf("pop %d: (at %d, key %d), want (at %d, key %d)", i, got[i].at, got[i].key, want[i].at, want[i].key)
			}
			if *got[i].ptr != got[i].id {
				t.Fatalf("pop %d: payload of event %d came out with event %d", i, *got[i].ptr, got[i].id)
			}
			op := ops[got[i].id]
			if !op.push || op.at != got[i].at || op.key != got[i].key {
				t.Fatalf("pop %d: event %d is not the push of (at %d, key %d)", i, got[i].id, got[i].at, got[i].key)
			}
		}
		// Each push comes out exactly once.
		ids := make([]int64, len(got))
		wantIDs := make([]int64, len(want))
		for i := range got {
			ids[i], wantIDs[i] = got[i].id, want[i].id
		}
		slices.Sort(ids)
		slices.Sort(wantIDs)
		if !slices.Equal(ids, wantIDs) {
			t.Fatalf("popped events %v, want %v", ids, wantIDs)
		}
		// With distinct (at, key) pairs among all pushes the order is fully
		// fixed, event by event. (Equal pairs need not end up adjacent in
		// the pop order when pops interleave with pushes.)
		distinct := true
		seen := map[[2]uint64]bool{}
		for _, op := range ops {
			if !op.push {
				continue
			}
			k := [2]uint64{uint64(op.at), op.key}
			if seen[k] {
				distinct = false
			}
			seen[k] = true
		}
		for i := range got {
			if distinct && got[i].id != want[i].id {
				t.Fatalf("pop %d: event %d, want %d", i, got[i].id, want[i].id)
			}
		}
	})
}

// TestQueueDeterministic runs the same operations twice, ties included,
// and wants the same events in the same order.
func TestQueueDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := drawOps(t)
		a, b := runQueue(ops), runQueue(ops)
		if len(a) != len(b) {
			t.Fatalf("%d pops, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].id != b[i].id {
				t.Fatalf("pop %d: event %d, then %d", i, a[i].id, b[i].id)
			}
		}
	})
}

// TestBeforeMatchesLess checks the branch-free comparison against the
// plain one over the whole range, sign and top bits included.
func TestBeforeMatchesLess(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := entry{at: drawTime(t, "a.at"), key: drawKey(t, "a.key")}
		b := entry{at: drawTime(t, "b.at"), key: drawKey(t, "b.key")}
		want := 0
		if a.less(&b) {
			want = 1
		}
		if got := before(&a, &b); got != want {
			t.Fatalf("before(%+v, %+v) = %d, want %d", a, b, got, want)
		}
	})
}

func TestBeforeTable(t *testing.T) {
	tests := []struct {
		name string
		a, b entry
		want int
	}{
		{"earlier time", entry{at: 1, key: 9}, entry{at: 2, key: 0}, 1},
		{"later time", entry{at: 2, key: 0}, entry{at: 1, key: 9}, 0},
		{"same time, smaller key", entry{at: 5, key: 1}, entry{at: 5, key: 2}, 1},
		{"same time, larger key", entry{at: 5, key: 2}, entry{at: 5, key: 1}, 0},
		{"equal", entry{at: 5, key: 2}, entry{at: 5, key: 2}, 0},
		{"negative before zero", entry{at: -1, key: math.MaxUint64}, entry{at: 0, key: 0}, 1},
		{"min time before max", entry{at: math.MinInt64}, entry{at: Never}, 1},
		{"key top bit is a large key", entry{at: 3, key: 1 << 63}, entry{at: 3, key: 1<<63 - 1}, 0},
		{"max key at Never", entry{at: Never, key: math.MaxUint64 - 1}, entry{at: Never, key: math.MaxUint64}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := before(&tc.a, &tc.b); got != tc.want {
				t.Fatalf("before = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestQueuePopClearsSlot checks that a popped event's payload is no longer
// referenced from the slab, so the queue does not keep garbage alive.
func TestQueuePopClearsSlot(t *testing.T) {
	var q queue
	x := new(int)
	q.push(&Event{At: 1, Ptr: x}, 1)
	q.push(&Event{At: 2}, 2)
	var ev Event
	q.pop(&ev)
	if ev.Ptr != any(x) {
		t.Fatalf("popped payload %v, want %v", ev.Ptr, x)
	}
	for i, s := range q.slab {
		if s.Ptr != nil {
			t.Fatalf("slab slot %d still holds %v", i, s.Ptr)
		}
	}
}

// checkTiers verifies the queue's tiers: the heap is ordered and holds only
// events before horizon, each bucket holds the events of its width, the
// overflow lies beyond the ring's first half, and the counts and bits
// agree.
func checkTiers(t *rapid.T, q *queue) {
	h := q.heap
	for i := range h {
		if i > 0 && h[i].less(&h[(i-1)/4]) {
			t.Fatalf("heap order broken at %d", i)
		}
		if q.on && h[i].at >= q.horizon {
			t.Fatalf("heap holds time %d at or after horizon %d", h[i].at, q.horizon)
		}
	}
	n := len(h) + len(q.over)
	inRing := 0
	for b := range q.ring {
		d := (b - q.cur) & ringMask
		lo := q.horizon + Time(d)<<q.shift
		for _, x := range q.ring[b] {
			if x.at < lo || uint64(x.at-lo)>>q.shift != 0 {
				t.Fatalf("bucket %d (from %d, width 2^%d) holds time %d", d, lo, q.shift, x.at)
			}
		}
		inRing += len(q.ring[b])
		if full := q.full[b>>6]&(1<<(b&63)) != 0; full != (len(q.ring[b]) > 0) {
			t.Fatalf("bucket %d: full bit %v with %d events", b, full, len(q.ring[b]))
		}
	}
	if inRing != q.inRing || n+inRing != q.n {
		t.Fatalf("counts: ring %d (recorded %d), total %d (recorded %d)", inRing, q.inRing, n+inRing, q.n)
	}
	for _, x := range q.over {
		if x.at < q.overMin || x.at < q.horizon || uint64(x.at-q.horizon)>>q.shift < ringLen/2 {
			t.Fatalf("overflow holds time %d (min %d, horizon %d, width 2^%d)", x.at, q.overMin, q.horizon, q.shift)
		}
	}
}

// pinnedQueue returns a queue whose calendar is on from the start, with
// buckets 1<<shift ns wide, and stays on: small tests then reach its code.
func pinnedQueue(shift uint8) *queue {
	q := &queue{on: true, pinned: true, shift: shift}
	q.initRing()
	return q
}

// TestQueueTiersMatchReference runs simulation-like workloads, where each
// push is now plus a delay drawn at one of several scales, with pops in
// between, so that events spread over buckets, crowd one, spill to the
// overflow and make the widths adapt. Pops must come out in (at, key)
// order, exactly as from a sorted list.
func TestQueueTiersMatchReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := &queue{}
		if rapid.Bool().Draw(t, "pinned") {
			q = pinnedQueue(uint8(rapid.IntRange(0, 30).Draw(t, "shift")))
		}
		var pending []popped
		now := Time(rapid.Int64Range(0, 1<<40).Draw(t, "start"))
		scales := rapid.SliceOfN(rapid.IntRange(0, 50), 1, 4).Draw(t, "scales")
		shuffle := rapid.Bool().Draw(t, "shuffle")
		seq := uint64(0)
		// In bucket units the delays land in every part of the ring and
		// just past it, whatever the width has become.
		buckets := rapid.Bool().Draw(t, "buckets")
		push := func() {
			s := scales[rapid.IntRange(0, len(scales)-1).Draw(t, "scale")]
			d := Time(rapid.Int64Range(0, 1<<s).Draw(t, "delay"))
			if buckets && q.on {
				n := rapid.OneOf(rapid.IntRange(0, 2), rapid.IntRange(ringLen/3, ringLen/2),
					rapid.IntRange(3*ringLen/4, 5*ringLen/4), rapid.IntRange(0, 3*ringLen)).Draw(t, "buckets")
				d = Time(n)<<q.shift + d&(1<<q.shift-1)
			}
			seq++
			key := seq
			if shuffle {
				key = rapid.Uint64().Draw(t, "key")
			}
			q.push(&Event{At: now + d, A: int64(key)}, key)
			pending = append(pending, popped{at: now + d, key: key})
		}
		pop := func() {
			if got := q.peek(); got != least(pending).at {
				t.Fatalf("peek = %d, want %d", got, least(pending).at)
			}
			pending, now = popLeast(t, q, pending)
		}
		for range rapid.IntRange(0, 200).Draw(t, "bursts") {
			// A burst of pushes, then of pops: bursts fill buckets and
			// the overflow past what single steps would.
			for range rapid.OneOf(rapid.IntRange(0, 2), rapid.IntRange(0, 300)).Draw(t, "pushes") {
				push()
			}
			for range rapid.OneOf(rapid.IntRange(0, 2), rapid.IntRange(0, 300)).Draw(t, "pops") {
				if len(pending) == 0 {
					break
				}
				pop()
			}
			checkTiers(t, q)
		}
	})
}

// TestQueueJumpPastOverflow: a jump over empty buckets to a far bucket must
// not pass an event still waiting in the overflow.
func TestQueueJumpPastOverflow(t *testing.T) {
	q := pinnedQueue(16)
	w := Time(1) << 16
	push := func(at Time, key uint64) { q.push(&Event{At: at, A: int64(key)}, key) }
	pop := func() Time {
		var ev Event
		q.pop(&ev)
		return ev.At
	}
	push(10*w, 1)
	pop()                // the ring now starts at bucket 11
	push(11*w+300*w, 2)  // beyond the ring: overflow
	for i := range 100 { // move the ring on by 100 buckets, one at a time
		push(Time(12+i)*w, uint64(3+i))
		pop()
	}
	push(111*w+250*w, 200) // in the ring, after the overflow event
	if got, want := pop(), 11*w+300*w; got != want {
		t.Fatalf("popped time %d, want the overflow event's %d", got, want)
	}
	if got, want := pop(), 111*w+250*w; got != want {
		t.Fatalf("popped time %d, want %d", got, want)
	}
}

// TestQueueShortSequences tries many short push and pop sequences whose
// delays are whole buckets, so that the ring's edge cases (jumps over empty
// buckets, the overflow's threshold, the ring's end) meet in few steps, more
// often than long random runs make them meet.
func TestQueueShortSequences(t *testing.T) {
	rng := NewStream(1, "short-sequences")
	w := Time(1) << 16
	delays := []int{0, 1, 2, ringLen/4 - 1, ringLen / 4, ringLen/2 - 1, ringLen / 2, ringLen/2 + 1, ringLen - 1, ringLen, ringLen + 1, 2 * ringLen}
	for range 20_000 {
		q := pinnedQueue(16)
		var pending []popped
		now, seq := Time(0), uint64(0)
		for range 2 + rng.IntN(10) {
			if rng.IntN(3) > 0 || len(pending) == 0 {
				seq++
				at := now + Time(delays[rng.IntN(len(delays))])*w + Time(rng.IntN(2))
				q.push(&Event{At: at, A: int64(seq)}, seq)
				pending = append(pending, popped{at: at, key: seq})
				continue
			}
			pending, now = popLeast(t, q, pending)
		}
	}
}

// TestQueueEndOfTime: events at the largest times, Never included, leave
// in order even though horizon cannot move past them.
func TestQueueEndOfTime(t *testing.T) {
	q := pinnedQueue(20)
	times := []Time{Never, 5, Never - 1, Never - 1<<20, 1 << 62, Never, 7}
	for i, at := range times {
		q.push(&Event{At: at, A: int64(i)}, uint64(i))
	}
	want := slices.Clone(times)
	slices.Sort(want)
	for i, w := range want {
		var ev Event
		q.pop(&ev)
		if ev.At != w {
			t.Fatalf("pop %d: time %d, want %d", i, ev.At, w)
		}
	}
	if !q.stuck || q.on {
		t.Fatalf("stuck %v, on %v: want the calendar off for good", q.stuck, q.on)
	}
}

// least returns the least of pending by (at, key).
func least(pending []popped) popped {
	return slices.MinFunc(pending, cmpTimeKey)
}

// popLeast pops from q, checks that the least of pending came out (the
// event's A carries its key), and returns pending without it and its time.
func popLeast(t interface{ Fatalf(string, ...any) }, q *queue, pending []popped) ([]popped, Time) {
	want := least(pending)
	m := slices.IndexFunc(pending, func(p popped) bool { return cmpTimeKey(p, want) == 0 })
	var ev Event
	q.pop(&ev)
	if ev.At != want.at || uint64(ev.A) != want.key {
		t.Fatalf("popped (%d, %d), want (%d, %d)", ev.At, ev.A, want.at, want.key)
	}
	return slices.Delete(pending, m, m+1), ev.At
}

// TestQueueSmallTierSwitches drives the queue back and forth across the
// sizes where its heap turns into a sorted slice and back (smallBack,
// smallMax), and checks every pop against the least pending (at, key).
func TestQueueSmallTierSwitches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lo, hi int
	}{
		{"around smallMax", smallMax - 3, smallMax + 3},
		{"around smallBack", smallBack - 3, smallBack + 3},
		{"across both", 1, smallMax + 10},
		{"down to empty", 0, smallMax + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := NewStream(7, tc.name)
			var q queue
			var pending []popped
			var seq uint64
			push := func() {
				seq++
				at := Time(rng.IntN(50)) // few distinct times: many ties
				q.push(&Event{At: at, A: int64(seq)}, seq)
				pending = append(pending, popped{at: at, key: seq})
			}
			pop := func() {
				var ev Event
				q.pop(&ev)
				m := 0
				for j := range pending {
					if cmpTimeKey(pending[j], pending[m]) < 0 {
						m = j
					}
				}
				if ev.At != pending[m].at || uint64(ev.A) != pending[m].key {
					t.Fatalf("popped (at %d, key %d), want (at %d, key %d) (pending %d, small %v)", ev.At, ev.A, pending[m].at, pending[m].key, len(pending), q.small)
				}
				pending = slices.Delete(pending, m, m+1)
			}
			for range 20 {
				for len(pending) < tc.hi {
					push()
				}
				for len(pending) > tc.lo {
					pop()
					push() // the hold model: one in, one out, then down
					pop()
				}
			}
			for len(pending) > 0 {
				pop()
			}
			if q.Len() != 0 {
				t.Fatalf("%d events left", q.Len())
			}
		})
	}
}
