package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/sim"
)

var update = flag.Bool("faultline.update", false, "rewrite golden trace files instead of comparing with them")

// Update reports whether -faultline.update was given.
func Update() bool { return *update }

// Record runs scenario with the settings set for seed and returns its
// trace as JSON Lines, with the result.
func Record(s *scenarios.Scenario, set map[string]string, seed uint64) ([]byte, *scenarios.Result, error) {
	v, err := s.Values(set)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	sink := sim.NewJSONLSink(&buf)
	res := scenarios.Execute(s, v, seed, scenarios.Options{Sink: sink})
	if err := sink.Flush(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), res, nil
}

// Trace runs scenario for seed, compares its trace with the file at path
// (relative to the test's package, e.g. "testdata/seed7.jsonl") and fails
// t on a difference. With -faultline.update it writes the file instead.
// It returns the run's result.
func Trace(t testing.TB, path string, scenario *scenarios.Scenario, set map[string]string, seed uint64) *scenarios.Result {
	t.Helper()
	got, res, err := Record(scenario, set, seed)
	if err != nil {
		t.Fatal(err)
	}
	Compare(t, path, got, fmt.Sprintf("trace of %s (hash %s)", res.Replay, res.TraceHash))
	return res
}

// Compare compares got with the file at path and fails t with the first
// differing line; what names the data in the message. With
// -faultline.update it writes got to path (creating its directory).
func Compare(t testing.TB, path string, got []byte, what string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := outfile.Write(path, got); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d lines)", path, lines(got))
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("golden file %s does not exist; create it with -faultline.update", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(want, got); d != "" {
		t.Fatalf("%s differs from %s (rewrite it with -faultline.update if the change is intended):\n%s", what, path, d)
	}
}

func lines(b []byte) int { return len(splitLines(b)) }

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// context is how many equal lines Diff shows before the first difference.
const context = 2

// Diff returns "" when want and got are equal, and otherwise a short
// report: the line count of each, the first differing line number, a few
// equal lines before it, and the two versions of that line (a missing
// line shows as "(end of file)").
func Diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	w, g := splitLines(want), splitLines(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "want %d lines, got %d; first difference at line %d:\n", len(w), len(g), i+1)
	for j := max(0, i-context); j < i; j++ {
		fmt.Fprintf(&b, "  %5d   %s\n", j+1, w[j])
	}
	line := func(ls []string) string {
		if i < len(ls) {
			return ls[i]
		}
		return "(end of file)"
	}
	if i >= len(w) && i >= len(g) {
		// Equal lines: the files differ only in the final newline.
		fmt.Fprintf(&b, "  the files differ only in their final newline\n")
		return b.String()
	}
	fmt.Fprintf(&b, "- %5d   %s\n", i+1, line(w))
	fmt.Fprintf(&b, "+ %5d   %s\n", i+1, line(g))
	return b.String()
}
