package invariants

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
)

// ConvergenceName is the Result.Name of [Convergence].
const ConvergenceName = "convergence"

// Replica is the final state of one replica after the quiet period.
type Replica struct {
	// Name identifies the replica. It must be unique and not empty.
	Name string
	// State maps key to value. Stores with versions can put them in the
	// value (e.g. "v7:alice"); a missing key differs from "".
	State map[string]string
	// ReachedNs is the simulated time, in ns, at which the replica reached
	// State and stayed there.
	ReachedNs int64
}

// Convergence checks that after the faults healed at healNs, every replica
// ended in the same state as the first one, and reached it no later than
// healNs + bound. On failure the detail names the replica, and either the
// first key (in sorted order) where it disagrees with the first replica and
// both values, or how late it converged.
func Convergence(replicas []Replica, healNs int64, bound time.Duration) checks.Result {
	if bound < 0 {
		return checks.Unknownf(ConvergenceName, "invalid bound %v: want >= 0", bound)
	}
	if len(replicas) == 0 {
		return checks.Unknownf(ConvergenceName, "no replicas: nothing was checked")
	}
	seen := map[string]bool{}
	for i, r := range replicas {
		if r.Name == "" {
			return checks.Unknownf(ConvergenceName, "replica %d: empty Name", i)
		}
		if seen[r.Name] {
			return checks.Unknownf(ConvergenceName, "replica %d: duplicate Name %q", i, r.Name)
		}
		seen[r.Name] = true
	}
	ref := replicas[0]
	others := slices.SortedFunc(slices.Values(replicas[1:]), func(a, b Replica) int { return strings.Compare(a.Name, b.Name) })
	var disagree []string
	for _, r := range others {
		if d := firstDifference(ref, r); d != "" {
			disagree = append(disagree, d)
		}
	}
	if len(disagree) > 0 {
		return checks.Failf(ConvergenceName, "%d of %d replicas disagree with %q: %s",
			len(disagree), len(replicas), ref.Name, andMore(disagree, detailLimit))
	}
	due := deadline(healNs, bound)
	var late []string
	for _, r := range slices.SortedFunc(slices.Values(replicas), func(a, b Replica) int { return strings.Compare(a.Name, b.Name) }) {
		if r.ReachedNs > due {
			late = append(late, fmt.Sprintf("replica %q converged at %d ns, %v after the deadline %d ns",
				r.Name, r.ReachedNs, time.Duration(r.ReachedNs-due), due))
		}
	}
	if len(late) > 0 {
		return checks.Failf(ConvergenceName, "%d of %d replicas converged later than heal %d ns + bound %v: %s",
			len(late), len(replicas), healNs, bound, andMore(late, detailLimit))
	}
	return checks.Passf(ConvergenceName, "%d replicas agree on %d keys within %v of the heal", len(replicas), len(ref.State), bound)
}

// firstDifference describes the first key, in sorted order, where r's state
// differs from ref's, or returns "".
func firstDifference(ref, r Replica) string {
	keys := map[string]bool{}
	for k := range ref.State {
		keys[k] = true
	}
	for k := range r.State {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a, inRef := ref.State[k]
		b, inR := r.State[k]
		if inRef == inR && a == b {
			continue
		}
		as, bs := "nothing", "nothing"
		if inRef {
			as = show(a)
		}
		if inR {
			bs = show(b)
		}
		return fmt.Sprintf("replica %q at key %q has %s, %q has %s", r.Name, k, bs, ref.Name, as)
	}
	return ""
}
