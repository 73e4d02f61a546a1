package invariants

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func TestConservation(t *testing.T) {
	runTable(t, ConservationName, []tc{
		{
			name: "transfers keep the total",
			run: func() checks.Result {
				return Conservation(300, []Snapshot{
					{AtNs: 0, Balances: map[string]int64{"a": 100, "b": 100, "c": 100}},
					{AtNs: 10, Balances: map[string]int64{"a": 70, "b": 130, "c": 100}},
					{AtNs: 20, Balances: map[string]int64{"a": 70, "b": 0, "c": 230}},
				})
			},
			want:         checks.OK,
			wantInDetail: []string{"3 snapshots, total 300"},
		},
		{
			name: "debit applied, credit lost",
			run: func() checks.Result {
				return Conservation(300, []Snapshot{
					{AtNs: 0, Balances: map[string]int64{"a": 100, "b": 100, "c": 100}},
					{AtNs: 10, Balances: map[string]int64{"a": 70, "b": 100, "c": 100}},
				})
			},
			want:         checks.Fail,
			wantInDetail: []string{"snapshot 1 at 10 ns: total 270, want 300 (off by -30)", `"a" 100 -> 70 (-30)`},
		},
		{
			name: "duplicated credit in the first snapshot",
			run: func() checks.Result {
				return Conservation(200, []Snapshot{{AtNs: 5, Balances: map[string]int64{"b": 150, "a": 100}}})
			},
			want:         checks.Fail,
			wantInDetail: []string{"off by +50", `balances: "a" 100; "b" 150`},
		},
		{
			name: "account missing from a snapshot counts as zero",
			run: func() checks.Result {
				return Conservation(100, []Snapshot{
					{AtNs: 0, Balances: map[string]int64{"a": 100}},
					{AtNs: 1, Balances: map[string]int64{"b": 10}},
				})
			},
			want:         checks.Fail,
			wantInDetail: []string{`"a" 100 -> 0 (-100)`, `"b" 0 -> 10 (+10)`},
		},
		{
			name:         "no snapshots",
			run:          func() checks.Result { return Conservation(100, nil) },
			want:         checks.Unknown,
			wantInDetail: []string{"no snapshots"},
		},
		{
			name: "overflow",
			run: func() checks.Result {
				return Conservation(0, []Snapshot{{Balances: map[string]int64{"a": math.MaxInt64, "b": 1}}})
			},
			want:         checks.Unknown,
			wantInDetail: []string{"overflows"},
		},
	})
}

func TestPropertyConservation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		accounts := []string{"a", "b", "c", "d"}
		bal := map[string]int64{}
		var total int64
		for _, a := range accounts {
			bal[a] = rapid.Int64Range(0, 1000).Draw(t, "initial")
			total += bal[a]
		}
		snap := func(at int64) Snapshot {
			m := map[string]int64{}
			for k, v := range bal {
				m[k] = v
			}
			return Snapshot{AtNs: at, Balances: m}
		}
		snaps := []Snapshot{snap(0)}
		n := rapid.IntRange(1, 20).Draw(t, "transfers")
		for i := range n {
			from := rapid.SampledFrom(accounts).Draw(t, "from")
			to := rapid.SampledFrom(accounts).Draw(t, "to")
			amount := rapid.Int64Range(0, bal[from]).Draw(t, "amount")
			bal[from] -= amount
			bal[to] += amount
			snaps = append(snaps, snap(int64(i+1)))
		}
		if r := Conservation(total, snaps); !r.OK() {
			t.Fatalf("transfers rejected: %v", r)
		}
		// Plant a leak in one snapshot; it must be the one named.
		i := rapid.IntRange(0, len(snaps)-1).Draw(t, "leakAt")
		acct := rapid.SampledFrom(accounts).Draw(t, "leakFrom")
		leak := rapid.Int64Range(1, 50).Draw(t, "leak")
		snaps[i].Balances[acct] -= leak
		r := Conservation(total, snaps)
		want := fmt.Sprintf("snapshot %d at %d ns: total %d, want %d (off by %d)", i, snaps[i].AtNs, total-leak, total, -leak)
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, want) {
			t.Fatalf("leak not caught: %v\nwant detail containing %q", r, want)
		}
	})
}
