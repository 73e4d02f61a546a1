package proptest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/pingpong"
)

// crashy fails in the ways a world can take its process down, by seed:
// seed 1 panics in a goroutine the node code started, seed 2 overflows
// its stack, seed 3 never returns, seed 4 fails a check; seed 0 is fine.
var crashy = &scenarios.Scenario{
	Name: "crashy", Summary: "planted crashes by seed",
	Run: func(r *scenarios.Run) error {
		switch r.Seed {
		case 1:
			block := make(chan struct{})
			go func() { panic("planted goroutine panic") }()
			<-block
		case 2:
			_ = deep(0)
		case 3:
			for spinning.Load() { // a handler that never returns
			}
		case 4:
			r.Check(checks.Result{Name: "planted", Outcome: checks.Fail, Detail: "planted check failure"})
		}
		return nil
	},
}

//go:noinline
func deep(n int) int {
	var pad [1024]byte
	pad[n%1024] = byte(n)
	if n < 0 {
		return 0
	}
	return deep(n+1) + int(pad[3])
}

// TestHelperCrashyProperty runs crashy; TestIsolateProperty runs it in
// child processes with -faultline.isolate.
func TestHelperCrashyProperty(t *testing.T) {
	if os.Getenv("FAULTLINE_PROPTEST_HELPER") != "1" {
		t.Skip("run by TestIsolateProperty")
	}
	Run(t, crashy, nil)
}

func TestIsolateProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child test processes")
	}
	tests := []struct {
		seed string
		want []string
	}{ // seed 3 alone needs the wall limit: a stack overflow takes seconds
		{"0", []string{"PASS"}},
		{"1", []string{"status crash", "panic: planted goroutine panic", "faultline run crashy --seed 1", "-faultline.seed=1"}},
		{"2", []string{"status crash", "stack overflow", "faultline run crashy --seed 2"}},
		{"3", []string{"status limit", "wall_time", "faultline run crashy --seed 3"}},
		{"4", []string{"status fail", "planted check failure", "faultline run crashy --seed 4"}},
	}
	for _, tt := range tests {
		t.Run("seed="+tt.seed, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrashyProperty$", "-test.v",
				"-faultline.isolate", "-faultline.max-wall="+wall(tt.seed), "-faultline.determinism=0", "-faultline.seed="+tt.seed)
			cmd.Env = append(os.Environ(), "FAULTLINE_PROPTEST_HELPER=1")
			out, err := cmd.CombinedOutput()
			log := string(out)
			if (err == nil) != (tt.seed == "0") {
				t.Fatalf("exit error %v:\n%s", err, log)
			}
			// The test process itself survived: it printed its verdict.
			if !strings.Contains(log, "--- ") {
				t.Fatalf("the test process did not report the seed:\n%s", log)
			}
			for _, want := range tt.want {
				if !strings.Contains(log, want) {
					t.Errorf("output lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

var spinning atomic.Bool

func init() { spinning.Store(true) }

func wall(seed string) string {
	if seed == "3" {
		return "1s"
	}
	return "1m"
}

// Isolated seeds give the results that in-process seeds give.
func TestIsolatedSameHashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	setFlag(t, "faultline.seeds", "0-5")
	set := map[string]string{"nemesis": "true", "loss": "0.01"}
	hashes := func() []string {
		var out []string
		Seeds(t, pingpong.Scenario, set, func(t *testing.T, res *scenarios.Result) {
			out = append(out, res.Status+" "+res.TraceHash)
		})
		return out
	}
	in := hashes()
	setFlag(t, "faultline.isolate", "true")
	iso := hashes()
	if len(in) != 6 || !slices.Equal(in, iso) {
		t.Fatalf("in process %v, isolated %v", in, iso)
	}
}
