package overload

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// withFaults runs scenario name once with a fault schedule.
func withFaults(t *testing.T, name string, seed uint64, set map[string]string, faults string) *scenarios.Result {
	t.Helper()
	s, v, err := byName.Prepare(name, set)
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Execute(s, v, seed, scenarios.Options{Faults: faults})
	if res.Status != scenarios.StatusOK {
		t.Fatalf("%s seed %d %v with %q: status %s %s %v", name, seed, set, faults, res.Status, res.Error, res.Checks)
	}
	return res
}

// The balancer learns of a node that joins through its health checks:
// traffic reaches the joined node, and never reaches a spare that did
// not join.
func TestHealthCheckLearnsOfJoinedNode(t *testing.T) {
	set := map[string]string{"spares": "1", "fail_at": "60s", "duration": "15s"}
	for seed := uint64(1); seed <= 5; seed++ {
		joined := withFaults(t, "health-check", seed, set, "at 5s join n5")
		if got := joined.Metrics["routed_to_joined"]; got < 150 {
			t.Errorf("seed %d: %v requests reached the joined node, want ≥ 150 (a fifth of the 9 s after the first probe finds it, at 100/s)", seed, got)
		}
		if got := joined.Metrics["success_rate"]; got != 1 {
			t.Errorf("seed %d: success_rate %v with a join, want 1", seed, got)
		}
		alone := execute(t, "health-check", seed, set)
		if got := alone.Metrics["routed_to_joined"]; got != 0 {
			t.Errorf("seed %d: %v requests reached a spare that never joined", seed, got)
		}
	}
}

// A node that leaves gracefully fails its checks first and is drained
// without a failed request; one that leaves abruptly takes requests down
// with it, which rules out a leave that does nothing.
func TestHealthCheckLeaveDrained(t *testing.T) {
	set := map[string]string{"fail_at": "60s", "duration": "20s"}
	for seed := uint64(1); seed <= 5; seed++ {
		drained := withFaults(t, "health-check", seed, set, "at 10s leave n2 drain 3s")
		if f := drained.Metrics["failed"]; f != 0 {
			t.Errorf("seed %d: a drained leave failed %v requests, want 0", seed, f)
		}
		abrupt := withFaults(t, "health-check", seed, set, "at 10s leave n2")
		if f := abrupt.Metrics["failed"]; f == 0 {
			t.Errorf("seed %d: an abrupt leave failed no request", seed)
		}
	}
	// Without health checks nothing learns of the leave.
	res := withFaults(t, "health-check", 1, with(set, "check", "none"), "at 10s leave n2 drain 3s")
	if res.Metrics["failed"] == 0 {
		t.Error("check=none: a drained leave failed no request; the balancer cannot have noticed it")
	}
}

func TestHealthCheckMembershipDeterministic(t *testing.T) {
	faults := "at 3s join n5\nat 4s leave n1 drain 2s for 3s\nat 6s replace n3"
	set := map[string]string{"spares": "1", "duration": "10s"}
	for seed := uint64(1); seed <= 3; seed++ {
		a := withFaults(t, "health-check", seed, set, faults)
		b := withFaults(t, "health-check", seed, set, faults)
		if a.TraceHash != b.TraceHash {
			t.Fatalf("seed %d: hash %s then %s", seed, a.TraceHash, b.TraceHash)
		}
	}
}

// The membership nemesis: same seed, same trace, and every run keeps its
// requests conserved through joins, leaves and replacements.
func TestHealthCheckMembershipNemesis(t *testing.T) {
	set := map[string]string{"spares": "1", "duration": "15s", "nemesis": "true", "nemesis.kinds": "membership"}
	joined := 0.0
	for seed := uint64(1); seed <= 6; seed++ {
		a, b := execute(t, "health-check", seed, set), execute(t, "health-check", seed, set)
		if a.TraceHash != b.TraceHash {
			t.Fatalf("seed %d: hash %s then %s", seed, a.TraceHash, b.TraceHash)
		}
		joined += a.Metrics["routed_to_joined"]
	}
	if joined == 0 {
		t.Fatal("no seed's nemesis let traffic reach the spare")
	}
}
