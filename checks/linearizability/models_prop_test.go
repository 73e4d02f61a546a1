package linearizability

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

// seqHistory runs a sequential reference implementation of model on random
// non-overlapping operations on one key, and ends with an observation
// (a read, or a dequeue) whose output the caller may corrupt.
func seqHistory(t *rapid.T, model string) []HistoryOp {
	var ops []HistoryOp
	now := int64(0)
	var reg *string
	var set []string
	var queue []string
	n := rapid.IntRange(0, 30).Draw(t, "n")
	add := func(op HistoryOp) {
		now += 2
		op.Call, op.Return, op.OK, op.Line = now, now+1, true, len(ops)+1
		ops = append(ops, op)
	}
	for i := range n {
		v := fmt.Sprint("v", rapid.IntRange(0, 3).Draw(t, "v"))
		client := rapid.IntRange(0, 3).Draw(t, "client")
		switch model {
		case "register":
			if rapid.Bool().Draw(t, "write") {
				reg = &v
				add(HistoryOp{Client: client, Op: "write", Value: v})
			} else if reg == nil {
				add(HistoryOp{Client: client, Op: "read", HasOutput: true, OutputNull: true})
			} else {
				add(HistoryOp{Client: client, Op: "read", HasOutput: true, Output: *reg})
			}
		case "set":
			switch rapid.IntRange(0, 2).Draw(t, "kind") {
			case 0:
				if !slices.Contains(set, v) {
					set = append(set, v)
				}
				add(HistoryOp{Client: client, Op: "add", Value: v})
			case 1:
				set = slices.DeleteFunc(set, func(e string) bool { return e == v })
				add(HistoryOp{Client: client, Op: "remove", Value: v})
			default:
				add(HistoryOp{Client: client, Op: "read", HasOutput: true, Values: append([]string{}, set...)})
			}
		case "queue":
			if rapid.Bool().Draw(t, "enqueue") {
				v = fmt.Sprint("e", i) // distinct, so any reordering shows
				queue = append(queue, v)
				add(HistoryOp{Client: client, Op: "enqueue", Value: v})
			} else if len(queue) == 0 {
				add(HistoryOp{Client: client, Op: "dequeue", HasOutput: true, OutputNull: true})
			} else {
				add(HistoryOp{Client: client, Op: "dequeue", HasOutput: true, Output: queue[0]})
				queue = queue[1:]
			}
		}
	}
	switch model {
	case "register":
		if reg == nil {
			add(HistoryOp{Op: "read", HasOutput: true, OutputNull: true})
		} else {
			add(HistoryOp{Op: "read", HasOutput: true, Output: *reg})
		}
	case "set":
		add(HistoryOp{Op: "read", HasOutput: true, Values: append([]string{}, set...)})
	case "queue":
		if len(queue) == 0 {
			add(HistoryOp{Op: "dequeue", HasOutput: true, OutputNull: true})
		} else {
			add(HistoryOp{Op: "dequeue", HasOutput: true, Output: queue[0]})
		}
	}
	return ops
}

// TestPropertySequentialHistoriesPass, and the planted bug: corrupting the
// final observation of a sequential history makes it fail.
func TestPropertySequentialHistories(t *testing.T) {
	for _, model := range []string{"register", "set", "queue"} {
		t.Run(model, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				ops := seqHistory(t, model)
				r, err := CheckHistory(ops, model, Options{Timeout: 10 * time.Second})
				if err != nil || r.Outcome != checks.OK {
					t.Fatalf("sequential history: %v %v", r, err)
				}
				last := &ops[len(ops)-1]
				switch {
				case model == "set":
					last.Values = append(last.Values, "never-added")
				case last.OutputNull:
					last.OutputNull, last.Output = false, "never-written"
				default:
					last.Output = "never-written"
				}
				r, err = CheckHistory(ops, model, Options{Timeout: 10 * time.Second})
				if err != nil || r.Outcome != checks.Fail {
					t.Fatalf("corrupted history: %v %v", r, err)
				}
				again, _ := CheckHistory(ops, model, Options{Timeout: 10 * time.Second})
				if again != r {
					t.Fatalf("two checks differ:\n%v\n%v", r, again)
				}
			})
		})
	}
}
