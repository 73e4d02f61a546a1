package scentest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// Execute runs scenario s on seed with the parameters set. A set the
// scenario refuses fails t.
func Execute(t testing.TB, s *scenarios.Scenario, seed uint64, set map[string]string) *scenarios.Result {
	t.Helper()
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(s, v, seed, scenarios.Options{})
}

// With returns a copy of base with the pairs key, value of kv set.
func With(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// CorrectSeeds runs seeds 0 to n-1 with set, and fails t at the first
// that is not ok. each, if not nil, gets every run that was, in seed
// order, for the scenario's own assertions.
func CorrectSeeds(t testing.TB, s *scenarios.Scenario, n uint64, set map[string]string, each func(seed uint64, res *scenarios.Result)) {
	t.Helper()
	for seed := range n {
		res := Execute(t, s, seed, set)
		if res.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: status %s, want ok: %v\nreplay: %s", seed, res.Status, res.Checks, res.Replay)
		}
		if each != nil {
			each(seed, res)
		}
	}
}

// PlantedBug runs mode=buggy from seed 0 until a run fails, and returns
// that run for the scenario to check what the failure says. A status
// other than ok or fail, a replay line other than
// `faultline run NAME --seed S --set mode=buggy`, or no failure within n
// seeds fails t; missed names the bug in that last message.
func PlantedBug(t testing.TB, s *scenarios.Scenario, n uint64, missed string) *scenarios.Result {
	t.Helper()
	for seed := range n {
		res := Execute(t, s, seed, map[string]string{"mode": "buggy"})
		if res.Status == scenarios.StatusOK {
			continue
		}
		if res.Status != scenarios.StatusFail {
			t.Fatalf("seed %d: status %s, want fail or ok: %v", seed, res.Status, res.Checks)
		}
		if want := fmt.Sprintf("faultline run %s --seed %d --set mode=buggy", s.Name, seed); res.Replay != want {
			t.Fatalf("replay %q, want %q", res.Replay, want)
		}
		return res
	}
	t.Fatalf("%s went unnoticed for %d seeds", missed, n)
	return nil
}

// Determinism runs seeds 0 to n-1 twice in mode=correct and mode=buggy,
// with shuffle_ties on for even seeds, and fails t unless both runs give
// the same trace hash, event count and status; and unless seeds 1 and 2
// give different hashes.
func Determinism(t testing.TB, s *scenarios.Scenario, n uint64) {
	t.Helper()
	for _, mode := range []string{"correct", "buggy"} {
		for seed := range n {
			set := map[string]string{"mode": mode, "shuffle_ties": fmt.Sprint(seed%2 == 0)}
			a, b := Execute(t, s, seed, set), Execute(t, s, seed, set)
			if a.TraceHash != b.TraceHash || a.Events != b.Events || a.Status != b.Status {
				t.Fatalf("%s seed %d: %s/%s then %s/%s", mode, seed, a.TraceHash, a.Status, b.TraceHash, b.Status)
			}
		}
	}
	if Execute(t, s, 1, nil).TraceHash == Execute(t, s, 2, nil).TraceHash {
		t.Fatal("seeds 1 and 2 share a trace hash")
	}
}

// SeedsToFirstFailure measures how many seeds a failure with set takes
// to show: from each of the ten starting seeds 0, 1000, ..., 9000, the
// count of seeds run up to and including the first failing one (at most
// 200), and their median; and how many of seeds 0-99 fail. It logs the
// figures, and fails t when a start finds no failure or the median is
// above maxMedian.
func SeedsToFirstFailure(t testing.TB, s *scenarios.Scenario, set map[string]string, maxMedian float64) {
	t.Helper()
	const limit = 200
	var counts []int
	for start := uint64(0); start < 10_000; start += 1000 {
		n := 0
		for seed := start; seed < start+limit; seed++ {
			n++
			if Execute(t, s, seed, set).Status == scenarios.StatusFail {
				break
			}
			if n == limit {
				t.Fatalf("no failure in seeds %d..%d", start, start+limit-1)
			}
		}
		counts = append(counts, n)
	}
	sorted := slices.Sorted(slices.Values(counts))
	median := float64(sorted[4]+sorted[5]) / 2
	failing := 0
	for seed := range uint64(100) {
		if Execute(t, s, seed, set).Status == scenarios.StatusFail {
			failing++
		}
	}
	t.Logf("%s %s: seeds to first failure from starts 0,1000,...,9000: %v; median %g; seeds 0-99 failing: %d of 100", s.Name, setString(set), counts, median, failing)
	if median > maxMedian {
		t.Fatalf("median %g seeds to catch the planted bug, want <= %g", median, maxMedian)
	}
}

// setString writes set as `key=value` pairs in key order.
func setString(set map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		kv = append(kv, k+"="+set[k])
	}
	return strings.Join(kv, " ")
}
