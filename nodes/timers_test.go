package nodes

import (
	"testing"

	"pgregory.net/rapid"
)

// TestTimerSetMatchesMap: any sequence of adds (increasing ids, gaps small
// or large enough to spill), deletes of pending or unknown ids, and clears
// leaves the set agreeing with a map on every id seen.
func TestTimerSetMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s timerSet
		model := map[TimerID]bool{}
		var next TimerID
		var ids []TimerID
		steps := rapid.IntRange(1, 400).Draw(t, "steps")
		for range steps {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1, 2, 3, 4:
				next += TimerID(rapid.SampledFrom([]int{1, 1, 2, 63, 64, 65, 700, 5000}).Draw(t, "gap"))
				s.add(next)
				model[next] = true
				ids = append(ids, next)
			case 5, 6, 7:
				if len(ids) == 0 {
					continue
				}
				id := ids[rapid.IntRange(0, len(ids)-1).Draw(t, "del")]
				s.del(id)
				delete(model, id)
			case 8:
				id := TimerID(rapid.Uint64Range(0, uint64(next)+100).Draw(t, "unknown"))
				s.del(id)
				delete(model, id)
			case 9:
				if rapid.IntRange(0, 9).Draw(t, "clear") == 0 {
					s.clear()
					clear(model)
				}
			}
			for _, id := range ids {
				if s.has(id) != model[id] {
					t.Fatalf("id %d: has %v, want %v", id, s.has(id), model[id])
				}
			}
			if s.has(next+1) || s.has(next+64) {
				t.Fatalf("an id never added is pending")
			}
		}
	})
}

// TestTimerSetBounded: one timer that never fires among many short ones
// keeps the bitmap within its bound; the old timer stays pending.
func TestTimerSetBounded(t *testing.T) {
	var s timerSet
	s.add(1)
	for id := TimerID(2); id < 100_000; id++ {
		s.add(id)
		s.del(id)
	}
	if n := len(s.words) - s.off; n > maxWindowWords {
		t.Fatalf("window of %d words, want ≤ %d", n, maxWindowWords)
	}
	if cap(s.words) > 4*maxWindowWords {
		t.Fatalf("bitmap capacity %d words, want ≤ %d", cap(s.words), 4*maxWindowWords)
	}
	if !s.has(1) || s.has(2) || s.has(99_999) {
		t.Fatalf("has(1) %v has(2) %v has(99999) %v", s.has(1), s.has(2), s.has(99_999))
	}
	s.del(1)
	if s.has(1) {
		t.Fatal("deleted timer 1 still pending")
	}
}
