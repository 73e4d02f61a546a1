package wal

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/scentest"
)

// TestCorrectModeHolds500Seeds runs the default schedule (store crashes
// and storage faults) and checks the faults were felt: unsynced bytes
// lost, corrupt reads caught, restarts.
func TestCorrectModeHolds500Seeds(t *testing.T) {
	var lost, detected, starts, acked float64
	scentest.CorrectSeeds(t, Scenario, 500, nil, func(seed uint64, res *scenarios.Result) {
		lost += res.Metrics["storage_unsynced_lost_bytes"]
		detected += res.Metrics["storage_corrupt_reads_detected"]
		starts += res.Metrics["store_starts"]
		acked += res.Metrics["puts_acked"]
		if len(res.Checks) != 2 {
			t.Fatalf("seed %d: checks %v", seed, res.Checks)
		}
	})
	if lost < 2000 || detected < 100 || starts < 1200 || acked < 50_000 {
		t.Fatalf("500 seeds: %v unsynced bytes lost, %v corrupt reads detected, %v store starts, %v puts acked: want every one exercised", lost, detected, starts, acked)
	}
}

// TestCorrectModeUnderStorageNemesis: the common nemesis drawing crashes
// and every storage fault, under each crash model.
func TestCorrectModeUnderStorageNemesis(t *testing.T) {
	for _, crash := range []string{"torn", "all", "subset"} {
		n := uint64(500)
		if crash != "torn" {
			n = 200
		}
		scentest.CorrectSeeds(t, Scenario, n, map[string]string{"nemesis": "true", "nemesis.kinds": "storage", "storage.crash": crash}, nil)
	}
}

func TestPlantedBugIsCaught(t *testing.T) {
	res := scentest.PlantedBug(t, Scenario, 20, "acknowledging before sync")
	if c := res.Checks[0]; c.Name != "durability" || c.OK || !strings.Contains(c.Detail, "acknowledged") {
		t.Fatalf("seed %d: checks %v", res.Seed, res.Checks)
	}
}

// TestUncheckedRecordsAreCaught: without checksums a flipped bit reaches
// a client.
func TestUncheckedRecordsAreCaught(t *testing.T) {
	for seed := range uint64(30) {
		res := scentest.Execute(t, Scenario, seed, map[string]string{"mode": "nochecksum"})
		if res.Status != scenarios.StatusFail {
			continue
		}
		if c := res.Checks[1]; c.Name != "integrity" || c.OK || !strings.Contains(c.Detail, "never written") {
			t.Fatalf("seed %d: checks %v", seed, res.Checks)
		}
		return
	}
	t.Fatal("trusting unchecked records went unnoticed for 30 seeds")
}

func TestDeterminism(t *testing.T) { scentest.Determinism(t, Scenario, 5) }

func TestSeedsToFirstFailure(t *testing.T) {
	for _, mode := range []string{"buggy", "nochecksum"} {
		scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": mode}, 20)
		scentest.SeedsToFirstFailure(t, Scenario, map[string]string{"mode": mode, "nemesis": "true", "nemesis.kinds": "storage"}, 20)
	}
}

// TestShrinkToTheStorageFault: a failing seed's default schedule shrinks
// to the one fault that matters, and the minimal schedule replays.
func TestShrinkToTheStorageFault(t *testing.T) {
	for _, tc := range []struct {
		mode string
		seed uint64
		kind faults.Kind
	}{
		{"nochecksum", 8, faults.BitFlip},
		{"buggy", 1, faults.WriteErr},
	} {
		set := map[string]string{"mode": tc.mode}
		scentest.ShrinkReplays(t, Scenario, tc.seed, set)
		_, sh := scentest.Shrink(t, Scenario, tc.seed, set)
		if len(sh.Minimal.Faults) != 1 || sh.Minimal.Faults[0].Kind != tc.kind {
			t.Fatalf("%s seed %d: minimal schedule %q, want one %s", tc.mode, tc.seed, sh.Minimal, tc.kind)
		}
	}
}

func TestReplayReproducesTraceHash(t *testing.T) { scentest.ReplayReproduces(t, Scenario, 4) }

func TestBadStorageParameters(t *testing.T) {
	for _, set := range []map[string]string{
		{"storage.sector_bytes": "3"},
		{"storage.sector_bytes": "0"},
		{"storage.capacity_bytes": "-1"},
		{"storage.crash": "some"},
		{"storage.sync_latency": "uniform:5ms-1ms"},
		{"faults": "at 1s bitflip n1 1.5"},
		{"faults": "at 1s diskfail n1"},
	} {
		if _, err := Scenario.Values(set); err == nil {
			t.Errorf("%v accepted", set)
		}
	}
}
