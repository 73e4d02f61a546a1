package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const ms = time.Millisecond

func TestAllow(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		at   []time.Duration
		want string
	}{
		{"bursty burst then rate", Config{RatePerSec: 10, Burst: 3}, []time.Duration{0, 0, 0, 0, 50 * ms, 100 * ms, 150 * ms, 200 * ms}, "TTTFFTFT"},
		{"smooth spaces calls", Config{RatePerSec: 10, Burst: 3, Mode: Smooth}, []time.Duration{0, 0, 99 * ms, 100 * ms, 150 * ms, 200 * ms}, "TFFTFT"},
		{"refills to capacity only", Config{RatePerSec: 10, Burst: 2}, []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second}, "TTF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, at := range tt.at {
				if l.Allow(at) {
					got += "T"
				} else {
					got += "F"
				}
			}
			if got != tt.want {
				t.Fatalf("got %s want %s", got, tt.want)
			}
		})
	}
}

func TestReserve(t *testing.T) {
	l, _ := New(Config{RatePerSec: 10, Burst: 2})
	var got []time.Duration
	for range 4 {
		got = append(got, l.Reserve(0))
	}
	if fmt.Sprint(got) != "[0s 0s 100ms 200ms]" {
		t.Fatalf("got %v", got)
	}
}

func TestConfig(t *testing.T) {
	var c Config
	if err := c.Set("mode", "leaky"); err == nil {
		t.Fatal("mode leaky accepted")
	}
	if err := c.Set("rate_per_sec", "0"); err == nil {
		t.Fatal("rate 0 accepted")
	}
	if err := c.Set("burst", "5"); err != nil || c.Burst != 5 {
		t.Fatal(err)
	}
}

// A token bucket never holds more than its capacity, and over any span of
// time admits at most capacity + span·rate calls.
func TestBucketProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			RatePerSec: float64(rapid.IntRange(1, 1000).Draw(t, "rate")),
			Burst:      rapid.IntRange(1, 20).Draw(t, "burst"),
			Mode:       rapid.SampledFrom([]Mode{Bursty, Smooth}).Draw(t, "mode"),
		}
		l, _ := New(cfg)
		var admitted []time.Duration
		now := time.Duration(0)
		for range rapid.IntRange(1, 300).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 20).Draw(t, "dt_ms")) * ms
			if tk := l.Tokens(now); tk > float64(l.Capacity()) {
				t.Fatalf("%g tokens, capacity %d", tk, l.Capacity())
			}
			if l.Allow(now) {
				admitted = append(admitted, now)
			}
		}
		for i := range admitted {
			for j := i; j < len(admitted); j++ {
				span := admitted[j] - admitted[i]
				limit := float64(l.Capacity()) + float64(span)/float64(l.interval)
				if float64(j-i+1) > limit {
					t.Fatalf("%d calls in %v, limit %g", j-i+1, span, limit)
				}
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		l, _ := New(Config{RatePerSec: 33, Burst: 4})
		s := ""
		for i := range 500 {
			s += fmt.Sprint(l.Allow(time.Duration(i*i%997) * ms))
		}
		return s
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	l, _ := New(Config{RatePerSec: 10, Burst: 2})
	for _, at := range []time.Duration{0, 0, 0, 100 * time.Millisecond} {
		fmt.Println(at, l.Allow(at))
	}
	// Output:
	// 0s true
	// 0s true
	// 0s false
	// 100ms true
}
