package invariants

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/checks"
)

// IdempotencyName is the Result.Name of [Idempotency].
const IdempotencyName = "idempotency"

// Effect is one side effect a service applied (a charge, a shipment, an
// e-mail), with the idempotency key of the request that caused it.
type Effect struct {
	// Key is the idempotency key. It must not be empty.
	Key string
	// Kind names the effect, e.g. "charge". One key may cause one effect of
	// each kind; "" is a kind like any other.
	Kind string
	// AtNs is the simulated time the effect was applied, in ns.
	AtNs int64
}

// Idempotency checks that no effect was applied twice for one idempotency
// key: each (Key, Kind) pair appears at most once in effects. On failure the
// detail names the key and kind and the times of every application.
func Idempotency(effects []Effect) checks.Result {
	type id struct{ key, kind string }
	times := map[id][]int64{}
	for i, e := range effects {
		if e.Key == "" {
			return checks.Unknownf(IdempotencyName, "effect %d (kind %q at %d ns): empty Key: every effect needs the idempotency key that caused it", i, e.Kind, e.AtNs)
		}
		k := id{e.Key, e.Kind}
		times[k] = append(times[k], e.AtNs)
	}
	var dups []id
	for k, ts := range times {
		if len(ts) > 1 {
			dups = append(dups, k)
		}
	}
	if len(dups) == 0 {
		return checks.Passf(IdempotencyName, "%d effects, each key applied at most once", len(effects))
	}
	slices.SortFunc(dups, func(a, b id) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.kind, b.kind))
	})
	var culprits []string
	for _, k := range dups {
		ts := slices.Clone(times[k])
		slices.Sort(ts)
		at := make([]string, len(ts))
		for i, t := range ts {
			at[i] = fmt.Sprintf("%d", t)
		}
		culprits = append(culprits, fmt.Sprintf("key %q effect %q applied %d times, want at most 1 (at %s ns)",
			k.key, k.kind, len(ts), strings.Join(at, ", ")))
	}
	return checks.Failf(IdempotencyName, "%d keys applied more than once: %s", len(dups), andMore(culprits, detailLimit))
}
