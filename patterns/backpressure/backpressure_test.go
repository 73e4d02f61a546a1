package backpressure

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

func TestScript(t *testing.T) {
	q, _ := New[string](Config{Capacity: 2})
	got := fmt.Sprint(q.Offer(1, "a"), q.Offer(2, "b"), q.Offer(3, "c"), q.Offer(3, "c2"), q.Offer(4, "d"))
	if got != "accepted accepted blocked already-blocked blocked" {
		t.Fatal(got)
	}
	if v, ok := q.Cancel(4); !ok || v != "d" {
		t.Fatalf("cancel: %v %v", v, ok)
	}
	v, ok, woken := q.Take()
	if v != "a" || !ok || fmt.Sprint(woken) != "[3]" {
		t.Fatalf("take: %v %v %v", v, ok, woken)
	}
	var out []string
	for {
		v, ok, _ := q.Take()
		if !ok {
			break
		}
		out = append(out, v)
	}
	if fmt.Sprint(out) != "[b c]" {
		t.Fatalf("rest: %v", out)
	}
	var c Config
	if err := c.Set("capacity", "0"); err == nil {
		t.Fatal("capacity 0 accepted")
	}
}

// The queue never exceeds its capacity, a producer blocks only when the
// queue is full, is woken at most once per block, and items leave in offer
// order, none lost or duplicated.
func TestBackpressureProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 5).Draw(t, "capacity")
		q, _ := New[int](Config{Capacity: capacity})
		nProducers := rapid.IntRange(1, 6).Draw(t, "producers")
		blocked := map[Producer]bool{}
		var offered, taken []int
		next := 0
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			if rapid.Bool().Draw(t, "offer") {
				p := Producer(rapid.IntRange(1, nProducers).Draw(t, "producer"))
				if blocked[p] {
					continue // a suspended producer does not run
				}
				full := q.Len() >= capacity
				next++
				switch q.Offer(p, next) {
				case Accepted:
					if full {
						t.Fatal("accepted into a full queue")
					}
				case Blocked:
					if !full {
						t.Fatal("blocked with room in the queue")
					}
					blocked[p] = true
				case AlreadyBlocked:
					t.Fatal("running producer reported as blocked")
				}
				offered = append(offered, next)
			} else {
				v, ok, woken := q.Take()
				if ok {
					taken = append(taken, v)
				}
				for _, p := range woken {
					if !blocked[p] {
						t.Fatalf("woke producer %d that was not blocked", p)
					}
					delete(blocked, p)
				}
			}
			if q.Len() > capacity || q.Blocked() != len(blocked) {
				t.Fatalf("len %d cap %d blocked %d/%d", q.Len(), capacity, q.Blocked(), len(blocked))
			}
		}
		for i, v := range taken {
			if offered[i] != v {
				t.Fatalf("item %d out of order: got %d want %d", i, v, offered[i])
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		q, _ := New[int](Config{Capacity: 3})
		s := ""
		for i := range 200 {
			if i%5 < 3 {
				s += q.Offer(Producer(i%7), i).String()
			} else {
				v, ok, w := q.Take()
				s += fmt.Sprint(v, ok, w)
			}
		}
		return s
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	q, _ := New[string](Config{Capacity: 1})
	fmt.Println(q.Offer(1, "job-a"))
	fmt.Println(q.Offer(2, "job-b")) // producer 2 is suspended
	v, _, woken := q.Take()
	fmt.Println("took", v, "wake", woken)
	// Output:
	// accepted
	// blocked
	// took job-a wake [2]
}
