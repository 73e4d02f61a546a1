package eventual

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

func execute(t testing.TB, seed uint64, set map[string]string) *scenarios.Result {
	t.Helper()
	return scentest.Execute(t, Scenario, seed, set)
}

func TestCorrectModeHolds200Seeds(t *testing.T) {
	scentest.CorrectSeeds(t, Scenario, 200, nil, func(seed uint64, res *scenarios.Result) {
		if res.Metrics["writes"] < 30 || res.Metrics["reads"] < 30 || len(res.Checks) != 2 {
			t.Fatalf("seed %d: too little was checked: %v %v", seed, res.Metrics, res.Checks)
		}
	})
}

// TestPlantedBugIsCaught: last-writer-wins on skewed clocks loses a write
// within the first seeds; the detail names the key, and the replay the mode.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "lost writes")
	if c := res.Checks[1]; c.Name != LastWriteName || c.OK || !strings.Contains(c.Detail, `key "k`) {
		t.Fatalf("seed %d: check %+v does not name a key", res.Seed, c)
	}
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

func TestDeterminism(t *testing.T) { scentest.Determinism(t, Scenario, 5) }

// TestSeedsToFirstFailure measures how many seeds the planted bug takes to
// show: from each of ten starting seeds, the count of seeds run up to and
// including the first failing one, and their median.
func TestSeedsToFirstFailure(t *testing.T) {
	scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": "buggy"}, 20)
}
