package linearizability

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checks"
)

// ModelInfo describes one model a history can be checked against.
type ModelInfo struct {
	Name string
	Help string
	Ops  []string // the operations it accepts
}

// hIn and hOut are the porcupine input and output of a HistoryOp.
type hIn struct {
	op, key, value, expect string
	client                 int
}

type hOut struct {
	value   string
	null    bool
	values  string // a set read: the set's encoding
	ok      bool
	pending bool // outcome unknown: constrains nothing
}

// historyModel is one sequential specification.
type historyModel struct {
	ModelInfo
	keyed bool
	// reads are ops with no effect: dropped when pending.
	reads []string
	// needs returns an error when op lacks a field its kind needs.
	needs func(op HistoryOp) error
	step  func(state string, in hIn, out hOut) (bool, string)
	show  func(state string) string
}

var historyModels = []historyModel{registerModel(false), registerModel(true), setModel, queueModel, mutexModel}

// Models lists the models [CheckHistory] accepts, in a fixed order.
func Models() []ModelInfo {
	out := make([]ModelInfo, len(historyModels))
	for i, m := range historyModels {
		out[i] = m.ModelInfo
	}
	return out
}

// ModelNames lists the models' names.
func ModelNames() []string {
	var names []string
	for _, m := range historyModels {
		names = append(names, m.Name)
	}
	return names
}

func lookupModel(name string) (historyModel, error) {
	for _, m := range historyModels {
		if m.Name == name {
			return m, nil
		}
	}
	return historyModel{}, fmt.Errorf("unknown model %q (accepted: %s)", name, strings.Join(ModelNames(), ", "))
}

// Register and key-value states: "" is never written (a read of null, or
// of "", matches it); "=v" holds v.
const unset = ""

func regValue(state string) string { return strings.TrimPrefix(state, "=") }

func registerModel(keyed bool) historyModel {
	m := historyModel{keyed: keyed}
	read, write := "read", "write"
	if keyed {
		read, write = "get", "put"
		m.ModelInfo = ModelInfo{Name: "kv", Help: "a key-value store: get, put, append, cas on each key (a missing key reads as null or \"\")",
			Ops: []string{"get", "put", "append", "cas"}}
	} else {
		m.ModelInfo = ModelInfo{Name: "register", Help: "one read/write register with compare-and-set (no keys; unwritten reads as null or \"\")",
			Ops: []string{"read", "write", "cas"}}
	}
	m.reads = []string{read}
	m.needs = func(op HistoryOp) error {
		if op.Op == read && !op.Pending && op.OK && (!op.HasOutput || op.Values != nil) {
			return fmt.Errorf(`%s needs "output": the value read (a string, a number or null)`, read)
		}
		return nil
	}
	m.step = func(st string, in hIn, out hOut) (bool, string) {
		switch in.op {
		case read:
			if out.null {
				return st == unset, st
			}
			return st != unset && regValue(st) == out.value || st == unset && out.value == "", st
		case write:
			return true, "=" + in.value
		case "append":
			return true, "=" + regValue(st) + in.value
		case "cas":
			matched := regValue(st) == in.expect // unset is "" here, as for a read
			next := st
			if matched {
				next = "=" + in.value
			}
			return out.pending || out.ok == matched, next
		}
		return false, st
	}
	m.show = func(st string) string {
		if st == unset {
			return "null"
		}
		return strconv.Quote(regValue(st))
	}
	return m
}

// Set and queue states: each element as NUL then the element, so the empty
// set is "" and {""} is "\x00". A set's elements are sorted.
func elems(state string) []string {
	if state == "" {
		return nil
	}
	return strings.Split(state, "\x00")[1:]
}

func encode(es []string) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteByte(0)
		b.WriteString(e)
	}
	return b.String()
}

func encodeSet(es []string) string {
	s := slices.Clone(es)
	slices.Sort(s)
	return encode(slices.Compact(s))
}

func showList(state, open, close string) string {
	es := elems(state)
	q := make([]string, len(es))
	for i, e := range es {
		q[i] = strconv.Quote(e)
	}
	return open + strings.Join(q, ", ") + close
}

func noNUL(op HistoryOp) error {
	if strings.ContainsRune(op.Value, 0) || slices.ContainsFunc(op.Values, func(s string) bool { return strings.ContainsRune(s, 0) }) ||
		strings.ContainsRune(op.Output, 0) {
		return errors.New("values may not contain a NUL character")
	}
	return nil
}

var setModel = historyModel{
	ModelInfo: ModelInfo{Name: "set", Help: "a set of strings: add, remove, read (output: the whole set as an array)",
		Ops: []string{"add", "remove", "read"}},
	keyed: true,
	reads: []string{"read"},
	needs: func(op HistoryOp) error {
		if op.Op == "read" && !op.Pending && op.OK && op.Values == nil {
			return errors.New(`read needs "output": the set read, as an array`)
		}
		return noNUL(op)
	},
	step: func(st string, in hIn, out hOut) (bool, string) {
		es := elems(st)
		switch in.op {
		case "add":
			return true, encodeSet(append(es, in.value))
		case "remove":
			return true, encode(slices.DeleteFunc(es, func(e string) bool { return e == in.value }))
		case "read":
			return out.values == st, st
		}
		return false, st
	},
	show: func(st string) string { return showList(st, "{", "}") },
}

var queueModel = historyModel{
	ModelInfo: ModelInfo{Name: "queue", Help: "a FIFO queue: enqueue, dequeue (output: the value, or null when empty)",
		Ops: []string{"enqueue", "dequeue"}},
	keyed: true,
	needs: func(op HistoryOp) error {
		if op.Op == "dequeue" && !op.Pending && op.OK && (!op.HasOutput || op.Values != nil) {
			return errors.New(`dequeue needs "output": the value dequeued, or null for an empty queue`)
		}
		return noNUL(op)
	},
	step: func(st string, in hIn, out hOut) (bool, string) {
		es := elems(st)
		switch in.op {
		case "enqueue":
			return true, encode(append(es, in.value))
		case "dequeue":
			switch {
			case out.pending:
				if len(es) == 0 {
					return true, st
				}
				return true, encode(es[1:])
			case out.null:
				return len(es) == 0, st
			case len(es) == 0 || es[0] != out.value:
				return false, st
			}
			return true, encode(es[1:])
		}
		return false, st
	},
	show: func(st string) string { return showList(st, "[", "]") },
}

// Mutex states: "" is free, otherwise the holder's client id.
var mutexModel = historyModel{
	ModelInfo: ModelInfo{Name: "mutex", Help: "a lock held by one client at a time: acquire, release (by the holder)",
		Ops: []string{"acquire", "release"}},
	keyed: true,
	needs: func(HistoryOp) error { return nil },
	step: func(st string, in hIn, out hOut) (bool, string) {
		me := strconv.Itoa(in.client)
		switch in.op {
		case "acquire":
			if st == "" {
				return true, me
			}
			return out.pending, st // a pending acquire of a held lock never got it
		case "release":
			if st == me {
				return true, ""
			}
			return out.pending, st
		}
		return false, st
	},
	show: func(st string) string {
		if st == "" {
			return "free"
		}
		return "held by client " + st
	},
}

// porcupine returns the porcupine model of m, partitioned by key in sorted
// key order.
func (m historyModel) porcupine() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			return partitionBy(history, func(op porcupine.Operation) string { return op.Input.(hIn).key })
		},
		Init: func() any { return "" },
		Step: func(state, input, output any) (bool, any) {
			return m.step(state.(string), input.(hIn), output.(hOut))
		},
		Hash: func(state any) uint64 {
			h := fnv.New64a()
			h.Write([]byte(state.(string)))
			return h.Sum64()
		},
		DescribeOperation: func(input, output any) string { return m.describeOperation(input.(hIn), output.(hOut)) },
		DescribeState:     func(state any) string { return m.show(state.(string)) },
		DescribeOperationMetadata: func(info any) string {
			if info == nil {
				return ""
			}
			return fmt.Sprintf("line %d", info.(int))
		},
	}
}

func (m historyModel) describeOperation(in hIn, out hOut) string {
	var args []string
	if m.keyed {
		args = append(args, strconv.Quote(in.key))
	}
	switch in.op {
	case "cas":
		args = append(args, strconv.Quote(in.expect), strconv.Quote(in.value))
	case "write", "put", "append", "add", "remove", "enqueue":
		args = append(args, strconv.Quote(in.value))
	}
	s := in.op + "(" + strings.Join(args, ", ") + ")"
	switch {
	case out.pending:
		s += " -> pending"
	case in.op == "cas":
		s += fmt.Sprintf(" -> %v", out.ok)
	case m.Name == "set" && in.op == "read":
		s += " -> " + showList(out.values, "{", "}")
	case in.op == "read" || in.op == "get" || in.op == "dequeue":
		if out.null {
			s += " -> null"
		} else {
			s += " -> " + strconv.Quote(out.value)
		}
	}
	return s
}

// partitionBy groups operations by key, keys in sorted order and operations
// in history order.
func partitionBy(history []porcupine.Operation, key func(porcupine.Operation) string) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := key(op)
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

// CheckHistory reports whether ops is a linearizable history of the named
// model (see [Models]). It returns an error, naming the line, for an unknown
// model or an operation the model cannot read; otherwise a [checks.Result]
// that is OK, Fail or Unknown exactly as for [Check].
//
// A pending operation stays open until the end of the history. A pending
// read (read, get, a set's read) has no effect and is dropped, and so is an
// operation with ok false, except a cas, where ok false means that the
// comparison failed.
func CheckHistory(ops []HistoryOp, model string, opts Options) (checks.Result, error) {
	m, err := lookupModel(model)
	if err != nil {
		return checks.Result{}, err
	}
	if opts.Timeout < 0 {
		return checks.Result{}, fmt.Errorf("invalid Options.Timeout %v: want >= 0 (0 means no limit)", opts.Timeout)
	}
	history, st, err := m.toHistory(ops)
	if err != nil {
		return checks.Result{}, err
	}
	summary := fmt.Sprintf("model %s: %s", m.Name, st.historyString(m.keyed))
	if len(history) == 0 {
		return checks.Passf(Name, "%s; nothing to check", summary), nil
	}
	pm := m.porcupine()
	sp := spec{
		model: pm,
		label: func(part []porcupine.Operation) string {
			if !m.keyed {
				return ""
			}
			return fmt.Sprintf("key %q", part[0].Input.(hIn).key)
		},
		describe: func(op porcupine.Operation) string {
			ret := strconv.FormatInt(op.Return, 10)
			if op.Output.(hOut).pending {
				ret = "end"
			}
			return fmt.Sprintf("%s [line %d, client %d, %d..%s]", m.describeOperation(op.Input.(hIn), op.Output.(hOut)),
				op.Metadata.(int), op.ClientId, op.Call, ret)
		},
	}
	v := decide(sp, history, opts)
	switch v.outcome {
	case linearizable:
		return checks.Passf(Name, "linearizable: %s", summary), nil
	case undecided:
		return checks.Unknownf(Name, "undecided: the check hit its %v wall-clock timeout (%s); the limit depends on machine speed", opts.Timeout, summary), nil
	}
	r := checks.Failf(Name, "not linearizable: %s; %s", v.detail, summary)
	if opts.VisualizeDir != "" && v.hasInfo {
		path, err := writeVisualization(opts.VisualizeDir, historyOpsName(m.Name, ops), pm, v.info)
		if err != nil {
			r.Detail += fmt.Sprintf("; visualization not written: %v", err)
		} else {
			r.Artifact = path
			r.Detail += "; visualization: " + path
		}
	}
	return r, nil
}

// CheckHistoryFile reads the history at path and checks it; see
// [ParseHistory] and [CheckHistory]. An error means bad input: the file
// cannot be read, a line is malformed, or the model cannot read an op.
func CheckHistoryFile(path, model string, opts Options) (checks.Result, error) {
	if _, err := lookupModel(model); err != nil {
		return checks.Result{}, err
	}
	ops, err := ReadHistoryFile(path)
	if err != nil {
		return checks.Result{}, err
	}
	r, err := CheckHistory(ops, model, opts)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// toHistory validates ops against m and converts them to porcupine
// operations; the metadata of each is its line (or its index + 1).
func (m historyModel) toHistory(ops []HistoryOp) ([]porcupine.Operation, historyStats, error) {
	var st historyStats
	var end int64
	for i, op := range ops {
		line := op.Line
		if line == 0 {
			line = i + 1
		}
		fail := func(err error) error { return &LineError{Line: line, Err: err} }
		if !slices.Contains(m.Ops, op.Op) {
			return nil, st, fail(fmt.Errorf("model %s has no op %q (accepted: %s)", m.Name, op.Op, strings.Join(m.Ops, ", ")))
		}
		if !m.keyed && op.Key != "" {
			return nil, st, fail(fmt.Errorf("model %s takes no key (got %q); use model kv for keys", m.Name, op.Key))
		}
		if !op.Pending && op.Return < op.Call {
			return nil, st, fail(fmt.Errorf("return %d is before call %d", op.Return, op.Call))
		}
		if err := m.needs(op); err != nil {
			return nil, st, fail(err)
		}
		end = max(end, op.Call)
		if !op.Pending {
			end = max(end, op.Return)
		}
	}
	end++
	keys := map[string]bool{}
	history := make([]porcupine.Operation, 0, len(ops))
	for i, op := range ops {
		read := slices.Contains(m.reads, op.Op)
		if (op.Pending && read) || (!op.Pending && !op.OK && op.Op != "cas") {
			st.dropped++
			continue
		}
		line := op.Line
		if line == 0 {
			line = i + 1
		}
		in := hIn{op: op.Op, key: op.Key, value: op.Value, expect: op.Expect, client: op.Client}
		out := hOut{value: op.Output, null: op.OutputNull, ok: op.OK}
		if op.Values != nil {
			out.values = encodeSet(op.Values)
		}
		ret := op.Return
		if op.Pending {
			out = hOut{pending: true}
			ret = end
			st.pending++
		}
		keys[op.Key] = true
		history = append(history, porcupine.Operation{ClientId: op.Client, Input: in, Call: op.Call, Output: out, Return: ret, Metadata: line})
	}
	st.checked = len(history)
	st.keys = len(keys)
	return history, st, nil
}

// historyOpsName names the visualization of a history after a hash of it.
func historyOpsName(model string, ops []HistoryOp) string {
	h := fnv.New64a()
	fmt.Fprintln(h, model)
	for _, op := range ops {
		fmt.Fprintf(h, "%d|%q|%q|%q|%q|%q|%t|%q|%t|%d|%d|%t\n", op.Client, op.Op, op.Key, op.Value, op.Expect, op.Output,
			op.OutputNull, op.Values, op.OK, op.Call, op.Return, op.Pending)
	}
	return fmt.Sprintf("history-%016x.html", h.Sum64())
}
