package overload

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// The request-path scenarios build their nodes through the shared cluster
// glue, so a fault file and the nemesis reach them like any scenario.
func TestFaultsReachOverloadScenarios(t *testing.T) {
	s := RetryStorm

	v, err := s.Values(map[string]string{"duration": "20s", "trigger_at": "14s"})
	if err != nil {
		t.Fatal(err)
	}
	plain := scenarios.Execute(s, v, 1, scenarios.Options{})
	cut := scenarios.Execute(s, v, 1, scenarios.Options{Faults: "at 3s partition n1 | n2 for 3s"})
	if cut.Error != "" || plain.Error != "" {
		t.Fatalf("runs ended in error: %q, %q", plain.Error, cut.Error)
	}
	if !strings.Contains(strings.Join(cut.Notes, "\n"), "fault: at 3s partition n1 | n2 for 3s") {
		t.Fatalf("notes lack the schedule: %v", cut.Notes)
	}
	if cut.Metrics["succeeded"] >= plain.Metrics["succeeded"] {
		t.Fatalf("a 3s partition between client and server did not cost requests: %v vs %v", cut.Metrics["succeeded"], plain.Metrics["succeeded"])
	}
	nv, err := RetryStorm.Values(map[string]string{"duration": "10s", "trigger_at": "4s", "nemesis": "true"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := scenarios.Execute(s, nv, 4, scenarios.Options{}), scenarios.Execute(s, nv, 4, scenarios.Options{})
	if a.Status == scenarios.StatusBadInput || a.TraceHash != b.TraceHash {
		t.Fatalf("nemesis run: status %s, hashes %s %s", a.Status, a.TraceHash, b.TraceHash)
	}
}
