package scenarios_test

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/pingpong"
)

// TestNetAndLinksParams: the common parameters net and links reach the
// links of a cluster scenario, deterministically, and bad values are bad
// input.
func TestNetAndLinksParams(t *testing.T) {
	base := runPingpong(t, 5, nil, scenarios.Options{})
	for _, tc := range []struct {
		name   string
		set    map[string]string
		metric string // must be above 0
	}{
		{"reorder everywhere", map[string]string{"net": "reorder=0.5,reorder_delay=2ms"}, "net_messages_reordered"},
		{"corrupt everywhere", map[string]string{"net": "corrupt=0.3"}, "net_messages_corrupted"},
		{"bandwidth and queue", map[string]string{"net": "bandwidth=1000,queue=64"}, "net_dropped_queue_full"},
		{"one lossy link", map[string]string{"links": "n1-n2:loss=1"}, "net_dropped_loss"},
		{"two links", map[string]string{"links": "n1-n2:dup=1; n2-n3:dup=1"}, "net_messages_duplicated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := runPingpong(t, 5, tc.set, scenarios.Options{})
			b := runPingpong(t, 5, tc.set, scenarios.Options{})
			if a.TraceHash != b.TraceHash {
				t.Fatalf("same seed, hashes %x and %x", a.TraceHash, b.TraceHash)
			}
			if a.TraceHash == base.TraceHash {
				t.Fatalf("%v left the trace as it was", tc.set)
			}
			if a.Metrics[tc.metric] <= 0 {
				t.Fatalf("%v: %s = %v, want > 0", tc.set, tc.metric, a.Metrics[tc.metric])
			}
		})
	}
	// Empty values leave the scenario's links alone.
	if r := runPingpong(t, 5, map[string]string{"net": "", "links": ""}, scenarios.Options{}); r.TraceHash != base.TraceHash {
		t.Fatalf("empty net and links changed the hash: %x, want %x", r.TraceHash, base.TraceHash)
	}
}

func TestNetAndLinksBadInput(t *testing.T) {
	for _, set := range []map[string]string{
		{"net": "loss=2"},
		{"net": "speed=fast"},
		{"links": "n1-n2"},
		{"links": "n1:loss=0.5"},
		{"links": "n1-n2:loss=x"},
	} {
		if _, err := pingpong.Scenario.Values(set); err == nil {
			t.Errorf("%v was accepted", set)
		}
	}
	// A node beyond the cluster is found when the cluster is built.
	res := runPingpong(t, 1, map[string]string{"links": "n1-n9:loss=0.5"}, scenarios.Options{})
	if res.Status != scenarios.StatusBadInput {
		t.Fatalf("links to n9 of 3 nodes: status %s, want %s", res.Status, scenarios.StatusBadInput)
	}
}
