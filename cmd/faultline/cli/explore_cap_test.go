package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExploreMaxFaults: with --max-faults 1 explore reports a failure of
// at most one fault, and no run of a nemesis seed.
func TestExploreMaxFaults(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cli("explore", "raftlog", "--set", "bug=stale-leader", "--seed", "6", "--stop-at-failure", "--max-faults", "1", "--format", "json", "-q", "--out", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a failure): %s", code, errOut)
	}
	var j struct {
		Failures []struct {
			Schedule []string `json:"schedule"`
			Origin   string   `json:"origin"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Failures) != 1 {
		t.Fatalf("%d failures, want 1", len(j.Failures))
	}
	f := j.Failures[0]
	faults := 0
	for _, l := range f.Schedule {
		if !strings.HasSuffix(l, " heal") {
			faults++
		}
	}
	if faults > 1 || f.Origin == "seed" {
		t.Fatalf("failure from %s with %d faults, want at most 1:\n%s", f.Origin, faults, strings.Join(f.Schedule, "\n"))
	}
}
