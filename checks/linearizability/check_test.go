package linearizability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func get(c int, key, out string, call, ret int64) Op {
	return Op{Client: c, Kind: Get, Key: key, Output: out, OK: true, Call: call, Return: ret}
}

func put(c int, key, val string, call, ret int64) Op {
	return Op{Client: c, Kind: Put, Key: key, Value: val, OK: true, Call: call, Return: ret}
}

func appendOp(c int, key, val string, call, ret int64) Op {
	return Op{Client: c, Kind: Append, Key: key, Value: val, OK: true, Call: call, Return: ret}
}

func cas(c int, key, expect, val string, ok bool, call, ret int64) Op {
	return Op{Client: c, Kind: CAS, Key: key, Expect: expect, Value: val, OK: ok, Call: call, Return: ret}
}

func pending(op Op) Op {
	op.Pending = true
	op.Return = 0
	op.Output = "garbage"
	return op
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		ops  []Op
		want checks.Outcome
		// wantInDetail are substrings the detail must contain.
		wantInDetail []string
	}{
		{
			name: "empty history",
			want: checks.OK,
		},
		{
			name: "sequential",
			ops: []Op{
				get(0, "x", "", 0, 10),
				put(0, "x", "1", 20, 30),
				get(1, "x", "1", 40, 50),
				appendOp(1, "x", "2", 60, 70),
				get(0, "x", "12", 80, 90),
				get(0, "y", "", 80, 90),
			},
			want: checks.OK,
		},
		{
			name: "concurrent overlapping ops that linearize",
			ops: []Op{
				put(0, "x", "1", 0, 100),
				get(1, "x", "", 10, 20),
				get(2, "x", "1", 30, 40),
				put(3, "x", "2", 50, 150),
				get(1, "x", "1", 60, 70),
				get(2, "x", "2", 80, 90),
			},
			want: checks.OK,
		},
		{
			name: "closed intervals: ops touching at one instant are concurrent",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				get(1, "x", "", 10, 20),
			},
			want: checks.OK,
		},
		{
			name: "read goes backwards among overlapping ops",
			ops: []Op{
				put(0, "x", "1", 0, 100),
				get(1, "x", "1", 10, 20),
				get(2, "x", "", 30, 40),
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x"`},
		},
		{
			name: "stale read after a later put completed",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				put(0, "x", "2", 20, 30),
				get(1, "x", "1", 40, 50),
				get(1, "y", "", 40, 50),
			},
			want:         checks.Fail,
			wantInDetail: []string{`1 of 2 keys fail`, `key "x"`, `get("x") -> "1" [op #2, client 1, 40..50 ns]`},
		},
		{
			name: "duplicated append",
			ops: []Op{
				appendOp(0, "x", "a", 0, 10),
				appendOp(1, "x", "b", 20, 30),
				get(2, "x", "aab", 40, 50),
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x"`, `"aab"`},
		},
		{
			name: "lost update",
			ops: []Op{
				appendOp(0, "x", "a", 0, 10),
				appendOp(1, "x", "b", 20, 30),
				get(2, "x", "b", 40, 50),
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x"`},
		},
		{
			name: "pending put may have happened",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				pending(put(1, "x", "2", 20, 0)),
				get(2, "x", "2", 30, 40),
			},
			want: checks.OK,
		},
		{
			name: "pending put may not have happened",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				pending(put(1, "x", "2", 20, 0)),
				get(2, "x", "1", 30, 40),
				get(2, "x", "1", 1000, 1010),
			},
			want: checks.OK,
		},
		{
			name: "pending put takes effect once: no going back",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				pending(put(1, "x", "2", 20, 0)),
				get(2, "x", "2", 30, 40),
				get(2, "x", "1", 50, 60),
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x"`},
		},
		{
			name: "pending put cannot explain a read before its call",
			ops: []Op{
				get(0, "x", "1", 0, 10),
				pending(put(1, "x", "1", 50, 0)),
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "x"`, `put("x", "1") -> pending`, `50..end ns`},
		},
		{
			name: "pending put cannot explain a value never written",
			ops: []Op{
				pending(put(1, "x", "1", 0, 0)),
				get(0, "x", "3", 10, 20),
			},
			want: checks.Fail,
		},
		{
			name: "pending get is dropped",
			ops: []Op{
				put(0, "x", "1", 0, 10),
				pending(get(1, "x", "", 20, 0)),
			},
			want:         checks.OK,
			wantInDetail: []string{"1 ops on 1 keys checked", "1 dropped"},
		},
		{
			name: "failed get and failed put are dropped",
			ops: []Op{
				{Kind: Put, Key: "x", Value: "9", OK: false, Call: 0, Return: 5},
				put(0, "x", "1", 10, 20),
				{Kind: Get, Key: "x", Output: "", OK: false, Call: 30, Return: 40},
				get(0, "x", "1", 50, 60),
			},
			want: checks.OK,
		},
		{
			name: "pending append may apply",
			ops: []Op{
				appendOp(0, "x", "a", 0, 10),
				pending(appendOp(1, "x", "b", 20, 0)),
				get(0, "x", "ab", 30, 40),
			},
			want: checks.OK,
		},
		{
			name: "cas success and failure",
			ops: []Op{
				cas(0, "x", "", "1", true, 0, 10),
				cas(1, "x", "", "2", false, 20, 30),
				cas(1, "x", "1", "2", true, 40, 50),
				get(0, "x", "2", 60, 70),
			},
			want: checks.OK,
		},
		{
			name: "two sequential cas from the same expected value both succeed",
			ops: []Op{
				cas(0, "x", "", "1", true, 0, 10),
				cas(1, "x", "", "2", true, 20, 30),
			},
			want:         checks.Fail,
			wantInDetail: []string{`cas("x", "", "2") -> true`},
		},
		{
			name: "two concurrent cas from the same expected value both succeed",
			ops: []Op{
				cas(0, "x", "", "1", true, 0, 30),
				cas(1, "x", "", "2", true, 10, 40),
			},
			want: checks.Fail,
		},
		{
			name: "cas reports failure although the value matched",
			ops: []Op{
				put(0, "x", "a", 0, 10),
				cas(1, "x", "a", "b", false, 20, 30),
			},
			want: checks.Fail,
		},
		{
			name: "concurrent cas: one wins, one loses",
			ops: []Op{
				cas(0, "x", "", "1", true, 0, 30),
				cas(1, "x", "", "2", false, 10, 40),
				get(2, "x", "1", 50, 60),
			},
			want: checks.OK,
		},
		{
			name: "pending cas may have swapped",
			ops: []Op{
				put(0, "x", "a", 0, 10),
				pending(cas(1, "x", "a", "b", false, 20, 0)),
				get(0, "x", "b", 30, 40),
			},
			want: checks.OK,
		},
		{
			name: "pending cas cannot swap when the value does not match",
			ops: []Op{
				put(0, "x", "z", 0, 10),
				pending(cas(1, "x", "a", "b", true, 20, 0)),
				get(0, "x", "b", 30, 40),
			},
			want: checks.Fail,
		},
		{
			name: "several failing keys are named in sorted order",
			ops: []Op{
				get(0, "b", "1", 0, 10),
				get(0, "a", "1", 0, 10),
				get(0, "c", "", 0, 10),
			},
			want:         checks.Fail,
			wantInDetail: []string{`2 of 3 keys fail: key "a"`, `; key "b"`},
		},
		{
			name: "zero kind is invalid",
			ops:  []Op{{Key: "x", Call: 0, Return: 1}},
			want: checks.Unknown,
			wantInDetail: []string{
				"op 0: invalid kind Kind(0)",
			},
		},
		{
			name:         "return before call is invalid",
			ops:          []Op{put(0, "x", "1", 10, 5)},
			want:         checks.Unknown,
			wantInDetail: []string{"op 0", "return 5 ns is before call 10 ns"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, Options{})
			if r.Outcome != tt.want {
				t.Fatalf("outcome %v, want %v; detail: %s", r.Outcome, tt.want, r.Detail)
			}
			if r.Name != Name {
				t.Errorf("name %q, want %q", r.Name, Name)
			}
			for _, s := range tt.wantInDetail {
				if !strings.Contains(r.Detail, s) {
					t.Errorf("detail %q does not contain %q", r.Detail, s)
				}
			}
			if r.Artifact != "" {
				t.Errorf("artifact %q without VisualizeDir", r.Artifact)
			}
		})
	}
}

func TestCheckNegativeTimeout(t *testing.T) {
	r := Check([]Op{put(0, "x", "1", 0, 1)}, Options{Timeout: -time.Second})
	if r.Outcome != checks.Unknown || !strings.Contains(r.Detail, "Options.Timeout") {
		t.Errorf("got %v", r)
	}
}

// unfinishableHistory is a single-key history that no machine can check:
// n puts of distinct values all overlap, and a get after all of them returns
// a value none wrote. Proving it wrong means trying every subset of the puts
// with every last writer (about n·2^(n-1) states), so a short timeout always
// fires first, however fast the CPU.
func unfinishableHistory(n int) []Op {
	var ops []Op
	for i := range n {
		ops = append(ops, put(i, "x", fmt.Sprint(i), 0, 1000))
	}
	return append(ops, get(n, "x", "never-written", 2000, 2010))
}

func TestCheckTimeoutIsUnknown(t *testing.T) {
	// The same shape, small, is decided: it is wrong by construction.
	if r := Check(unfinishableHistory(4), Options{}); r.Outcome != checks.Fail {
		t.Fatalf("small history: outcome %v, want fail; detail: %s", r.Outcome, r.Detail)
	}
	ops := unfinishableHistory(40)
	r := Check(ops, Options{Timeout: time.Millisecond})
	if r.Outcome != checks.Unknown {
		t.Fatalf("outcome %v, want unknown; detail: %s", r.Outcome, r.Detail)
	}
	if r.OK() {
		t.Error("unknown result reported ok")
	}
	if !strings.Contains(r.Detail, "timeout") {
		t.Errorf("detail %q does not mention the timeout", r.Detail)
	}
}

func TestVisualizationWrittenOnFailure(t *testing.T) {
	dir := t.TempDir()
	ops := []Op{
		put(0, "x", "1", 0, 10),
		put(0, "x", "2", 20, 30),
		get(1, "x", "1", 40, 50),
	}
	r := Check(ops, Options{VisualizeDir: dir})
	if r.Outcome != checks.Fail {
		t.Fatalf("outcome %v, want fail", r.Outcome)
	}
	if r.Artifact == "" || filepath.Dir(r.Artifact) != dir {
		t.Fatalf("artifact %q, want a file in %s", r.Artifact, dir)
	}
	if !strings.Contains(r.Detail, r.Artifact) {
		t.Errorf("detail %q does not name the artifact", r.Detail)
	}
	b, err := os.ReadFile(r.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<html") {
		t.Errorf("artifact is not HTML (%d bytes)", len(b))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("want exactly the visualization in %s, found %d entries (temp file left?)", dir, len(entries))
	}

	// A passing history writes nothing.
	r = Check(ops[:2], Options{VisualizeDir: dir})
	if !r.OK() || r.Artifact != "" {
		t.Errorf("passing history: %v", r)
	}
}

func TestVisualizationErrorKeepsFail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	r := Check([]Op{get(0, "x", "1", 0, 10)}, Options{VisualizeDir: dir})
	if r.Outcome != checks.Fail || r.Artifact != "" || !strings.Contains(r.Detail, "visualization not written") {
		t.Errorf("got %v", r)
	}
}

func TestCheckDeterministic(t *testing.T) {
	ops := []Op{
		put(0, "x", "1", 0, 100),
		put(1, "x", "2", 0, 100),
		get(2, "x", "3", 50, 60),
		put(0, "y", "1", 0, 10),
		get(1, "y", "", 20, 30),
	}
	first := Check(ops, Options{})
	for range 10 {
		if r := Check(ops, Options{}); r != first {
			t.Fatalf("results differ:\n%v\n%v", first, r)
		}
	}
}

// kvHistory runs a sequential in-memory key-value store on random
// non-overlapping operations and records the history.
func kvHistory(t *rapid.T) []Op {
	keys := []string{"a", "b", "c"}
	store := map[string]string{}
	n := rapid.IntRange(1, 40).Draw(t, "n")
	var ops []Op
	now := int64(0)
	for i := range n {
		op := Op{
			Client: rapid.IntRange(0, 3).Draw(t, "client"),
			Kind:   rapid.SampledFrom([]Kind{Get, Put, Append, CAS}).Draw(t, "kind"),
			Key:    rapid.SampledFrom(keys).Draw(t, "key"),
			Value:  fmt.Sprintf("v%d", i),
		}
		now += rapid.Int64Range(1, 10).Draw(t, "gap")
		op.Call = now
		switch op.Kind {
		case Get:
			op.Value = ""
			op.Output = store[op.Key]
			op.OK = true
		case Put:
			store[op.Key] = op.Value
			op.OK = true
		case Append:
			store[op.Key] += op.Value
			op.OK = true
		case CAS:
			op.Expect = rapid.SampledFrom([]string{"", store[op.Key], "v0"}).Draw(t, "expect")
			op.OK = store[op.Key] == op.Expect
			if op.OK {
				store[op.Key] = op.Value
			}
		}
		now += rapid.Int64Range(0, 10).Draw(t, "latency")
		op.Return = now
		ops = append(ops, op)
	}
	// End with a read of every key, so every history has gets to mutate.
	for _, k := range keys {
		now++
		ops = append(ops, Op{Kind: Get, Key: k, Output: store[k], OK: true, Call: now, Return: now})
	}
	return ops
}

func TestPropertySequentialKVPasses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := kvHistory(t)
		if r := Check(ops, Options{}); !r.OK() {
			t.Fatalf("sequential history rejected: %v", r)
		}
	})
}

func TestPropertyMutatedReadFails(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := kvHistory(t)
		var gets []int
		for i, op := range ops {
			if op.Kind == Get {
				gets = append(gets, i)
			}
		}
		i := rapid.SampledFrom(gets).Draw(t, "get")
		ops[i].Output = "never-written"
		r := Check(ops, Options{})
		if r.Outcome != checks.Fail {
			t.Fatalf("mutated get op #%d not caught: %v", i, r)
		}
		if !strings.Contains(r.Detail, fmt.Sprintf("key %q", ops[i].Key)) {
			t.Fatalf("detail does not name key %q: %s", ops[i].Key, r.Detail)
		}
	})
}
