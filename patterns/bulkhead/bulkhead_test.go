package bulkhead

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestScript(t *testing.T) {
	b, _ := New(Config{MaxConcurrent: 2, MaxQueue: 2, MaxWait: 100 * time.Millisecond})
	t1, r1 := b.Acquire(0)
	_, r2 := b.Acquire(0)
	t3, r3 := b.Acquire(10 * time.Millisecond)
	t4, r4 := b.Acquire(50 * time.Millisecond)
	_, r5 := b.Acquire(50 * time.Millisecond)
	if fmt.Sprint(r1, r2, r3, r4, r5) != "admitted admitted queued queued rejected" {
		t.Fatal(r1, r2, r3, r4, r5)
	}
	if at, ok := b.NextExpiry(); !ok || at != 110*time.Millisecond {
		t.Fatalf("NextExpiry = %v %v", at, ok)
	}
	if got := b.Expire(110 * time.Millisecond); len(got) != 1 || got[0] != t3 {
		t.Fatalf("Expire = %v, want [%d]", got, t3)
	}
	if got := b.Release(120*time.Millisecond, t1); len(got) != 1 || got[0] != t4 {
		t.Fatalf("Release = %v, want [%d]", got, t4)
	}
	if b.InFlight() != 2 || b.Queued() != 0 {
		t.Fatalf("in flight %d queued %d", b.InFlight(), b.Queued())
	}
}

func TestReleaseSkipsExpired(t *testing.T) {
	b, _ := New(Config{MaxConcurrent: 1, MaxQueue: 1, MaxWait: time.Second})
	t1, _ := b.Acquire(0)
	t2, _ := b.Acquire(0)
	if got := b.Release(2*time.Second, t1); len(got) != 0 {
		t.Fatalf("expired ticket admitted: %v", got)
	}
	if got := b.Expire(2 * time.Second); len(got) != 1 || got[0] != t2 {
		t.Fatalf("Expire = %v", got)
	}
}

func TestNoQueueRejects(t *testing.T) {
	b, _ := New(Config{MaxConcurrent: 1})
	b.Acquire(0)
	if _, r := b.Acquire(0); r != Rejected {
		t.Fatalf("got %v", r)
	}
	if _, err := New(Config{MaxWait: time.Second}); err == nil {
		t.Fatal("max_wait without a queue accepted")
	}
	var c Config
	if err := c.Set("max_concurrent", "0"); err == nil {
		t.Fatal("max_concurrent=0 accepted")
	}
	if err := c.Set("max_queue", "3"); err != nil || c.MaxQueue != 3 {
		t.Fatal(err)
	}
}

// A bulkhead never exceeds its concurrency or its queue, and every ticket
// ends exactly once: released, expired or withdrawn.
func TestBulkheadProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			MaxConcurrent: rapid.IntRange(1, 5).Draw(t, "max_concurrent"),
			MaxQueue:      rapid.IntRange(0, 5).Draw(t, "max_queue"),
		}
		if cfg.MaxQueue > 0 {
			cfg.MaxWait = time.Duration(rapid.IntRange(0, 300).Draw(t, "max_wait_ms")) * time.Millisecond
		}
		b, _ := New(cfg)
		state := map[Ticket]string{} // running, waiting, done
		var running, waiting []Ticket
		now := time.Duration(0)
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 100).Draw(t, "dt_ms")) * time.Millisecond
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				tk, r := b.Acquire(now)
				switch r {
				case Admitted:
					state[tk] = "running"
					running = append(running, tk)
				case Queued:
					state[tk] = "waiting"
					waiting = append(waiting, tk)
				}
			case 1, 2:
				pool := running
				if len(waiting) > 0 && rapid.IntRange(0, 3).Draw(t, "withdraw") == 0 {
					pool = waiting
				}
				if len(pool) == 0 {
					break
				}
				tk := pool[rapid.IntRange(0, len(pool)-1).Draw(t, "which")]
				state[tk] = "done"
				for _, a := range b.Release(now, tk) {
					if state[a] != "waiting" {
						t.Fatalf("admitted ticket %d in state %q", a, state[a])
					}
					state[a] = "running"
				}
			case 3:
				for _, e := range b.Expire(now) {
					if state[e] != "waiting" {
						t.Fatalf("expired ticket %d in state %q", e, state[e])
					}
					state[e] = "done"
				}
			}
			running, waiting = running[:0], waiting[:0]
			for tk := Ticket(1); tk <= b.next; tk++ {
				switch state[tk] {
				case "running":
					running = append(running, tk)
				case "waiting":
					waiting = append(waiting, tk)
				}
			}
			if len(running) != b.InFlight() || len(waiting) != b.Queued()+len(b.expired) {
				t.Fatalf("model running %d waiting %d, bulkhead %d %d", len(running), len(waiting), b.InFlight(), b.Queued())
			}
			if b.InFlight() > cfg.MaxConcurrent || b.Queued() > cfg.MaxQueue {
				t.Fatalf("in flight %d queued %d exceed %+v", b.InFlight(), b.Queued(), cfg)
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		b, _ := New(Config{MaxConcurrent: 3, MaxQueue: 4, MaxWait: 50 * time.Millisecond})
		out := ""
		var held []Ticket
		for i := range 300 {
			now := time.Duration(i) * 13 * time.Millisecond
			if i%4 == 3 && len(held) > 0 {
				out += fmt.Sprint(b.Release(now, held[0]))
				held = held[1:]
			}
			tk, r := b.Acquire(now)
			if r != Rejected {
				held = append(held, tk)
			}
			out += fmt.Sprint(r, b.Expire(now))
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	b, _ := New(Config{MaxConcurrent: 1, MaxQueue: 1, MaxWait: time.Second})
	t1, r1 := b.Acquire(0)
	t2, r2 := b.Acquire(0)
	_, r3 := b.Acquire(0)
	fmt.Println(t1, r1, t2, r2, r3)
	fmt.Println("release", t1, "admits", b.Release(500*time.Millisecond, t1))
	// Output:
	// 1 admitted 2 queued rejected
	// release 1 admits [2]
}
