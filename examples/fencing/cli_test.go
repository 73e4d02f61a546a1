package fencing_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fencingBin builds this module's own binary, as a user would.
func fencingBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fencing")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/fencing").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestOwnBinary runs the module's own binary as its README does: every
// faultline command works on the user's scenario, and names the user's
// binary in its replay lines.
func TestOwnBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := fencingBin(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"list", []string{"list", "fencing"}, 0, []string{"fencing", "n1 = lock server"}},
		{"sweep finds the planted bug, deterministically",
			[]string{"sweep", "fencing", "--seeds", "0-99", "--set", "fenced=false", "--set", "nemesis=true", "--check-determinism", "-q"}, 1,
			[]string{"100 runs, 6 failed (ok 94, fail 6)", "failed seeds: 33 38 63 73 78 87", "replay: fencing run fencing --seed 33 --set fenced=false --set nemesis=true"}},
		{"sweep in worker processes, the same results",
			[]string{"sweep", "fencing", "--seeds", "0-99", "--set", "fenced=false", "--set", "nemesis=true", "--isolate", "-j", "2", "-q"}, 1,
			[]string{"100 runs, 6 failed (ok 94, fail 6)", "failed seeds: 33 38 63 73 78 87", "trace_hash 547985185243fbee"}},
		{"sweep of the fixed lock",
			[]string{"sweep", "fencing", "--seeds", "0-99", "--set", "nemesis=true", "-q"}, 0,
			[]string{"100 runs, 0 failed (ok 100)"}},
		{"shrink to the one pause",
			[]string{"shrink", "fencing", "--seed", "33", "--set", "fenced=false", "--set", "nemesis=true", "--out", filepath.Join(dir, "f33.faults")}, 0,
			[]string{"shrunk      18 faults to 1", "at 1.08s pause n3 for 135ms", "replay      fencing run fencing --seed 33"}},
		{"compare", []string{"compare", "fencing", "--vary", "fenced=true,false", "--seeds", "20", "--set", "nemesis=true", "--set", "nemesis.kinds=pause", "--metrics", "writes_accepted,writes_refused", "-q"}, 1,
			[]string{"fenced", "writes_refused", "0/20", "failed a check"}},
		{"run with a plot", []string{"run", "fencing", "--seed", "33", "--set", "fenced=false", "--set", "nemesis=true", "--plot", filepath.Join(dir, "f33.svg")}, 1,
			[]string{"fail     fenced_writes", "replay      fencing run fencing --seed 33"}},
		{"bad input", []string{"run", "fencing", "--set", "lease=0s"}, 2, []string{"parameter lease"}},
		{"unknown scenario", []string{"run", "kv"}, 2, []string{`unknown scenario "kv" (accepted: fencing)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if st, err := os.Stat(filepath.Join(dir, "f33.svg")); err != nil || st.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
}
