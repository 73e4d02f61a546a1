package invariants

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func TestEventSourcing(t *testing.T) {
	runTable(t, EventSourcingName, []tc{
		{
			name: "equal",
			run: func() checks.Result {
				return EventSourcing(map[string]int{"a": 1, "b": 2}, map[string]int{"b": 2, "a": 1})
			},
			want:         checks.OK,
			wantInDetail: []string{"2 keys equal"},
		},
		{
			name:         "both empty",
			run:          func() checks.Result { return EventSourcing(map[string]string{}, map[string]string(nil)) },
			want:         checks.OK,
			wantInDetail: []string{"0 keys"},
		},
		{
			name: "projection applied an event twice",
			run: func() checks.Result {
				return EventSourcing(map[string]int{"acct-1": 10, "acct-2": 40, "acct-3": 5}, map[string]int{"acct-1": 10, "acct-2": 50, "acct-3": 6})
			},
			want:         checks.Fail,
			wantInDetail: []string{`2 of 3 keys differ; first: key "acct-2": rebuilt from the log 40, live projection 50`},
		},
		{
			name: "key missing from the projection",
			run: func() checks.Result {
				return EventSourcing(map[string]string{"x": ""}, map[string]string{})
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x": rebuilt from the log "", live projection missing`},
		},
		{
			name: "integer keys sort numerically",
			run: func() checks.Result {
				return EventSourcing(map[int]string{10: "a", 9: "b"}, map[int]string{10: "z", 9: "y"})
			},
			want:         checks.Fail,
			wantInDetail: []string{`first: key 9: rebuilt from the log "b", live projection "y"`},
		},
	})
}

func TestPropertyEventSourcing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Apply one event log two ways: as a replay, and event by event as
		// the live projection does. They must agree.
		type event struct {
			key   string
			delta int
		}
		events := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) event {
			return event{rapid.SampledFrom([]string{"a", "b", "c", "d"}).Draw(t, "key"), rapid.IntRange(-5, 5).Draw(t, "delta")}
		}), 1, 30).Draw(t, "events")
		rebuilt := map[string]int{}
		for _, e := range events {
			rebuilt[e.key] += e.delta
		}
		live := map[string]int{}
		for i := len(events) - 1; i >= 0; i-- { // addition commutes
			live[events[i].key] += events[i].delta
		}
		if r := EventSourcing(rebuilt, live); !r.OK() {
			t.Fatalf("equal states rejected: %v", r)
		}
		victim := events[rapid.IntRange(0, len(events)-1).Draw(t, "victim")].key
		live[victim] += rapid.SampledFrom([]int{-1, 1}).Draw(t, "drift")
		r := EventSourcing(rebuilt, live)
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, fmt.Sprintf("first: key %q", victim)) {
			t.Fatalf("drift at %q not named: %v", victim, r)
		}
	})
}
