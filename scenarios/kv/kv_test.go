package kv

import (
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

func TestCorrectModeHolds200Seeds(t *testing.T) {
	scentest.CorrectSeeds(t, Scenario, 200, nil, func(seed uint64, res *scenarios.Result) {
		if res.Metrics["ops"] < 50 || res.Metrics["pending_ops"] >= res.Metrics["ops"] {
			t.Fatalf("seed %d: too little was checked: %v", seed, res.Metrics)
		}
	})
}

// TestPlantedBugIsCaught: stale reads from backups fail the check within
// the first seeds, and the detail names a key and the replay the mode.
func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "stale reads from backups")
	if c := res.Checks[0]; c.Name != "linearizability" || !strings.Contains(c.Detail, `key "k`) {
		t.Fatalf("seed %d: check %+v does not name a key", res.Seed, c)
	}
}

func TestVisualizationWrittenOnFailure(t *testing.T) {
	dir := t.TempDir()
	s := Scenario
	v, err := s.Values(map[string]string{"mode": "buggy"})
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Execute(s, v, 0, scenarios.Options{ArtifactDir: dir})
	if res.Status != scenarios.StatusFail || res.Checks[0].Artifact == "" {
		t.Fatalf("status %s, checks %+v: want a failure with an artifact", res.Status, res.Checks)
	}
	if _, err := os.Stat(res.Checks[0].Artifact); err != nil {
		t.Fatal(err)
	}
}

func TestDeterminism(t *testing.T) { scentest.Determinism(t, Scenario, 5) }

// TestSeedsToFirstFailure measures how many seeds the planted bug takes to
// show: from each of ten starting seeds, the count of seeds run up to and
// including the first failing one, and their median.
func TestSeedsToFirstFailure(t *testing.T) {
	scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": "buggy"}, 20)
}
