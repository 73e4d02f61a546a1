package ledger

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

func TestCorrectModeHolds200Seeds(t *testing.T) {
	dups, replays := 0.0, 0.0
	scentest.CorrectSeeds(t, Scenario, 200, nil, func(seed uint64, res *scenarios.Result) {
		if seed == 199 && (dups < 1000 || replays < 100) {
			t.Fatalf("200 seeds: %v duplicate deliveries, %v replays: want both exercised", dups, replays)
		}
		if len(res.Checks) != 2 || res.Metrics["events"] < 40 {
			t.Fatalf("seed %d: too little was checked: %v %v", seed, res.Metrics, res.Checks)
		}
		dups += res.Metrics["duplicate_deliveries"]
		replays += res.Metrics["replays"]
	})
}

// TestPlantedBugIsCaught: a projector without dedup diverges from the log
// within the first seeds; the detail names an account.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "duplicated deliveries")
	if c := res.Checks[0]; c.Name != "event_sourcing" || !strings.Contains(c.Detail, `key "acct-`) {
		t.Fatalf("seed %d: check %+v does not name a key", res.Seed, c)
	}
}

func TestDeterminism(t *testing.T) { scentest.Determinism(t, Scenario, 5) }

// TestSeedsToFirstFailure measures how many seeds the planted bug takes to
// show: from each of ten starting seeds, the count of seeds run up to and
// including the first failing one, and their median.
func TestSeedsToFirstFailure(t *testing.T) {
	scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": "buggy"}, 20)
}
