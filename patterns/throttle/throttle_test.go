package throttle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestProbability(t *testing.T) {
	tests := []struct {
		k                 float64
		requests, accepts int
		want              float64
	}{
		{2, 0, 0, 0},
		{2, 100, 100, 0},
		{2, 100, 50, 0},
		{2, 99, 0, 0.99},
		{2, 99, 20, (99 - 40) / 100.0},
		{1.1, 99, 50, (99 - 55) / 100.0},
	}
	for _, tt := range tests {
		th, _ := New(Config{K: tt.k})
		for range tt.requests {
			th.win.Add(0, slotRequests, 1)
		}
		for range tt.accepts {
			th.Accepted(0)
		}
		if got := th.RejectProbability(0); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("k=%g req=%d acc=%d: got %g want %g", tt.k, tt.requests, tt.accepts, got, tt.want)
		}
	}
}

func TestRecovers(t *testing.T) {
	th, _ := New(Config{Window: 10 * time.Second})
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 { // backend refuses everything
		th.Allow(0, rng)
	}
	if p := th.RejectProbability(0); p < 0.99 {
		t.Fatalf("probability %g after 1000 refusals", p)
	}
	if p := th.RejectProbability(20 * time.Second); p != 0 {
		t.Fatalf("probability %g after the window passed", p)
	}
}

// The reject probability is always in [0,1), is 0 while requests <=
// k·accepts, and the fraction of calls rejected tracks it.
func TestThrottleProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.Float64Range(1, 4).Draw(t, "k")
		th, _ := New(Config{K: k, Window: time.Minute})
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
		acceptRate := rapid.Float64Range(0, 1).Draw(t, "accept_rate")
		now := time.Duration(0)
		for range rapid.IntRange(1, 300).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 500).Draw(t, "dt_ms")) * time.Millisecond
			p := th.RejectProbability(now)
			req, acc := th.Counts(now)
			if p < 0 || p >= 1 || (float64(req) <= k*float64(acc) && p != 0) {
				t.Fatalf("p=%g with requests %d accepts %d k %g", p, req, acc, k)
			}
			if th.Allow(now, rng) && rng.Float64() < acceptRate {
				th.Accepted(now)
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		th, _ := New(Config{})
		rng := rand.New(rand.NewPCG(9, 9))
		s := ""
		for i := range 500 {
			now := time.Duration(i) * 100 * time.Millisecond
			ok := th.Allow(now, rng)
			if ok && i%4 == 0 {
				th.Accepted(now)
			}
			s += fmt.Sprint(ok)
		}
		return s
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	th, _ := New(Config{K: 2})
	rng := rand.New(rand.NewPCG(1, 2))
	for range 9 {
		th.Allow(0, rng) // the backend accepted none of these
	}
	th.Accepted(0)
	fmt.Printf("reject probability %.2f\n", th.RejectProbability(0))
	// Output:
	// reject probability 0.70
}
