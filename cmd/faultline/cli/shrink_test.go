package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/faultline/faultline/examples/register" // a scenario that takes --set faults=
	"github.com/faultline/faultline/nodes/faults"
)

func TestShrinkCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "min.faults")
	code, stdout, stderr := cli("shrink", "example-register", "--seed", "0", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"fails       no_stale_reads", "faults to 1 ", "minimal schedule:\n  at ", "workload ops 400→232", "replay      faultline run example-register --seed 0 --set ops=232 --set shuffle_ties=true --faults " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := faults.Parse(string(data), 4)
	if err != nil || len(sched.Faults) != 1 {
		t.Fatalf("written schedule: %v, %v:\n%s", sched, err, data)
	}
	// The replay line reproduces the failure through `faultline run`.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	replay := strings.TrimSpace(strings.TrimPrefix(lines[len(lines)-1], "replay"))
	args := splitShell(t, strings.TrimPrefix(replay, "faultline "))
	code, runOut, _ := cli(args...)
	if code != 1 || !strings.Contains(runOut, "fail     no_stale_reads") {
		t.Fatalf("%s: exit %d\n%s", replay, code, runOut)
	}
	// Deterministic: the same shrink twice gives the same output.
	if _, again, _ := cli("shrink", "example-register", "--seed", "0", "--out", out); again != stdout {
		t.Fatalf("second shrink differs:\n%s\nvs\n%s", again, stdout)
	}
}

// A run that fails without any fault shrinks to the empty schedule.
func TestShrinkToNoFaults(t *testing.T) {
	out := filepath.Join(t.TempDir(), "none.faults")
	code, stdout, stderr := cli("shrink", "pingpong", "--seed", "7", "--set", "loss=0.05", "--out", out)
	if code != 0 || !strings.Contains(stdout, "(none: the run fails without faults)") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
}

func TestShrinkJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "min.faults")
	code, stdout, stderr := cli("shrink", "example-register", "--seed", "0", "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var j shrinkJSON
	if err := json.Unmarshal([]byte(stdout), &j); err != nil {
		t.Fatal(err)
	}
	if j.Fails != "no_stale_reads" || len(j.Original) < 2 || len(j.Minimal) != 1 || j.Out != out || j.Runs == 0 || !strings.HasSuffix(j.Replay, "--faults "+out) {
		t.Fatalf("%+v", j)
	}
}

func TestShrinkBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		errHas string
	}{
		{"no seed", []string{"shrink", "example-register"}, "--seed is required"},
		{"bad seed", []string{"shrink", "example-register", "--seed", "x"}, "--seed"},
		{"no scenario", []string{"shrink", "--seed", "0"}, "scenario name"},
		{"unknown scenario", []string{"shrink", "nope", "--seed", "0"}, "unknown scenario"},
		{"bad set", []string{"shrink", "example-register", "--seed", "0", "--set", "quorum=maybe"}, "quorum"},
		{"not failing", []string{"shrink", "example-register", "--seed", "0", "--set", "quorum=true"}, "does not fail"},
		{"missing faults file", []string{"shrink", "example-register", "--seed", "0", "--faults", "/nonexistent.faults"}, "--faults"},
		{"bad max-runs", []string{"shrink", "example-register", "--seed", "0", "--max-runs", "0"}, "--max-runs"},
		{"bad reseed", []string{"shrink", "example-register", "--seed", "0", "--reseed", "-1"}, "--reseed"},
		{"bad explore", []string{"shrink", "example-register", "--seed", "0", "--explore", "-1"}, "--explore"},
		{"bad format", []string{"shrink", "example-register", "--seed", "0", "--format", "xml"}, "--format"},
	} {
		code, _, stderr := cli(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.errHas) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming %q", tc.name, code, stderr, tc.errHas)
		}
	}
}

// splitShell splits a replay command, honouring single quotes.
func splitShell(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			inQuote, any = !inQuote, true
		case r == ' ' && !inQuote:
			if any {
				out = append(out, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	if inQuote {
		t.Fatalf("unbalanced quote in %q", s)
	}
	return out
}
