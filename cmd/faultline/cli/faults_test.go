package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFaultsFlag(t *testing.T) {
	good := writeFile(t, "good.txt", "# a GC pause and a clogged link\nat 2ms pause n2 for 5ms\nat 1ms clog n1->n3 x4 for 10ms\n")
	code, out, errOut := cli("run", "pingpong", "--faults", good)
	if code != 0 {
		t.Fatalf("good file: exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"note        fault: at 2ms pause n2 for 5ms", "replay      faultline run pingpong --seed 0 --faults " + good} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	tests := []struct {
		name, text string
		args       []string
		want       string
	}{
		{"syntax", "at 1s crash n1\nat 2s crsh n2\n", nil, "bad.txt:2: unknown fault kind \"crsh\""},
		{"node beyond the cluster", "\n\nat 1s crash n4\n", []string{"--set", "nodes=3"}, "bad.txt:3: unknown node \"n4\": the cluster has 3 nodes"},
		{"negative duration", "at 1s crash n1 for -1s\n", nil, "bad.txt:1: duration 'for -1s'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := writeFile(t, "bad.txt", tc.text)
			trace := filepath.Join(t.TempDir(), "trace.jsonl")
			args := append([]string{"run", "pingpong", "--faults", bad, "--trace", trace}, tc.args...)
			code, out, errOut := cli(args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2: %s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("stderr %q, want one line with %q", errOut, tc.want)
			}
			if _, err := os.Stat(trace); err == nil {
				t.Fatal("a run with bad input wrote its trace")
			}
		})
	}
	if code, _, errOut := cli("run", "pingpong", "--faults", filepath.Join(t.TempDir(), "missing.txt")); code != 2 || !strings.Contains(errOut, "--faults") {
		t.Fatalf("missing file: exit %d, %q", code, errOut)
	}
}

func TestTracePerfetto(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	code, _, errOut := cli("run", "pingpong", "--set", "hops=3", "--trace", path, "--trace-format", "perfetto")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Ph string `json:"ph"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("perfetto trace is not JSON: %v", err)
	}
	ph := map[string]int{}
	for _, e := range doc.TraceEvents {
		ph[e.Ph]++
	}
	if ph["M"] == 0 || ph["s"] != 9 || ph["f"] != 9 {
		t.Fatalf("event phases %v, want metadata and 9 flows", ph)
	}
	if code, _, errOut := cli("run", "pingpong", "--trace", path, "--trace-format", "svg"); code != 2 || !strings.Contains(errOut, "--trace-format") {
		t.Fatalf("bad trace format: exit %d, %q", code, errOut)
	}
}
