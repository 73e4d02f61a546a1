package hedge

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const ms = time.Millisecond

func TestDelay(t *testing.T) {
	h, _ := New(Config{Delay: 30 * ms, Quantile: 0.9, Window: 10, MinSamples: 5})
	if h.Delay() != 30*ms {
		t.Fatal("fixed delay not used before min_samples")
	}
	for i := 1; i <= 10; i++ {
		h.Observe(time.Duration(i) * 10 * ms)
	}
	if got := h.Delay(); got != 90*ms {
		t.Fatalf("p90 of 10..100ms = %v, want 90ms", got)
	}
	for range 10 { // the window forgets the old latencies
		h.Observe(ms)
	}
	if got := h.Delay(); got != ms {
		t.Fatalf("after window turnover got %v", got)
	}
}

func TestRace(t *testing.T) {
	t.Run("zero", func(t *testing.T) { testRace(t, Race{}) })
	// A buffer too small for three attempts must grow like a nil one.
	t.Run("buffered", func(t *testing.T) { testRace(t, NewRace(make([]int, 0, 2))) })
}

func testRace(t *testing.T, r Race) {
	r.Launch(1)
	r.Launch(2)
	r.Launch(3)
	steps := []struct {
		id     int
		ok     bool
		want   Verdict
		cancel string
	}{
		{2, false, Wait, "[]"},
		{9, true, Ignored, "[]"},
		{3, true, Won, "[1]"},
		{1, true, Ignored, "[]"},
	}
	for _, s := range steps {
		v, c := r.Result(s.id, s.ok)
		if v != s.want || fmt.Sprint(c) != s.cancel {
			t.Fatalf("Result(%d,%v) = %v %v", s.id, s.ok, v, c)
		}
	}
	var r2 Race
	r2.Launch(1)
	if v, _ := r2.Result(1, false); v != AllFailed {
		t.Fatalf("got %v", v)
	}
}

func TestConfig(t *testing.T) {
	if _, err := New(Config{Window: 5, MinSamples: 10}); err == nil {
		t.Fatal("min_samples > window accepted")
	}
	var c Config
	if err := c.Set("quantile", "95"); err == nil {
		t.Fatal("quantile 95 accepted")
	}
}

// The hedge delay is the fixed delay or one of the observed latencies, and
// it never drops when the quantile rises.
func TestDelayProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		window := rapid.IntRange(1, 50).Draw(t, "window")
		lat := rapid.SliceOfN(rapid.IntRange(0, 1000), 0, 120).Draw(t, "latencies_ms")
		var prev time.Duration
		for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 1} {
			h, _ := New(Config{Delay: 7 * ms, Quantile: q, Window: window, MinSamples: 1})
			for _, l := range lat {
				h.Observe(time.Duration(l) * ms)
			}
			d := h.Delay()
			kept := lat[max(0, len(lat)-window):]
			if len(kept) == 0 {
				if d != 7*ms {
					t.Fatalf("empty window gave %v", d)
				}
				continue
			}
			if !slices.Contains(kept, int(d/ms)) {
				t.Fatalf("delay %v is not an observed latency of %v", d, kept)
			}
			if d < prev {
				t.Fatalf("quantile %g gave %v < %v", q, d, prev)
			}
			prev = d
		}
	})
}

// In a race, exactly one attempt wins or all fail, and nothing is cancelled
// twice.
func TestRaceProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var r Race
		n := rapid.IntRange(1, 5).Draw(t, "attempts")
		for i := 1; i <= n; i++ {
			r.Launch(i)
		}
		order := rapid.Permutation([]int{1, 2, 3, 4, 5}[:n]).Draw(t, "order")
		wins, failed, done := 0, 0, map[int]bool{}
		for _, id := range order {
			v, cancel := r.Result(id, rapid.Bool().Draw(t, "ok"))
			switch v {
			case Won:
				wins++
				for _, c := range cancel {
					if done[c] {
						t.Fatalf("cancelled finished attempt %d", c)
					}
					done[c] = true
				}
			case Wait:
				failed++
			case AllFailed:
				failed++
				if failed != n {
					t.Fatalf("all-failed after %d of %d", failed, n)
				}
			}
			done[id] = true
		}
		if wins > 1 {
			t.Fatalf("%d winners", wins)
		}
	})
}

func Example() {
	h, _ := New(Config{Delay: 50 * time.Millisecond})
	var r Race
	r.Launch(1)
	fmt.Println("hedge after", h.Delay())
	r.Launch(2)
	fmt.Println(r.Result(2, true))
	fmt.Println(r.Result(1, true))
	// Output:
	// hedge after 50ms
	// won [1]
	// ignored []
}

// The kept-in-order window gives exactly the nearest-rank quantile of the
// last Window latencies, after every observation.
func TestDelayMatchesSortedWindow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		window := rapid.IntRange(1, 30).Draw(t, "window")
		q := rapid.Float64Range(0, 1).Draw(t, "quantile")
		minSamples := rapid.IntRange(1, window).Draw(t, "min_samples")
		h, err := New(Config{Delay: 7 * ms, Quantile: q, Window: window, MinSamples: minSamples})
		if err != nil {
			t.Fatal(err)
		}
		var seen []time.Duration
		for i, l := range rapid.SliceOfN(rapid.IntRange(0, 20), 0, 100).Draw(t, "latencies_ms") {
			h.Observe(time.Duration(l) * ms)
			seen = append(seen, time.Duration(l)*ms)
			kept := slices.Clone(seen[max(0, len(seen)-window):])
			slices.Sort(kept)
			want := 7 * ms
			if q > 0 && len(kept) >= minSamples {
				want = kept[max(int(math.Ceil(q*float64(len(kept))))-1, 0)]
			}
			if got := h.Delay(); got != want {
				t.Fatalf("after %d latencies: delay %v, want %v (window %v)", i+1, got, want, kept)
			}
		}
	})
}
