package idempotency

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestScript(t *testing.T) {
	s, _ := NewStore[string](Config{TTL: time.Minute, MaxKeys: 2})
	steps := []struct {
		at     time.Duration
		op     string // begin, complete, abort
		key    string
		want   Status
		result string
	}{
		{0, "begin", "a", New, ""},
		{1, "begin", "a", InProgress, ""},
		{2, "complete", "a", 0, "ok-a"},
		{3, "begin", "a", Done, "ok-a"},
		{4, "begin", "b", New, ""},
		{5, "begin", "c", Full, ""},
		{6, "abort", "b", 0, ""},
		{7, "begin", "b", New, ""},
		{time.Minute, "begin", "a", New, ""}, // expired
	}
	for i, st := range steps {
		switch st.op {
		case "begin":
			got, r := s.Begin(st.at, st.key)
			if got != st.want || r != st.result {
				t.Fatalf("step %d: Begin(%s) = %v %q, want %v %q", i, st.key, got, r, st.want, st.result)
			}
		case "complete":
			s.Complete(st.at, st.key, st.result)
		case "abort":
			s.Abort(st.at, st.key)
		}
	}
	var c Config
	if err := c.Set("ttl", "forever"); err == nil {
		t.Fatal("bad ttl accepted")
	}
}

// The store never runs the side effect twice for one key within the TTL
// (unless the first run was aborted), and a Done repeat returns the first
// result.
func TestStoreProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ttl := time.Duration(rapid.IntRange(1, 1000).Draw(t, "ttl_ms")) * time.Millisecond
		s, _ := NewStore[int](Config{TTL: ttl, MaxKeys: rapid.IntRange(1, 5).Draw(t, "max_keys")})
		keys := []string{"a", "b", "c", "d"}
		lastRun := map[string]time.Duration{}
		running := map[string]bool{}
		result := map[string]int{}
		now := time.Duration(0)
		for step := range rapid.IntRange(1, 200).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 100).Draw(t, "dt_ms")) * time.Millisecond
			k := rapid.SampledFrom(keys).Draw(t, "key")
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				st, r := s.Begin(now, k)
				switch st {
				case New:
					if at, ok := lastRun[k]; ok && now-at < ttl {
						t.Fatalf("key %s ran at %v and again at %v, ttl %v", k, at, now, ttl)
					}
					lastRun[k], running[k] = now, true
				case Done:
					if r != result[k] {
						t.Fatalf("key %s returned %d, first result %d", k, r, result[k])
					}
				}
			case 1:
				if running[k] {
					running[k] = false
					result[k] = step
					s.Complete(now, k, step)
				}
			case 2:
				if running[k] {
					running[k] = false
					delete(lastRun, k) // aborted: a rerun is allowed
					s.Abort(now, k)
				}
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		s, _ := NewStore[int](Config{TTL: time.Second, MaxKeys: 10})
		out := ""
		for i := range 500 {
			now := time.Duration(i) * 17 * time.Millisecond
			k := fmt.Sprint(i % 13)
			st, r := s.Begin(now, k)
			if st == New && i%3 != 0 {
				s.Complete(now, k, i)
			}
			out += fmt.Sprint(st, r)
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	s, _ := NewStore[string](Config{TTL: time.Hour})
	st, _ := s.Begin(0, "pay-42")
	fmt.Println(st)
	st, _ = s.Begin(time.Second, "pay-42") // a retry while the first runs
	fmt.Println(st)
	s.Complete(2*time.Second, "pay-42", "charged")
	fmt.Println(s.Begin(3*time.Second, "pay-42"))
	// Output:
	// new
	// in-progress
	// done charged
}
