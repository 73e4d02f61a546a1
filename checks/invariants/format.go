package invariants

import (
	"fmt"
	"strings"
	"time"
)

// andMore joins the first items and counts the others: "a; b; and 3 more".
func andMore(items []string, limit int) string {
	if len(items) <= limit {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:limit], "; ") + fmt.Sprintf("; and %d more", len(items)-limit)
}

// show renders a value for a detail: strings quoted, so "" is visible.
func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// deadline is start + bound in simulated ns.
func deadline(startNs int64, bound time.Duration) int64 {
	return startNs + int64(bound)
}

// detailLimit is how many culprits a detail names before "and N more".
const detailLimit = 3
