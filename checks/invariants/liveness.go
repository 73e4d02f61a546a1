package invariants

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/checks"
)

// LivenessName is the Result.Name of [Liveness].
const LivenessName = "liveness"

// Request is one client request and when it completed, if it did.
type Request struct {
	// ID identifies the request. It must be unique and not empty.
	ID string
	// IssuedNs is the simulated time, in ns, at which it was issued.
	IssuedNs int64
	// Completed reports that the client got a final answer.
	Completed bool
	// CompletedNs is the simulated time, in ns, of that answer.
	CompletedNs int64
}

// Liveness checks that after the faults healed at healNs, every request
// completes within bound: a request must complete by max(IssuedNs, healNs) +
// bound. A request that never completed fails, so pass only requests that
// were due before the run ended. On failure the detail names the request
// (first in ID order), its deadline and how late it was, or that it never
// completed.
func Liveness(requests []Request, healNs int64, bound time.Duration) checks.Result {
	if bound < 0 {
		return checks.Unknownf(LivenessName, "invalid bound %v: want >= 0", bound)
	}
	seen := map[string]bool{}
	for i, r := range requests {
		switch {
		case r.ID == "":
			return checks.Unknownf(LivenessName, "request %d: empty ID", i)
		case seen[r.ID]:
			return checks.Unknownf(LivenessName, "request %d: duplicate ID %q", i, r.ID)
		case r.Completed && r.CompletedNs < r.IssuedNs:
			return checks.Unknownf(LivenessName, "request %q: completed at %d ns, before it was issued at %d ns", r.ID, r.CompletedNs, r.IssuedNs)
		}
		seen[r.ID] = true
	}
	var culprits []string
	for _, r := range slices.SortedFunc(slices.Values(requests), func(a, b Request) int { return cmp.Compare(a.ID, b.ID) }) {
		due := deadline(max(r.IssuedNs, healNs), bound)
		switch {
		case !r.Completed:
			culprits = append(culprits, fmt.Sprintf("request %q issued at %d ns never completed (deadline %d ns)", r.ID, r.IssuedNs, due))
		case r.CompletedNs > due:
			culprits = append(culprits, fmt.Sprintf("request %q issued at %d ns completed at %d ns, %v after its deadline %d ns",
				r.ID, r.IssuedNs, r.CompletedNs, time.Duration(r.CompletedNs-due), due))
		}
	}
	if len(culprits) > 0 {
		return checks.Failf(LivenessName, "%d of %d requests not completed within %v of the heal at %d ns: %s",
			len(culprits), len(requests), bound, healNs, andMore(culprits, detailLimit))
	}
	return checks.Passf(LivenessName, "%d requests completed within %v of the heal at %d ns", len(requests), bound, healNs)
}
