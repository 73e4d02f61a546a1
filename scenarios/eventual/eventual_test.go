package eventual

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

func execute(t testing.TB, seed uint64, set map[string]string) *scenarios.Result {
	t.Helper()
	s, v, err := scenarios.Prepare("eventual", set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(s, v, seed, scenarios.Options{})
}

func TestCorrectModeHolds200Seeds(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		res := execute(t, seed, nil)
		if res.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: status %s, want ok: %v\nreplay: %s", seed, res.Status, res.Checks, res.Replay)
		}
		if res.Metrics["writes"] < 30 || res.Metrics["reads"] < 30 || len(res.Checks) != 2 {
			t.Fatalf("seed %d: too little was checked: %v %v", seed, res.Metrics, res.Checks)
		}
	}
}

// TestPlantedBugIsCaught: last-writer-wins on skewed clocks loses a write
// within the first seeds; the detail names the key, and the replay the mode.
func TestPlantedBugIsCaught(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		res := execute(t, seed, map[string]string{"mode": "buggy"})
		if res.Status == scenarios.StatusOK {
			continue
		}
		if res.Status != scenarios.StatusFail {
			t.Fatalf("seed %d: status %s, want fail or ok: %v", seed, res.Status, res.Checks)
		}
		c := res.Checks[1]
		if c.Name != LastWriteName || c.OK || !strings.Contains(c.Detail, `key "k`) {
			t.Fatalf("seed %d: check %+v does not name a key", seed, c)
		}
		if want := fmt.Sprintf("faultline run eventual --seed %d --set mode=buggy", seed); res.Replay != want {
			t.Fatalf("replay %q, want %q", res.Replay, want)
		}
		return
	}
	t.Fatal("lost writes went unnoticed for 20 seeds")
}

// TestStalenessMeasured: partitions make replica reads stale, and the
// staleness metrics say by how much.
func TestStalenessMeasured(t *testing.T) {
	res := execute(t, 1, nil)
	if res.Metrics["stale_reads"] == 0 || res.Metrics["staleness_max_ms"] <= 0 || res.Metrics["staleness_p99_ms"] > res.Metrics["staleness_max_ms"] {
		t.Fatalf("staleness not measured: %v", res.Metrics)
	}
	calm := execute(t, 1, map[string]string{"faults": "none", "loss": "0"})
	if calm.Metrics["staleness_max_ms"] >= res.Metrics["staleness_max_ms"] {
		t.Fatalf("staleness without partitions %v ms, with %v ms: want less", calm.Metrics["staleness_max_ms"], res.Metrics["staleness_max_ms"])
	}
}

func TestDeterminism(t *testing.T) {
	for _, mode := range []string{"correct", "buggy"} {
		for seed := uint64(0); seed < 5; seed++ {
			set := map[string]string{"mode": mode, "shuffle_ties": fmt.Sprint(seed%2 == 0)}
			a, b := execute(t, seed, set), execute(t, seed, set)
			if a.TraceHash != b.TraceHash || a.Events != b.Events || a.Status != b.Status {
				t.Fatalf("%s seed %d: %s/%s then %s/%s", mode, seed, a.TraceHash, a.Status, b.TraceHash, b.Status)
			}
		}
	}
	if execute(t, 1, nil).TraceHash == execute(t, 2, nil).TraceHash {
		t.Fatal("seeds 1 and 2 share a trace hash")
	}
}

// TestSeedsToFirstFailure measures how many seeds the planted bug takes to
// show: from each of ten starting seeds, the count of seeds run up to and
// including the first failing one, and their median.
func TestSeedsToFirstFailure(t *testing.T) {
	const limit = 200
	var counts []int
	for start := uint64(0); start < 10_000; start += 1000 {
		n := 0
		for seed := start; seed < start+limit; seed++ {
			n++
			if execute(t, seed, map[string]string{"mode": "buggy"}).Status == scenarios.StatusFail {
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
	for seed := uint64(0); seed < 100; seed++ {
		if execute(t, seed, map[string]string{"mode": "buggy"}).Status == scenarios.StatusFail {
			failing++
		}
	}
	t.Logf("eventual mode=buggy: seeds to first failure from starts 0,1000,...,9000: %v; median %g; seeds 0-99 failing: %d of 100", counts, median, failing)
	if median > 20 {
		t.Fatalf("median %g seeds to catch the planted bug, want <= 20", median)
	}
}
