package invariants

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func TestLiveness(t *testing.T) {
	runTable(t, LivenessName, []tc{
		{
			name:         "no requests",
			run:          func() checks.Result { return Liveness(nil, 100, time.Second) },
			want:         checks.OK,
			wantInDetail: []string{"0 requests"},
		},
		{
			name: "all complete within the bound",
			run: func() checks.Result {
				return Liveness([]Request{
					{ID: "r1", IssuedNs: 10, Completed: true, CompletedNs: 2000}, // issued during the fault
					{ID: "r2", IssuedNs: 1500, Completed: true, CompletedNs: 2500},
					{ID: "r3", IssuedNs: 5, Completed: true, CompletedNs: 7},
				}, 1000, time.Microsecond)
			},
			want:         checks.OK,
			wantInDetail: []string{"3 requests completed within 1µs of the heal at 1000 ns"},
		},
		{
			name: "request never completed",
			run: func() checks.Result {
				return Liveness([]Request{
					{ID: "r1", IssuedNs: 10, Completed: true, CompletedNs: 20},
					{ID: "r2", IssuedNs: 1500},
				}, 1000, time.Microsecond)
			},
			want:         checks.Fail,
			wantInDetail: []string{`1 of 2 requests`, `request "r2" issued at 1500 ns never completed (deadline 2500 ns)`},
		},
		{
			name: "request completed too late after the heal",
			run: func() checks.Result {
				return Liveness([]Request{
					{ID: "r1", IssuedNs: 10, Completed: true, CompletedNs: 2100},
				}, 1000, time.Microsecond)
			},
			want:         checks.Fail,
			wantInDetail: []string{`request "r1" issued at 10 ns completed at 2100 ns, 100ns after its deadline 2000 ns`},
		},
		{
			name: "completion before issue is invalid",
			run: func() checks.Result {
				return Liveness([]Request{{ID: "r1", IssuedNs: 10, Completed: true, CompletedNs: 5}}, 0, time.Second)
			},
			want:         checks.Unknown,
			wantInDetail: []string{`request "r1": completed at 5 ns, before it was issued at 10 ns`},
		},
		{
			name:         "negative bound",
			run:          func() checks.Result { return Liveness(nil, 0, -1) },
			want:         checks.Unknown,
			wantInDetail: []string{"invalid bound"},
		},
	})
}

func TestPropertyLiveness(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		heal := rapid.Int64Range(0, 1000).Draw(t, "heal")
		bound := time.Duration(rapid.Int64Range(0, 1000).Draw(t, "bound"))
		n := rapid.IntRange(1, 20).Draw(t, "n")
		reqs := make([]Request, n)
		for i := range reqs {
			issued := rapid.Int64Range(0, 2000).Draw(t, "issued")
			due := max(issued, heal) + int64(bound)
			reqs[i] = Request{ID: fmt.Sprintf("r%02d", i), IssuedNs: issued, Completed: true, CompletedNs: rapid.Int64Range(issued, due).Draw(t, "completed")}
		}
		if r := Liveness(reqs, heal, bound); !r.OK() {
			t.Fatalf("timely requests rejected: %v", r)
		}
		i := rapid.IntRange(0, n-1).Draw(t, "victim")
		if rapid.Bool().Draw(t, "lost") {
			reqs[i].Completed = false
		} else {
			reqs[i].CompletedNs = max(reqs[i].IssuedNs, heal) + int64(bound) + 1
		}
		r := Liveness(reqs, heal, bound)
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, fmt.Sprintf("request %q", reqs[i].ID)) {
			t.Fatalf("planted stall of %q not named: %v", reqs[i].ID, r)
		}
	})
}
