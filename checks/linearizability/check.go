package linearizability

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checks"
)

// Name is the Result.Name of a linearizability check.
const Name = "linearizability"

// Kind is the kind of a key-value operation. The zero Kind is invalid, so an
// Op whose kind was never set is reported rather than read as a get.
type Kind int

const (
	// Get reads Key; Output is the value read ("" for a missing key).
	Get Kind = iota + 1
	// Put sets Key to Value.
	Put
	// Append appends Value to the value of Key.
	Append
	// CAS sets Key to Value if its value is Expect; OK reports whether it did.
	CAS
)

// String returns "get", "put", "append" or "cas".
func (k Kind) String() string {
	switch k {
	case Get:
		return "get"
	case Put:
		return "put"
	case Append:
		return "append"
	case CAS:
		return "cas"
	default:
		return fmt.Sprintf("Kind(%d)", int(k))
	}
}

// Op is one operation of a history, as a client saw it.
type Op struct {
	// Client is the client that issued the operation. Porcupine draws one
	// row per client in its visualization, so small zero-based ids read best.
	Client int
	// Kind is the operation.
	Kind Kind
	// Key is the key operated on. Each key is checked on its own.
	Key string
	// Value is the value written by a put or an append, or the new value of
	// a compare-and-set.
	Value string
	// Expect is the value a compare-and-set expects to find.
	Expect string
	// Output is the value a get returned.
	Output string
	// OK reports, for a CAS, whether it swapped; for the other kinds,
	// whether the operation completed and took effect. A completed get, put
	// or append with OK false is dropped: it had no effect and its output
	// means nothing. Ignored when Pending.
	OK bool
	// Call and Return are the simulated times, in ns, at which the client
	// issued the operation and learned its outcome. Return is ignored when
	// Pending.
	Call, Return int64
	// Pending marks an operation whose outcome the client never learned (it
	// timed out, or the reply was lost). It may or may not have taken effect.
	Pending bool
}

// Options configure [Check].
type Options struct {
	// Timeout is the wall-clock limit of the check. A check that hits it is
	// Unknown, never OK. Zero means no limit. Whether a history hits the
	// limit depends on the speed and load of the machine.
	Timeout time.Duration
	// ExplainTimeout bounds the explanation of a proven failure: which keys
	// fail, and where. If it is 0, DefaultExplainTimeout (2s) is used; a
	// negative value means no limit. Hitting it never changes the verdict,
	// only the detail, which then says so.
	ExplainTimeout time.Duration
	// VisualizeDir, if not empty, is the directory where the HTML
	// visualization of a failing history is written. The file name is
	// derived from the history, so the same history gives the same file.
	VisualizeDir string

	_ struct{} // forbid positional literals, so fields can be added
}

// Check reports whether ops is a linearizable history of a key-value store
// with get, put, append and compare-and-set. Ops may be in any order.
//
// The result is OK when every key's history is linearizable, Fail when some
// key's is not (the detail names the keys, in sorted order, and the
// operations that could not be linearized), and Unknown when the check hit
// opts.Timeout or the input is invalid (a zero Kind, a Return before its Call,
// a negative Timeout).
func Check(ops []Op, opts Options) checks.Result {
	if opts.Timeout < 0 {
		return checks.Unknownf(Name, "invalid Options.Timeout %v: want >= 0 (0 means no limit)", opts.Timeout)
	}
	history, stats, err := toHistory(ops)
	if err != nil {
		return checks.Unknownf(Name, "invalid history: %v", err)
	}
	summary := stats.String()
	if len(history) == 0 {
		return checks.Passf(Name, "%s; nothing to check", summary)
	}
	v := decide(kvSpec, history, opts)
	switch v.outcome {
	case linearizable:
		return checks.Passf(Name, "linearizable: %s", summary)
	case undecided:
		return checks.Unknownf(Name, "undecided: the check hit its %v wall-clock timeout (%s); the limit depends on machine speed", opts.Timeout, summary)
	}
	r := checks.Failf(Name, "not linearizable: %s; %s", v.detail, summary)
	if opts.VisualizeDir != "" && v.hasInfo {
		path, err := writeVisualization(opts.VisualizeDir, historyName(ops), kvModel, v.info)
		if err != nil {
			r.Detail += fmt.Sprintf("; visualization not written: %v", err)
		} else {
			r.Artifact = path
			r.Detail += "; visualization: " + path
		}
	}
	return r
}

var kvSpec = spec{
	model:    kvModel,
	label:    func(part []porcupine.Operation) string { return fmt.Sprintf("key %q", part[0].Input.(kvInput).key) },
	describe: describeHistoryOp,
}

// historyStats counts what toHistory did with the ops, for the detail.
type historyStats struct {
	checked, keys, pending, dropped int
}

// historyString is String for CheckHistory: keys only for keyed models.
func (s historyStats) historyString(keyed bool) string {
	where := ""
	if keyed {
		where = fmt.Sprintf(" on %d keys", s.keys)
	}
	return fmt.Sprintf("%d ops%s checked, %d of them pending, %d dropped (failed, or pending reads)", s.checked, where, s.pending, s.dropped)
}

func (s historyStats) String() string {
	return fmt.Sprintf("%d ops on %d keys checked, %d of them pending, %d dropped (failed, or pending gets)",
		s.checked, s.keys, s.pending, s.dropped)
}

// toHistory converts ops to porcupine operations. Pending operations return
// after every other event (closed intervals: end is strictly later than any
// time in the history) and carry an output that constrains nothing. The
// metadata of each operation is its index in ops.
func toHistory(ops []Op) ([]porcupine.Operation, historyStats, error) {
	var st historyStats
	var end int64
	for i, op := range ops {
		if op.Kind < Get || op.Kind > CAS {
			return nil, st, fmt.Errorf("op %d: invalid kind %v: want Get, Put, Append or CAS", i, op.Kind)
		}
		end = max(end, op.Call)
		if op.Pending {
			continue
		}
		if op.Return < op.Call {
			return nil, st, fmt.Errorf("op %d (%s): return %d ns is before call %d ns", i, describeOp(op), op.Return, op.Call)
		}
		end = max(end, op.Return)
	}
	end++
	keys := map[string]bool{}
	history := make([]porcupine.Operation, 0, len(ops))
	for i, op := range ops {
		if (op.Pending && op.Kind == Get) || (!op.Pending && !op.OK && op.Kind != CAS) {
			st.dropped++
			continue
		}
		in := kvInput{kind: op.Kind, key: op.Key, value: op.Value, expect: op.Expect}
		out := kvOutput{value: op.Output, ok: op.OK}
		ret := op.Return
		if op.Pending {
			out = kvOutput{pending: true}
			ret = end
			st.pending++
		}
		keys[op.Key] = true
		history = append(history, porcupine.Operation{
			ClientId: op.Client,
			Input:    in,
			Call:     op.Call,
			Output:   out,
			Return:   ret,
			Metadata: i,
		})
	}
	st.checked = len(history)
	st.keys = len(keys)
	return history, st, nil
}

// describeOp renders an Op the way the visualization does.
func describeOp(op Op) string {
	out := kvOutput{value: op.Output, ok: op.OK, pending: op.Pending}
	return describeOperation(kvInput{kind: op.Kind, key: op.Key, value: op.Value, expect: op.Expect}, out)
}

// maxKeysInDetail and maxOpsInDetail keep a failure detail to a few lines.
const (
	maxKeysInDetail = 3
	maxOpsInDetail  = 3
)

func describeHistoryOp(op porcupine.Operation) string {
	ret := fmt.Sprintf("%d", op.Return)
	if op.Output.(kvOutput).pending {
		ret = "end"
	}
	return fmt.Sprintf("%s [op #%d, client %d, %d..%s ns]",
		describeOperation(op.Input, op.Output), op.Metadata.(int), op.ClientId, op.Call, ret)
}
