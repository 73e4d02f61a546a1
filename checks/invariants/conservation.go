package invariants

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/faultline/faultline/checks"
)

// ConservationName is the Result.Name of [Conservation].
const ConservationName = "conservation"

// Snapshot is the balances of every account at one moment.
type Snapshot struct {
	// AtNs is the simulated time of the snapshot, in ns.
	AtNs int64
	// Balances maps account to balance, in the smallest unit (e.g. cents).
	// A missing account has balance 0.
	Balances map[string]int64
}

// Conservation checks that the total of all balances equals initialTotal in
// every snapshot, in the order given: transfers move money, they do not make
// or destroy it. On failure the detail names the first snapshot that is off,
// by how much, and the accounts that changed since the snapshot before it
// (all accounts, for the first snapshot), in sorted order.
func Conservation(initialTotal int64, snapshots []Snapshot) checks.Result {
	if len(snapshots) == 0 {
		return checks.Unknownf(ConservationName, "no snapshots: nothing was checked")
	}
	var prev map[string]int64
	for i, s := range snapshots {
		total, ok := sum(s.Balances)
		if !ok {
			return checks.Unknownf(ConservationName, "snapshot %d at %d ns: the total overflows int64", i, s.AtNs)
		}
		if total != initialTotal {
			return checks.Failf(ConservationName, "snapshot %d at %d ns: total %d, want %d (off by %+d); %s",
				i, s.AtNs, total, initialTotal, total-initialTotal, changed(prev, s.Balances))
		}
		prev = s.Balances
	}
	return checks.Passf(ConservationName, "%d snapshots, total %d in each", len(snapshots), initialTotal)
}

// sum adds balances, reporting false on overflow. Accounts are added in
// sorted order: whether a partial sum overflows depends on the order.
func sum(balances map[string]int64) (int64, bool) {
	var total int64
	for _, k := range slices.Sorted(maps.Keys(balances)) {
		b := balances[k]
		if (b > 0 && total > math.MaxInt64-b) || (b < 0 && total < math.MinInt64-b) {
			return 0, false
		}
		total += b
	}
	return total, true
}

// changed lists the accounts whose balance differs between prev and cur.
func changed(prev, cur map[string]int64) string {
	keys := map[string]bool{}
	for k := range prev {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if prev == nil {
			diffs = append(diffs, fmt.Sprintf("%q %d", k, cur[k]))
		} else if prev[k] != cur[k] {
			diffs = append(diffs, fmt.Sprintf("%q %d -> %d (%+d)", k, prev[k], cur[k], cur[k]-prev[k]))
		}
	}
	if prev == nil {
		return "balances: " + andMore(diffs, 5)
	}
	if len(diffs) == 0 {
		return "no account changed since the previous snapshot"
	}
	return "changed since the previous snapshot: " + andMore(diffs, 5)
}
