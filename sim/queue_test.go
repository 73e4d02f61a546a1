package sim

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

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
