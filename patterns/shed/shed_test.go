package shed

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const ms = time.Millisecond

func TestOrders(t *testing.T) {
	tests := []struct {
		order Order
		gap   time.Duration // between offers
		want  string
	}{
		{FIFO, ms, "[1 2 3]"},
		{LIFO, ms, "[3 2 1]"},
		{AdaptiveLIFO, ms, "[1 2 3]"},      // queue younger than interval: FIFO
		{AdaptiveLIFO, 60 * ms, "[3 2 1]"}, // non-empty for > 100ms: LIFO
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.order, tt.gap), func(t *testing.T) {
			s, _ := New[int](Config{Order: tt.order})
			now := time.Duration(0)
			for i := 1; i <= 3; i++ {
				s.Offer(now, i)
				now += tt.gap
			}
			var got []int
			for {
				v, ok, _ := s.Take(now)
				if !ok {
					break
				}
				got = append(got, v)
			}
			if fmt.Sprint(got) != tt.want {
				t.Fatalf("got %v want %s", got, tt.want)
			}
		})
	}
}

func TestDelayShedding(t *testing.T) {
	s, _ := New[string](Config{TargetDelay: 10 * ms, Interval: 100 * ms, MaxQueue: 3})
	s.Offer(0, "a")
	s.Offer(0, "b")
	s.Offer(0, "c")
	if s.Offer(0, "d") {
		t.Fatal("full queue accepted an offer")
	}
	// Not overloaded yet: waits up to 100ms are fine.
	if v, ok, shed := s.Take(50 * ms); !ok || v != "a" || len(shed) != 0 {
		t.Fatalf("take at 50ms: %v %v %v", v, ok, shed)
	}
	s.Offer(105*ms, "e")
	// Non-empty since 0 for 110ms > interval: overloaded, limit 10ms.
	v, ok, shed := s.Take(110 * ms)
	if !ok || v != "e" || fmt.Sprint(shed) != "[b c]" {
		t.Fatalf("take at 110ms: %v %v %v", v, ok, shed)
	}
	if s.Shed() != 2 || s.Rejected() != 1 {
		t.Fatalf("shed %d rejected %d", s.Shed(), s.Rejected())
	}
}

func TestConfig(t *testing.T) {
	if _, err := New[int](Config{TargetDelay: time.Second}); err == nil {
		t.Fatal("target_delay > interval accepted")
	}
	var c Config
	if err := c.Set("order", "random"); err == nil {
		t.Fatal("order random accepted")
	}
	if err := c.Set("target_delay", "5ms"); err != nil {
		t.Fatal(err)
	}
}

// The queue never exceeds max_queue, every accepted item leaves exactly once
// (served or shed), and with delay shedding on no served item waited longer
// than interval.
func TestShedProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			MaxQueue: rapid.IntRange(1, 10).Draw(t, "max_queue"),
			Order:    rapid.SampledFrom([]Order{FIFO, LIFO, AdaptiveLIFO}).Draw(t, "order"),
			Interval: time.Duration(rapid.IntRange(1, 100).Draw(t, "interval_ms")) * ms,
		}
		cfg.TargetDelay = time.Duration(rapid.IntRange(0, int(cfg.Interval/ms)).Draw(t, "target_ms")) * ms
		s, _ := New[int](cfg)
		offeredAt := map[int]time.Duration{}
		left := map[int]bool{}
		now, next := time.Duration(0), 0
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 30).Draw(t, "dt_ms")) * ms
			if rapid.Bool().Draw(t, "offer") {
				next++
				if s.Offer(now, next) {
					offeredAt[next] = now
				}
			} else {
				v, ok, shed := s.Take(now)
				for _, x := range shed {
					if left[x] {
						t.Fatalf("item %d left twice", x)
					}
					left[x] = true
				}
				if ok {
					if left[v] {
						t.Fatalf("item %d left twice", v)
					}
					left[v] = true
					if cfg.TargetDelay > 0 && now-offeredAt[v] > cfg.Interval {
						t.Fatalf("served item waited %v > interval %v", now-offeredAt[v], cfg.Interval)
					}
				}
			}
			if s.Len() > cfg.MaxQueue || s.Len() != len(offeredAt)-len(left) {
				t.Fatalf("len %d, max %d, accepted %d, left %d", s.Len(), cfg.MaxQueue, len(offeredAt), len(left))
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		s, _ := New[int](Config{Order: AdaptiveLIFO, TargetDelay: 5 * ms, MaxQueue: 20})
		out := ""
		for i := range 400 {
			now := time.Duration(i) * 3 * ms
			s.Offer(now, i)
			if i%3 == 0 {
				v, ok, shed := s.Take(now)
				out += fmt.Sprint(v, ok, shed)
			}
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	s, _ := New[string](Config{MaxQueue: 2, Order: LIFO})
	fmt.Println(s.Offer(0, "a"), s.Offer(0, "b"), s.Offer(0, "c"))
	v, _, _ := s.Take(time.Millisecond)
	fmt.Println("serve", v)
	// Output:
	// true true false
	// serve b
}
