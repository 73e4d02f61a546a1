package linearizability

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// toHistoryOps renders Check's ops as the kv model's history ops.
func toHistoryOps(ops []Op) []HistoryOp {
	out := make([]HistoryOp, len(ops))
	for i, op := range ops {
		h := HistoryOp{Line: i + 1, Client: op.Client, Op: op.Kind.String(), Key: op.Key, Value: op.Value, Expect: op.Expect,
			OK: op.OK, Call: op.Call, Return: op.Return, Pending: op.Pending}
		switch op.Kind {
		case Put:
			h.Op = "put"
		case Get:
			h.HasOutput, h.Output = true, op.Output
		}
		out[i] = h
	}
	return out
}

// TestKVModelsAgree: Check and CheckHistory with the kv model are two
// implementations of one specification; on any history, sequential or
// made concurrent, with pending ops and corrupted reads, they give the same
// verdict.
func TestKVModelsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := kvHistory(t)
		for i := range ops {
			switch rapid.IntRange(0, 5).Draw(t, "change") {
			case 0: // widen: overlap with neighbours
				ops[i].Call -= rapid.Int64Range(0, 20).Draw(t, "earlier")
				ops[i].Return += rapid.Int64Range(0, 20).Draw(t, "later")
			case 1:
				if ops[i].Kind != Get {
					ops[i].Pending = true
				}
			case 2:
				if ops[i].Kind == Get {
					ops[i].Output = rapid.SampledFrom([]string{"", "v0", "v1v2", "never"}).Draw(t, "output")
				}
			}
		}
		a := Check(ops, Options{Timeout: 10 * time.Second})
		b, err := CheckHistory(toHistoryOps(ops), "kv", Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if a.Outcome != b.Outcome {
			t.Fatalf("Check: %v\nCheckHistory: %v", a, b)
		}
	})
}
