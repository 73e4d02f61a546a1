package fallback

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

func TestApply(t *testing.T) {
	f, _ := New(Config{On: []Reason{BreakerOpen, Timeout}, Value: "cached"})
	tests := []struct {
		r    Reason
		want bool
	}{{BreakerOpen, true}, {Timeout, true}, {Failure, false}, {Throttled, false}}
	for _, tt := range tests {
		res, ok := f.Apply(tt.r)
		if ok != tt.want || (ok && (res.Value != "cached" || res.Reason != tt.r)) {
			t.Errorf("Apply(%s) = %+v %v", tt.r, res, ok)
		}
	}
	if f.Count(BreakerOpen) != 1 || f.Count(Failure) != 0 {
		t.Fatal("counts wrong")
	}
	var c Config
	if err := c.Set("on", "timeout,nope"); err == nil {
		t.Fatal("bad reason accepted")
	}
}

// With the default config every reason falls back, and counts add up.
func TestFallbackProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, _ := New(Config{})
		want := map[Reason]int{}
		for _, r := range rapid.SliceOf(rapid.SampledFrom(Reasons)).Draw(t, "reasons") {
			if _, ok := f.Apply(Reason(r)); !ok {
				t.Fatalf("default config refused %s", r)
			}
			want[Reason(r)]++
		}
		for _, r := range Reasons {
			if f.Count(Reason(r)) != want[Reason(r)] {
				t.Fatalf("count %s = %d want %d", r, f.Count(Reason(r)), want[Reason(r)])
			}
		}
	})
}

func Example() {
	f, _ := New(Config{On: []Reason{BreakerOpen}, Value: "stale-cache"})
	fmt.Println(f.Apply(BreakerOpen))
	fmt.Println(f.Apply(Failure))
	// Output:
	// {stale-cache breaker-open} true
	// { } false
}
