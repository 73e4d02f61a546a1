package timeout

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestAttempt(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		cfg       Config
		now       time.Duration
		wantLimit time.Duration
		wantOK    bool
	}{
		{"no limits", Config{}, 5 * ms, 0, true},
		{"per attempt only", Config{PerAttempt: 100 * ms}, 5 * ms, 100 * ms, true},
		{"overall only", Config{Overall: 300 * ms}, 100 * ms, 200 * ms, true},
		{"per attempt smaller", Config{PerAttempt: 50 * ms, Overall: 300 * ms}, 100 * ms, 50 * ms, true},
		{"time left smaller", Config{PerAttempt: 150 * ms, Overall: 300 * ms}, 200 * ms, 100 * ms, true},
		{"expired", Config{PerAttempt: 150 * ms, Overall: 300 * ms}, 300 * ms, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Begin(tt.cfg, 0)
			got, ok := d.Attempt(tt.now)
			if got != tt.wantLimit || ok != tt.wantOK {
				t.Fatalf("Attempt(%v) = %v, %v; want %v, %v", tt.now, got, ok, tt.wantLimit, tt.wantOK)
			}
		})
	}
}

func TestSet(t *testing.T) {
	var c Config
	if err := c.Set("per_attempt", "100ms"); err != nil || c.PerAttempt != 100*time.Millisecond {
		t.Fatalf("per_attempt: %v %v", err, c.PerAttempt)
	}
	if err := c.Set("overall", "1s"); err != nil || c.Overall != time.Second {
		t.Fatalf("overall: %v %v", err, c.Overall)
	}
	if err := c.Set("overall", "soon"); err == nil {
		t.Fatal("bad duration accepted")
	}
	if err := c.Set("nope", "1s"); err == nil {
		t.Fatal("unknown key accepted")
	}
	if err := (Config{PerAttempt: -1}).Validate(); err == nil {
		t.Fatal("negative per_attempt accepted")
	}
}

// Attempts started at any time, each running for its full limit, never end
// after the deadline.
func TestAttemptNeverPassesDeadline(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			PerAttempt: time.Duration(rapid.IntRange(0, 1000).Draw(t, "per_attempt_ms")) * time.Millisecond,
			Overall:    time.Duration(rapid.IntRange(1, 5000).Draw(t, "overall_ms")) * time.Millisecond,
		}
		start := time.Duration(rapid.IntRange(0, 1000).Draw(t, "start_ms")) * time.Millisecond
		d := Begin(cfg, start)
		now := start
		for range 20 {
			limit, ok := d.Attempt(now)
			if !ok {
				if !d.Expired(now) {
					t.Fatalf("refused at %v before deadline", now)
				}
				return
			}
			if limit <= 0 {
				t.Fatalf("non-positive limit %v", limit)
			}
			now += limit
			if at, _ := d.At(); now > at {
				t.Fatalf("attempt ends at %v after deadline %v", now, at)
			}
			wait := time.Duration(rapid.IntRange(0, 500).Draw(t, "wait_ms")) * time.Millisecond
			if d.Fits(now, wait) {
				now += wait
			}
		}
	})
}

func Example() {
	cfg := Config{PerAttempt: 100 * time.Millisecond, Overall: 250 * time.Millisecond}
	d := Begin(cfg, 0)
	for _, now := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond} {
		limit, ok := d.Attempt(now)
		fmt.Println(now, limit, ok)
	}
	// Output:
	// 0s 100ms true
	// 100ms 100ms true
	// 200ms 50ms true
	// 250ms 0s false
}
