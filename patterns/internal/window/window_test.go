package window

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestWindowForgets(t *testing.T) {
	w := New(10*time.Second, 10)
	w.Add(0, 0, 1)
	w.Add(5*time.Second, 0, 2)
	w.Add(5*time.Second, 1, 7)
	tests := []struct {
		at   time.Duration
		slot int
		want int64
	}{
		{0, 0, 1},
		{9 * time.Second, 0, 3},
		{10 * time.Second, 0, 2},
		{14 * time.Second, 1, 7},
		{15 * time.Second, 0, 0},
	}
	for _, tt := range tests {
		if got := w.Sum(tt.at, tt.slot); got != tt.want {
			t.Errorf("Sum(%v, %d) = %d, want %d", tt.at, tt.slot, got, tt.want)
		}
	}
}

// The window agrees with a naive list of events, up to one bucket's width.
func TestWindowMatchesNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "buckets")
		w := New(time.Duration(n)*time.Second, n)
		type ev struct{ at time.Duration }
		var evs []ev
		now := time.Duration(0)
		for range rapid.IntRange(0, 50).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 3000).Draw(t, "dt_ms")) * time.Millisecond
			w.Add(now, 0, 1)
			evs = append(evs, ev{now})
			width := time.Second
			start := (now/width - time.Duration(n) + 1) * width
			var want int64
			for _, e := range evs {
				if e.at >= start {
					want++
				}
			}
			if got := w.Sum(now, 0); got != want {
				t.Fatalf("at %v: got %d want %d", now, got, want)
			}
		}
	})
}
