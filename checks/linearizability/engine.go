package linearizability

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// DefaultExplainTimeout bounds the explanation of a failure when
// Options.ExplainTimeout is 0.
const DefaultExplainTimeout = 2 * time.Second

// spec is what the engine needs to know about a model.
type spec struct {
	// model's Partition returns the partitions in sorted key order.
	model porcupine.Model
	// label names a partition in a detail, e.g. `key "x"`; "" for a model
	// that is not partitioned.
	label func(part []porcupine.Operation) string
	// describe renders one operation with where it came from.
	describe func(op porcupine.Operation) string
}

// outcome is what decide found.
type outcome int

const (
	linearizable outcome = iota
	illegal
	undecided
)

// verdict is the engine's answer: the outcome, its detail (empty when
// linearizable), and for a failure the linearization info of the first
// failing partition, for the visualization.
type verdict struct {
	outcome outcome
	detail  string
	info    porcupine.LinearizationInfo
	hasInfo bool
}

// decide checks history in two steps. First porcupine's plain check, which
// stops at the first partition that cannot be linearized; its wall-clock
// limit is opts.Timeout, and hitting it is undecided. Only a proven failure
// is then explained: each partition is checked on its own in verbose mode,
// all within opts' explain limit, so a failing history with many keys is
// answered in about the time of its failing key, not of its hardest one.
func decide(sp spec, history []porcupine.Operation, opts Options) verdict {
	switch porcupine.CheckOperationsTimeout(sp.model, history, opts.Timeout) {
	case porcupine.Ok:
		return verdict{outcome: linearizable}
	case porcupine.Unknown:
		return verdict{outcome: undecided}
	}
	return explain(sp, history, explainLimit(opts))
}

func explainLimit(opts Options) time.Duration {
	switch {
	case opts.ExplainTimeout == 0:
		return DefaultExplainTimeout
	case opts.ExplainTimeout < 0:
		return 0 // no limit
	}
	return opts.ExplainTimeout
}

type partVerdict struct {
	res  porcupine.CheckResult
	info porcupine.LinearizationInfo
}

// explain checks every partition on its own, in parallel, within limit (0:
// none), and describes the failing ones in partition order.
func explain(sp spec, history []porcupine.Operation, limit time.Duration) verdict {
	parts := sp.model.Partition(history)
	out := make([]partVerdict, len(parts))
	start := time.Now()
	// All partitions at once, as porcupine itself checks them: a slow key
	// shares the CPU with the others instead of starving them.
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			left := time.Duration(0)
			if limit > 0 {
				if left = limit - time.Since(start); left <= 0 {
					out[i] = partVerdict{res: porcupine.Unknown}
					return
				}
			}
			one := sp.model
			one.Partition = nil // already one partition
			res, info := porcupine.CheckOperationsVerbose(one, part, left)
			out[i] = partVerdict{res: res, info: info}
		}()
	}
	wg.Wait()

	v := verdict{outcome: illegal}
	var failed []string
	open := 0
	for i, pv := range out {
		switch pv.res {
		case porcupine.Unknown:
			open++
		case porcupine.Illegal:
			if !v.hasInfo {
				v.info, v.hasInfo = pv.info, true
			}
			if len(failed) < maxKeysInDetail {
				failed = append(failed, describePartition(sp, parts[i], longest(pv.info.PartialLinearizations()[0])))
			}
		}
	}
	n := 0
	for _, pv := range out {
		if pv.res == porcupine.Illegal {
			n++
		}
	}
	if n > maxKeysInDetail {
		failed = append(failed, fmt.Sprintf("and %d more keys", n-maxKeysInDetail))
	}
	var b strings.Builder
	switch {
	case sp.label(parts[0]) == "" && n == 1:
		b.WriteString(failed[0])
	case n > 0:
		fmt.Fprintf(&b, "%d of %d keys fail: %s", n, len(parts), strings.Join(failed, "; "))
	default:
		b.WriteString("some key fails")
	}
	if open > 0 {
		fmt.Fprintf(&b, "; %d of %d keys undecided: the explanation hit its %v limit, so which keys it names depends on machine speed", open, len(parts), limit)
	}
	v.detail = b.String()
	return v
}

// longest picks the longest partial linearization, breaking ties by the
// smallest sequence of ids, so the detail does not depend on the map order
// inside porcupine.
func longest(partials [][]int) []int {
	var best []int
	for _, l := range partials {
		if best == nil || len(l) > len(best) || (len(l) == len(best) && slices.Compare(l, best) < 0) {
			best = l
		}
	}
	return best
}

// describePartition names a failing partition with the end of the longest
// linearizable prefix porcupine found and the first operations it could not
// place, in call order.
func describePartition(sp spec, part []porcupine.Operation, best []int) string {
	in := make([]bool, len(part))
	for _, id := range best {
		in[id] = true
	}
	// Only the end of the prefix matters to a reader: it is the state
	// the stuck operations could not follow.
	var prefix []string
	from := max(0, len(best)-maxOpsInDetail)
	if from > 0 {
		prefix = append(prefix, fmt.Sprintf("%d earlier", from))
	}
	for _, id := range best[from:] {
		prefix = append(prefix, sp.describe(part[id]))
	}
	var rest []porcupine.Operation
	for id, op := range part {
		if !in[id] {
			rest = append(rest, op)
		}
	}
	slices.SortStableFunc(rest, func(a, b porcupine.Operation) int {
		if a.Call != b.Call {
			if a.Call < b.Call {
				return -1
			}
			return 1
		}
		return a.Metadata.(int) - b.Metadata.(int)
	})
	var stuck []string
	for i, op := range rest {
		if i == maxOpsInDetail {
			stuck = append(stuck, fmt.Sprintf("and %d more", len(rest)-maxOpsInDetail))
			break
		}
		stuck = append(stuck, sp.describe(op))
	}
	pre := "nothing"
	if len(prefix) > 0 {
		pre = strings.Join(prefix, ", ")
	}
	s := fmt.Sprintf("only %d of %d ops linearize (%s); cannot place: %s", len(best), len(part), pre, strings.Join(stuck, ", "))
	if l := sp.label(part); l != "" {
		s = l + ": " + s
	}
	return s
}
