package saga

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
	compensated, committed := 0.0, 0.0
	scentest.CorrectSeeds(t, Scenario, 200, nil, func(seed uint64, res *scenarios.Result) {
		if seed == 199 && (compensated < 100 || committed < 100) {
			t.Fatalf("200 seeds: %v sagas compensated, %v committed: want both paths exercised", compensated, committed)
		}
		if len(res.Checks) != 3 {
			t.Fatalf("seed %d: checks %v", seed, res.Checks)
		}
		compensated += res.Metrics["sagas_compensated"]
		committed += res.Metrics["sagas_committed"]
	})
}

// TestPlantedBugIsCaught: the missing refund leaves a saga charged without
// an order within the first seeds; the detail names the saga.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "the missing refund")
	if c := res.Checks[0]; c.Name != "saga_atomicity" || !strings.Contains(c.Detail, `charged without an order`) || !strings.Contains(c.Detail, `saga "order-`) {
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
