package linearizability

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/anishathalye/porcupine"
)

// kvInput is the porcupine input of one operation.
type kvInput struct {
	kind   Kind
	key    string
	value  string // put/append value, CAS new value
	expect string // CAS expected value
}

// kvOutput is the porcupine output of one operation.
type kvOutput struct {
	value   string // get result
	ok      bool   // CAS success
	pending bool   // outcome unknown: the output constrains nothing
}

// step applies one operation to the value of its key. It is pure: state is a
// string, and strings are immutable.
func step(state, input, output any) (bool, any) {
	v := state.(string)
	in := input.(kvInput)
	out := output.(kvOutput)
	switch in.kind {
	case Get:
		return out.pending || out.value == v, v
	case Put:
		return true, in.value
	case Append:
		return true, v + in.value
	case CAS:
		matched := v == in.expect
		if out.pending {
			// Linearized at its true position, the CAS does what a CAS does.
			if matched {
				return true, in.value
			}
			return true, v
		}
		if out.ok != matched {
			return false, v
		}
		if matched {
			return true, in.value
		}
		return true, v
	}
	return false, v
}

// partition groups operations by key, keys in sorted order and operations in
// history order, so partition i is the same slice whoever computes it.
func partition(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := op.Input.(kvInput).key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

func hashState(state any) uint64 {
	h := fnv.New64a()
	h.Write([]byte(state.(string)))
	return h.Sum64()
}

func describeOperation(input, output any) string {
	in := input.(kvInput)
	out := output.(kvOutput)
	var s string
	switch in.kind {
	case Get:
		s = fmt.Sprintf("get(%q)", in.key)
		if !out.pending {
			s += fmt.Sprintf(" -> %q", out.value)
		}
	case Put:
		s = fmt.Sprintf("put(%q, %q)", in.key, in.value)
	case Append:
		s = fmt.Sprintf("append(%q, %q)", in.key, in.value)
	case CAS:
		s = fmt.Sprintf("cas(%q, %q, %q)", in.key, in.expect, in.value)
		if !out.pending {
			s += fmt.Sprintf(" -> %v", out.ok)
		}
	default:
		s = fmt.Sprintf("%v(%q)", in.kind, in.key)
	}
	if out.pending {
		s += " -> pending"
	}
	return s
}

// kvModel is the per-key register model with get, put, append and CAS.
var kvModel = porcupine.Model{
	Partition:         partition,
	Init:              func() any { return "" },
	Step:              step,
	Hash:              hashState,
	DescribeOperation: describeOperation,
	DescribeState:     func(state any) string { return fmt.Sprintf("%q", state.(string)) },
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return fmt.Sprintf("op #%d", info.(int))
	},
}
