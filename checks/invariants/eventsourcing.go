package invariants

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/faultline/faultline/checks"
)

// EventSourcingName is the Result.Name of [EventSourcing].
const EventSourcingName = "event_sourcing"

// EventSourcing checks that the state rebuilt by replaying the event log
// equals the live projection, key by key. A key present in one map and not
// the other is a difference. On failure the detail names the first differing
// key in sorted order, both values, and how many keys differ.
func EventSourcing[K cmp.Ordered, V comparable](rebuilt, live map[K]V) checks.Result {
	keys := map[K]bool{}
	for k := range rebuilt {
		keys[k] = true
	}
	for k := range live {
		keys[k] = true
	}
	var first string
	differ := 0
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		r, inRebuilt := rebuilt[k]
		l, inLive := live[k]
		if inRebuilt && inLive && r == l {
			continue
		}
		differ++
		if differ > 1 {
			continue
		}
		rs, ls := "missing", "missing"
		if inRebuilt {
			rs = show(r)
		}
		if inLive {
			ls = show(l)
		}
		first = fmt.Sprintf("key %s: rebuilt from the log %s, live projection %s", show(k), rs, ls)
	}
	if differ > 0 {
		return checks.Failf(EventSourcingName, "%d of %d keys differ; first: %s", differ, len(keys), first)
	}
	return checks.Passf(EventSourcingName, "%d keys equal", len(keys))
}
