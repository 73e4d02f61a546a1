package linearizability

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
)

func TestParseHistory(t *testing.T) {
	in := `{"client":1,"op":"write","value":"a","call":0,"return":10}

{"op":"read","output":"a","call":11,"return":12,"client":2}
{"op":"cas","expect":1,"value":2.5,"ok":false,"call":13,"return":14}
{"op":"read","output":["x",3],"call":15,"return":16}
{"op":"dequeue","output":null,"call":17,"return":null}
`
	ops, err := ParseHistory(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 5 {
		t.Fatalf("%d ops, want 5", len(ops))
	}
	w := ops[0]
	if w.Line != 1 || w.Client != 1 || w.Op != "write" || w.Value != "a" || w.Return != 10 || !w.OK || w.Pending {
		t.Errorf("op 0: %+v", w)
	}
	if r := ops[1]; r.Line != 3 || !r.HasOutput || r.Output != "a" || r.Client != 2 {
		t.Errorf("op 1 (line 3): %+v", r)
	}
	if c := ops[2]; c.Expect != "1" || c.Value != "2.5" || c.OK {
		t.Errorf("numbers are kept as written and ok false is read: %+v", c)
	}
	if s := ops[3]; len(s.Values) != 2 || s.Values[1] != "3" {
		t.Errorf("array output: %+v", s)
	}
	if d := ops[4]; !d.OutputNull || !d.Pending {
		t.Errorf("null output and null return: %+v", d)
	}
}

func TestParseHistoryErrors(t *testing.T) {
	ok := `{"op":"read","output":"a","call":1,"return":2}` + "\n"
	tests := []struct {
		name, in string
		line     int
		want     string
	}{
		{"truncated last line", ok + `{"op":"write","value":"a","ca`, 2, "truncated"},
		{"unknown field", ok + ok + `{"op":"write","vlaue":"a","call":1}`, 3, `unknown field "vlaue"`},
		{"return before call", `{"op":"write","call":5,"return":4}`, 1, "return 4 is before call 5"},
		{"missing op", `{"call":5,"return":6}`, 1, `missing "op"`},
		{"missing call", `{"op":"read","output":"a"}`, 1, `missing "call"`},
		{"not an object", ok + `[1,2]`, 2, "want"},
		{"garbage", `hello`, 1, "not a JSON object"},
		{"wrong type", `{"op":"read","call":"soon"}`, 1, `"call"`},
		{"two objects", `{"op":"read","call":1} {"op":"read","call":2}`, 1, "more than one JSON value"},
		{"bool value", `{"op":"write","value":true,"call":1}`, 1, `"value": want a string or a number`},
		{"long line", ok + `{"op":"write","value":"` + strings.Repeat("x", maxLineBytes) + `","call":1}`, 2, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHistory(strings.NewReader(tt.in))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a LineError", err)
			}
			if le.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want line %d and %q", err, tt.line, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not start with its line", err)
			}
		})
	}
}

// FuzzParseHistory: the parser never panics, and what it accepts is
// well-formed: lines in increasing order, a return never before its call.
func FuzzParseHistory(f *testing.F) {
	f.Add(`{"op":"write","value":"a","call":0,"return":10}` + "\n" + `{"op":"read","output":null,"call":1}`)
	f.Add(`{"op":"read","output":["a",1],"call":1,"return":2}`)
	f.Add(`{"op":"cas","expect":"a","value":"b","ok":false,"call":3,"return":3}` + "\n\n")
	f.Add(`{"op":"x","call":1`)
	f.Fuzz(func(t *testing.T, in string) {
		ops, err := ParseHistory(strings.NewReader(in))
		if err != nil {
			var le *LineError
			if errors.As(err, &le) && le.Line < 1 {
				t.Fatalf("line %d in %v", le.Line, err)
			}
			return
		}
		last := 0
		for _, op := range ops {
			if op.Line <= last || op.Op == "" || (!op.Pending && op.Return < op.Call) {
				t.Fatalf("bad op %+v after line %d", op, last)
			}
			last = op.Line
			for _, m := range ModelNames() {
				_, _ = CheckHistory([]HistoryOp{op}, m, Options{Timeout: time.Second})
			}
		}
	})
}

func hop(line, client int, op, key, value string, call, ret int64) HistoryOp {
	return HistoryOp{Line: line, Client: client, Op: op, Key: key, Value: value, OK: true, Call: call, Return: ret}
}

func out(op HistoryOp, v string) HistoryOp { op.Output, op.HasOutput = v, true; return op }
func null(op HistoryOp) HistoryOp          { op.OutputNull, op.HasOutput = true, true; return op }
func vals(op HistoryOp, v ...string) HistoryOp {
	op.Values, op.HasOutput = append([]string{}, v...), true
	return op
}
func pend(op HistoryOp) HistoryOp { op.Pending, op.Return = true, 0; return op }

func TestModels(t *testing.T) {
	tests := []struct {
		name, model string
		ops         []HistoryOp
		want        checks.Outcome
		inDetail    string
	}{
		{"register: read of nothing is null", "register", []HistoryOp{null(hop(1, 0, "read", "", "", 0, 1)), hop(2, 0, "write", "", "1", 2, 3), out(hop(3, 1, "read", "", "", 4, 5), "1")}, checks.OK, ""},
		{"register: stale read", "register", []HistoryOp{hop(1, 0, "write", "", "1", 0, 1), hop(2, 0, "write", "", "2", 2, 3), out(hop(3, 1, "read", "", "", 4, 5), "1")}, checks.Fail,
			`cannot place: read() -> "1" [line 3, client 1, 4..5]`},
		{"register: concurrent write may be read", "register", []HistoryOp{hop(1, 0, "write", "", "1", 0, 10), out(hop(2, 1, "read", "", "", 4, 5), "1")}, checks.OK, ""},
		{"register: cas", "register", []HistoryOp{hop(1, 0, "write", "", "1", 0, 1), {Line: 2, Op: "cas", Expect: "1", Value: "2", OK: true, Call: 2, Return: 3},
			{Line: 3, Op: "cas", Expect: "1", Value: "3", OK: false, Call: 4, Return: 5}, out(hop(4, 1, "read", "", "", 6, 7), "2")}, checks.OK, ""},
		{"register: pending write may have happened", "register", []HistoryOp{pend(hop(1, 0, "write", "", "1", 0, 0)), out(hop(2, 1, "read", "", "", 4, 5), "1")}, checks.OK, ""},
		{"kv: keys are independent", "kv", []HistoryOp{hop(1, 0, "put", "a", "1", 0, 1), hop(2, 0, "append", "a", "2", 2, 3), out(hop(3, 1, "get", "a", "", 4, 5), "12"), null(hop(4, 1, "get", "b", "", 4, 5))}, checks.OK, ""},
		{"kv: lost append", "kv", []HistoryOp{hop(1, 0, "put", "a", "1", 0, 1), hop(2, 0, "append", "a", "2", 2, 3), out(hop(3, 1, "get", "a", "", 4, 5), "1")}, checks.Fail, `key "a"`},
		{"set: add and read", "set", []HistoryOp{hop(1, 0, "add", "s", "x", 0, 1), hop(2, 1, "add", "s", "y", 0, 1), vals(hop(3, 0, "read", "s", "", 2, 3), "y", "x"),
			hop(4, 0, "remove", "s", "x", 4, 5), vals(hop(5, 0, "read", "s", "", 6, 7), "y")}, checks.OK, ""},
		{"set: lost add", "set", []HistoryOp{hop(1, 0, "add", "s", "x", 0, 1), vals(hop(2, 0, "read", "s", "", 2, 3))}, checks.Fail, `read("s") -> {}`},
		{"queue: fifo", "queue", []HistoryOp{hop(1, 0, "enqueue", "", "a", 0, 1), hop(2, 0, "enqueue", "", "b", 2, 3), out(hop(3, 1, "dequeue", "", "", 4, 5), "a"),
			out(hop(4, 1, "dequeue", "", "", 6, 7), "b"), null(hop(5, 1, "dequeue", "", "", 8, 9))}, checks.OK, ""},
		{"queue: lifo is not fifo", "queue", []HistoryOp{hop(1, 0, "enqueue", "", "a", 0, 1), hop(2, 0, "enqueue", "", "b", 2, 3), out(hop(3, 1, "dequeue", "", "", 4, 5), "b")}, checks.Fail, "dequeue"},
		{"queue: concurrent enqueues in either order", "queue", []HistoryOp{hop(1, 0, "enqueue", "", "a", 0, 10), hop(2, 1, "enqueue", "", "b", 0, 10), out(hop(3, 1, "dequeue", "", "", 11, 12), "b")}, checks.OK, ""},
		{"mutex: one holder at a time", "mutex", []HistoryOp{hop(1, 0, "acquire", "", "", 0, 1), hop(2, 0, "release", "", "", 2, 3), hop(3, 1, "acquire", "", "", 4, 5)}, checks.OK, ""},
		{"mutex: two holders", "mutex", []HistoryOp{hop(1, 0, "acquire", "", "", 0, 1), hop(2, 1, "acquire", "", "", 2, 3)}, checks.Fail, "acquire"},
		{"mutex: release by another client", "mutex", []HistoryOp{hop(1, 0, "acquire", "", "", 0, 1), hop(2, 1, "release", "", "", 2, 3)}, checks.Fail, "release"},
		{"mutex: a pending acquire of a held lock", "mutex", []HistoryOp{hop(1, 0, "acquire", "", "", 0, 1), pend(hop(2, 1, "acquire", "", "", 2, 0))}, checks.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := CheckHistory(tt.ops, tt.model, Options{Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != tt.want || !strings.Contains(r.Detail, tt.inDetail) {
				t.Fatalf("%v: %s; want %v with %q", r.Outcome, r.Detail, tt.want, tt.inDetail)
			}
		})
	}
}

func TestCheckHistoryInputErrors(t *testing.T) {
	tests := []struct {
		name, model string
		ops         []HistoryOp
		want        string
	}{
		{"unknown model", "stack", nil, `unknown model "stack" (accepted: register, kv, set, queue, mutex)`},
		{"op of another model", "set", []HistoryOp{hop(4, 0, "write", "", "1", 0, 1)}, `line 4: model set has no op "write" (accepted: add, remove, read)`},
		{"register has no keys", "register", []HistoryOp{hop(2, 0, "write", "x", "1", 0, 1)}, "line 2: model register takes no key"},
		{"read without output", "register", []HistoryOp{hop(7, 0, "read", "", "", 0, 1)}, `line 7: read needs "output"`},
		{"set read of a scalar", "set", []HistoryOp{out(hop(1, 0, "read", "", "", 0, 1), "x")}, "as an array"},
		{"dequeue without output", "queue", []HistoryOp{hop(3, 0, "dequeue", "", "", 0, 1)}, "line 3: dequeue needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckHistory(tt.ops, tt.model, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckHistoryFile(t *testing.T) {
	_, err := CheckHistoryFile("testdata/missing.jsonl", "kv", Options{})
	if err == nil {
		t.Fatal("missing file accepted")
	}
	r, err := CheckHistoryFile("testdata/porcupine/kv_c01_bad.jsonl", "kv", Options{VisualizeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != checks.Fail || r.Artifact == "" || !strings.Contains(r.Detail, "[line ") {
		t.Fatalf("got %v", r)
	}
}
