package lease

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
		if len(res.Checks) != 1 || res.Metrics["grants"] < 3 {
			t.Fatalf("seed %d: too little was checked: %v %v", seed, res.Metrics, res.Checks)
		}
	})
}

// TestPlantedBugIsCaught: a margin below the skew gives two leaders within
// the first seeds; the detail names both nodes.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "two leaders")
	if c := res.Checks[0]; c.Name != OneLeaderName || !strings.Contains(c.Detail, `both held the lease`) {
		t.Fatalf("seed %d: check %+v does not name a key", res.Seed, c)
	}
}

func TestCheckOneLeader(t *testing.T) {
	tests := []struct {
		name string
		bs   []belief
		ok   bool
	}{
		{"none", nil, true},
		{"back to back", []belief{{1, 0, 10}, {2, 10, 20}, {1, 20, 30}}, true},
		{"same node overlapping", []belief{{1, 0, 10}, {1, 5, 20}}, true},
		{"overlap", []belief{{1, 0, 10}, {2, 9, 20}}, false},
		{"nested", []belief{{2, 5, 6}, {1, 0, 100}}, false},
		{"overlap after a long one", []belief{{1, 0, 100}, {3, 50, 60}, {2, 99, 200}}, false},
	}
	for _, tt := range tests {
		_, res := checkOneLeader(tt.bs)
		if res.OK() != tt.ok {
			t.Errorf("%s: %v, want ok=%v", tt.name, res, tt.ok)
		}
	}
}

func TestDriftBeyondSkewIsRejected(t *testing.T) {
	// Bad input, refused before the run.
	if _, err := Scenario.Values(map[string]string{"drift_ppm": "10000"}); err == nil || !strings.Contains(err.Error(), "drift_ppm") {
		t.Fatalf("error %v: want one naming drift_ppm", err)
	}
}

func TestDeterminism(t *testing.T) { scentest.Determinism(t, Scenario, 5) }

// TestSeedsToFirstFailure measures how many seeds the planted bug takes to
// show: from each of ten starting seeds, the count of seeds run up to and
// including the first failing one, and their median.
func TestSeedsToFirstFailure(t *testing.T) {
	scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": "buggy"}, 20)
}
