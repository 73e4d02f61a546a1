package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios/pingpong"
)

var pingSet = map[string]string{"hops": "3", "loss": "0.1", "latency": "uniform:1ms-3ms"}

func TestPingpongGolden(t *testing.T) {
	res := Trace(t, filepath.Join("testdata", "pingpong-seed7.jsonl"), pingpong.Scenario, pingSet, 7)
	if res.Events == 0 {
		t.Fatal("empty run")
	}
}

func TestDeterministic(t *testing.T) {
	a, ra, err := Record(pingpong.Scenario, pingSet, 11)
	if err != nil {
		t.Fatal(err)
	}
	b, rb, _ := Record(pingpong.Scenario, pingSet, 11)
	if d := Diff(a, b); d != "" || ra.TraceHash != rb.TraceHash {
		t.Fatalf("seed 11 twice: hashes %s, %s\n%s", ra.TraceHash, rb.TraceHash, d)
	}
	c, _, _ := Record(pingpong.Scenario, pingSet, 12)
	if Diff(a, c) == "" {
		t.Fatal("seeds 11 and 12 gave the same trace")
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name, want, got string
		has             []string
	}{
		{"equal", "a\nb\n", "a\nb\n", nil},
		{"changed", "a\nb\nc\nd\n", "a\nb\nX\nd\n", []string{"first difference at line 3", "      2   b", "-     3   c", "+     3   X"}},
		{"shorter", "a\nb\n", "a\n", []string{"want 2 lines, got 1", "-     2   b", "+     2   (end of file)"}},
		{"longer", "a\n", "a\nb\n", []string{"-     2   (end of file)", "+     2   b"}},
		{"newline", "a\nb", "a\nb\n", []string{"final newline"}},
	} {
		d := Diff([]byte(tc.want), []byte(tc.got))
		if (d == "") != (tc.has == nil) {
			t.Errorf("%s: Diff = %q", tc.name, d)
		}
		for _, h := range tc.has {
			if !strings.Contains(d, h) {
				t.Errorf("%s: Diff lacks %q:\n%s", tc.name, h, d)
			}
		}
	}
}

// fakeT records a failure instead of stopping the test.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func TestCompareReportsMismatchAndUpdates(t *testing.T) {
	saved := *update
	defer func() { *update = saved }()
	*update = false
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "g.jsonl")
	capture := func(got string) (msg string) {
		f := &fakeT{TB: t}
		defer func() {
			if r := recover(); r != nil && r != any(f) {
				panic(r)
			}
			msg = f.msg
		}()
		Compare(f, path, []byte(got), "the data")
		return ""
	}
	if msg := capture("x\n"); !strings.Contains(msg, "does not exist") {
		t.Fatalf("missing file: %q", msg)
	}
	*update = true
	capture("a\nb\n")
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("update wrote %q, %v", b, err)
	}
	if msg := capture("a\nb\n"); msg != "" {
		t.Fatalf("equal data failed: %s", msg)
	}
	if msg := capture("a\nc\n"); !strings.Contains(msg, "the data differs from") || !strings.Contains(msg, "+     2   c") {
		t.Fatalf("mismatch message: %q", msg)
	}
}
