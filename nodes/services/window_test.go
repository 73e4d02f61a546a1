package services

import (
	"testing"

	"pgregory.net/rapid"
)

// TestWindowMatchesMap checks the window against a plain map under puts of
// increasing ids, deletes in any order and lookups of any id, with ranges
// wide enough to spill to the far map.
func TestWindowMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var w window[int]
		ref := map[uint64]*int{}
		var live []uint64
		next := uint64(rapid.Uint64Range(0, 3).Draw(t, "first"))
		for range rapid.IntRange(0, 2000).Draw(t, "ops") {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1, 2, 3, 4:
				next += rapid.Uint64Range(1, 3000).Draw(t, "gap")
				v := int(next)
				w.put(next, &v)
				ref[next] = &v
				live = append(live, next)
			case 5, 6, 7:
				if len(live) == 0 {
					continue
				}
				// Mostly the oldest, so some values live long.
				i := rapid.IntRange(0, len(live)-1).Draw(t, "del")
				id := live[i]
				live = append(live[:i], live[i+1:]...)
				w.del(id)
				delete(ref, id)
			default:
				id := rapid.Uint64Range(0, next+2).Draw(t, "get")
				if got, want := w.get(id), ref[id]; got != want {
					t.Fatalf("get(%d) = %v, want %v", id, got, want)
				}
			}
			if w.len() != len(ref) {
				t.Fatalf("len = %d, want %d", w.len(), len(ref))
			}
		}
		for id, v := range ref {
			if w.get(id) != v {
				t.Fatalf("get(%d) lost its value", id)
			}
		}
	})
}

func TestWindow(t *testing.T) {
	var w window[string]
	a, b, c := "a", "b", "c"
	w.put(1, &a)
	w.put(2, &b)
	w.put(5, &c)
	w.del(1)
	w.del(1) // a second delete is a no-op
	w.del(99)
	tests := []struct {
		id   uint64
		want *string
	}{{0, nil}, {1, nil}, {2, &b}, {3, nil}, {5, &c}, {6, nil}, {1 << 63, nil}}
	for _, tc := range tests {
		if got := w.get(tc.id); got != tc.want {
			t.Errorf("get(%d) = %v, want %v", tc.id, got, tc.want)
		}
	}
	if w.len() != 2 {
		t.Errorf("len = %d, want 2", w.len())
	}
	// One long-lived value among many short ones: the range stays bounded.
	old := "old"
	w.put(10, &old)
	for id := uint64(11); id < 100_000; id++ {
		w.put(id, &a)
		w.del(id)
	}
	if got := len(w.vals) - w.off; got > maxWindow {
		t.Errorf("window spans %d slots, want at most %d", got, maxWindow)
	}
	if w.get(10) != &old || w.get(2) != &b || w.len() != 3 {
		t.Errorf("long-lived values lost: get(10)=%v get(2)=%v len=%d", w.get(10), w.get(2), w.len())
	}
}

func TestWindowSteadyStateAllocs(t *testing.T) {
	var w window[int]
	v := 1
	id := uint64(0)
	step := func() {
		id++
		w.put(id, &v)
		if id > 8 {
			w.del(id - 8)
		}
	}
	for range 10_000 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocs per put and del, want 0", n)
	}
}
