package scenarios

import (
	"strings"
	"testing"
)

// FuzzParseSeedRange: never panics; an accepted range is non-empty,
// not reversed, and prints back to a form that parses to itself.
func FuzzParseSeedRange(f *testing.F) {
	for _, s := range []string{"0-9", "10", "5-5", "9-0", "", "-", "1-", "18446744073709551615", "0-18446744073709551615", " 3-4 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSeedRange(s)
		if err != nil {
			if !strings.Contains(err.Error(), "accepted:") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error does not say what is accepted, on one line: %q", err)
			}
			return
		}
		if r.Count == 0 || r.Last() < r.First {
			t.Fatalf("%q parsed to a bad range %+v", s, r)
		}
		back, err := ParseSeedRange(r.String())
		if err != nil || back != r {
			t.Fatalf("%q → %v → %+v, %v", s, r, back, err)
		}
	})
}

// FuzzParseShard: never panics; an accepted shard has 0 ≤ i < n, and the
// shards of any range cover it exactly once.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "4/4", "-1/2", "1/0", "a/b", "/", "1"} {
		f.Add(s, uint64(10))
	}
	f.Fuzz(func(t *testing.T, s string, count uint64) {
		i, n, err := ParseShard(s)
		if err != nil {
			return
		}
		if i < 0 || i >= n {
			t.Fatalf("%q accepted as %d/%d", s, i, n)
		}
		if n > 1000 {
			return
		}
		count %= 10_000
		r := SeedRange{First: 7, Count: count}
		var total uint64
		next := r.First
		for k := range n {
			p := r.Shard(k, n)
			if p.Count > 0 && p.First != next {
				t.Fatalf("shard %d/%d of %v starts at %d, want %d", k, n, r, p.First, next)
			}
			next += p.Count
			total += p.Count
		}
		if total != r.Count {
			t.Fatalf("shards of %v cover %d seeds", r, total)
		}
	})
}

// FuzzParseVary: never panics, and accepted values are non-empty keys.
func FuzzParseVary(f *testing.F) {
	for _, s := range []string{"a=1,2", "a=1;2", "a=", "=1", "a=1,,2", "latency=uniform:1ms-2ms;uniform:1ms-9ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVary(s)
		if err != nil {
			return
		}
		if v.Key == "" || len(v.Values) == 0 {
			t.Fatalf("%q accepted as %+v", s, v)
		}
	})
}
