package linearizability

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
)

// slowKey is a linearizable key that porcupine needs many seconds for: n
// concurrent appends and a read that expects them in reverse order.
func slowKey(key string, n int) []Op {
	var ops []Op
	want := ""
	for i := range n {
		v := string(rune('a' + i))
		ops = append(ops, appendOp(i, key, v, 0, 1000))
		want = v + want
	}
	return append(ops, get(n, key, want, 2000, 2100))
}

// TestFailureWithASlowKeyIsAnsweredFast: one key that fails at once and one
// that takes porcupine far longer than any limit here. The plain check
// proves the failure in milliseconds; the explanation names the failing key,
// says the other is undecided, and never calls it failing.
func TestFailureWithASlowKeyIsAnsweredFast(t *testing.T) {
	ops := append([]Op{put(0, "a", "1", 0, 10), get(1, "a", "2", 20, 30)}, slowKey("b", 11)...)
	start := time.Now()
	r := Check(ops, Options{Timeout: 5 * time.Second, ExplainTimeout: 300 * time.Millisecond})
	took := time.Since(start)
	if r.Outcome != checks.Fail {
		t.Fatalf("outcome %v, want fail; detail: %s", r.Outcome, r.Detail)
	}
	if took > 3*time.Second {
		t.Errorf("took %v; the failing key alone takes milliseconds", took)
	}
	for _, s := range []string{`key "a": only 1 of 2 ops linearize`, "1 of 2 keys undecided", "300ms limit"} {
		if !strings.Contains(r.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, r.Detail)
		}
	}
	if strings.Contains(r.Detail, `key "b": only`) {
		t.Errorf("detail calls the undecided key failing: %s", r.Detail)
	}
}

// TestNoLimitFailureEnds: with no check limit, a failing history still ends
// as soon as porcupine's plain check has proven it.
func TestNoLimitFailureEnds(t *testing.T) {
	ops := append([]Op{put(0, "a", "1", 0, 10), get(1, "a", "2", 20, 30)}, slowKey("b", 11)...)
	start := time.Now()
	r := Check(ops, Options{ExplainTimeout: 200 * time.Millisecond})
	if r.Outcome != checks.Fail || time.Since(start) > 3*time.Second {
		t.Fatalf("outcome %v after %v; detail: %s", r.Outcome, time.Since(start), r.Detail)
	}
}

// TestLimitHitIsUnknown: a history that porcupine cannot decide within the
// limit is unknown, never fail.
func TestLimitHitIsUnknown(t *testing.T) {
	r := Check(slowKey("b", 11), Options{Timeout: 100 * time.Millisecond})
	if r.Outcome != checks.Unknown {
		t.Fatalf("outcome %v, want unknown; detail: %s", r.Outcome, r.Detail)
	}
}

// TestSlowKeyDoesNotStarveTheFailingOne: the slow key sorts first and there
// is one processor; the failing key is still explained within the limit.
func TestSlowKeyDoesNotStarveTheFailingOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ops := append(slowKey("a", 11), put(0, "b", "1", 0, 10), get(1, "b", "2", 20, 30))
	r := Check(ops, Options{Timeout: 5 * time.Second, ExplainTimeout: 300 * time.Millisecond})
	if r.Outcome != checks.Fail || !strings.Contains(r.Detail, `key "b": only 1 of 2 ops linearize`) {
		t.Fatalf("got %v", r)
	}
}
