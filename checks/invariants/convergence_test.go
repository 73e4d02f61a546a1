package invariants

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func TestConvergence(t *testing.T) {
	state := map[string]string{"x": "v3", "y": "v1"}
	runTable(t, ConvergenceName, []tc{
		{
			name: "replicas agree in time",
			run: func() checks.Result {
				return Convergence([]Replica{
					{Name: "n1", State: state, ReachedNs: 900},
					{Name: "n2", State: maps.Clone(state), ReachedNs: 1500},
					{Name: "n3", State: maps.Clone(state), ReachedNs: 2000},
				}, 1000, time.Microsecond)
			},
			want:         checks.OK,
			wantInDetail: []string{"3 replicas agree on 2 keys"},
		},
		{
			name: "one replica kept a stale value",
			run: func() checks.Result {
				return Convergence([]Replica{
					{Name: "n1", State: state},
					{Name: "n2", State: map[string]string{"x": "v2", "y": "v1"}},
					{Name: "n3", State: maps.Clone(state)},
				}, 0, time.Second)
			},
			want:         checks.Fail,
			wantInDetail: []string{`1 of 3 replicas disagree with "n1": replica "n2" at key "x" has "v2", "n1" has "v3"`},
		},
		{
			name: "one replica is missing a key",
			run: func() checks.Result {
				return Convergence([]Replica{
					{Name: "n1", State: state},
					{Name: "n2", State: map[string]string{"x": "v3"}},
				}, 0, time.Second)
			},
			want:         checks.Fail,
			wantInDetail: []string{`replica "n2" at key "y" has nothing, "n1" has "v1"`},
		},
		{
			name: "one replica converged too late",
			run: func() checks.Result {
				return Convergence([]Replica{
					{Name: "n1", State: state, ReachedNs: 1500},
					{Name: "n2", State: maps.Clone(state), ReachedNs: 2500},
				}, 1000, time.Microsecond)
			},
			want:         checks.Fail,
			wantInDetail: []string{`replica "n2" converged at 2500 ns, 500ns after the deadline 2000 ns`},
		},
		{
			name:         "no replicas",
			run:          func() checks.Result { return Convergence(nil, 0, time.Second) },
			want:         checks.Unknown,
			wantInDetail: []string{"no replicas"},
		},
		{
			name:         "negative bound",
			run:          func() checks.Result { return Convergence([]Replica{{Name: "n1"}}, 0, -time.Second) },
			want:         checks.Unknown,
			wantInDetail: []string{"invalid bound -1s"},
		},
		{
			name:         "duplicate name",
			run:          func() checks.Result { return Convergence([]Replica{{Name: "n1"}, {Name: "n1"}}, 0, time.Second) },
			want:         checks.Unknown,
			wantInDetail: []string{`duplicate Name "n1"`},
		},
	})
}

func TestPropertyConvergence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		final := rapid.MapOfN(rapid.SampledFrom([]string{"a", "b", "c", "d"}), rapid.StringMatching(`v[0-9]`), 1, 4).Draw(t, "state")
		heal := rapid.Int64Range(0, 1000).Draw(t, "heal")
		bound := time.Duration(rapid.Int64Range(0, 1000).Draw(t, "bound"))
		n := rapid.IntRange(1, 5).Draw(t, "replicas")
		reps := make([]Replica, n)
		for i := range reps {
			reps[i] = Replica{Name: fmt.Sprintf("n%d", i), State: maps.Clone(final), ReachedNs: rapid.Int64Range(0, heal+int64(bound)).Draw(t, "reached")}
		}
		if r := Convergence(reps, heal, bound); !r.OK() {
			t.Fatalf("converged replicas rejected: %v", r)
		}
		i := rapid.IntRange(0, n-1).Draw(t, "victim")
		if rapid.Bool().Draw(t, "late") || n == 1 {
			reps[i].ReachedNs = heal + int64(bound) + 1
		} else {
			for k := range reps[i].State {
				reps[i].State[k] = "stale"
			}
		}
		r := Convergence(reps, heal, bound)
		if i == 0 && n > 1 && reps[0].ReachedNs <= heal+int64(bound) {
			// The first replica is the reference: every other one is named.
			i = 1
		}
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, fmt.Sprintf("replica %q", reps[i].Name)) {
			t.Fatalf("planted divergence in %q not named: %v", reps[i].Name, r)
		}
	})
}
