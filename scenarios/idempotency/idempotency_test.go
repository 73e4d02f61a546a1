package idempotency

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
	retried := 0.0
	scentest.CorrectSeeds(t, Scenario, 200, nil, func(seed uint64, res *scenarios.Result) {
		if seed == 199 && retried < 200 {
			t.Fatalf("only %v retries in 200 seeds: the scenario does not exercise retries", retried)
		}
		if res.Metrics["charges"] < 10 || len(res.Checks) != 1 {
			t.Fatalf("seed %d: too little was checked: %v %v", seed, res.Metrics, res.Checks)
		}
		retried += res.Metrics["retries"]
	})
}

// TestPlantedBugIsCaught: without idempotency keys a retry charges twice
// within the first seeds; the detail names the payment.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "double charges")
	if c := res.Checks[0]; c.Name != "idempotency" || !strings.Contains(c.Detail, `effect "charge" applied 2 times`) {
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
