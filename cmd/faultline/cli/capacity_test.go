package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad SLOs, load ranges and load files exit 2 with one line that names
// the input and what is accepted.
func TestCapacityBadInput(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.load")
	if err := os.WriteFile(badFile, []byte("0s 10\n5s ten\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"capacity", "queue", "--load", "rate=10..50", "--levels", "2", "--seeds", "2", "-q"}
	for _, tc := range []struct {
		name   string
		args   []string
		errHas string
	}{
		{"no slo", []string{"capacity", "queue", "--load", "rate=10..50"}, "--slo is required"},
		{"slo no operator", append(base, "--slo", "latency_p99_ms"), `--slo "latency_p99_ms": want METRIC<BOUND`},
		{"slo bad bound", append(base, "--slo", "latency_p99_ms<fast"), `bound "fast" is not a number`},
		{"slo unknown metric", append(base, "--slo", "p99<5"), `unknown metric "p99" (accepted: `},
		{"slo lists accepted", append(base, "--slo", "p99<5"), "latency_p99_ms, "},
		{"no load", []string{"capacity", "queue", "--slo", "latency_p99_ms<5"}, "--load is required"},
		{"bad load", []string{"capacity", "queue", "--slo", "latency_p99_ms<5", "--load", "rate=50..10"}, "want key=LO..HI"},
		{"load not a param", []string{"capacity", "queue", "--slo", "latency_p99_ms<5", "--load", "speed=1..2"}, "--load speed: scenario queue has no such parameter"},
		{"load also set", append(base, "--slo", "latency_p99_ms<5", "--set", "rate=3"), "--load rate: also given with --set"},
		{"load level refused", []string{"capacity", "queue", "--slo", "latency_p99_ms<5", "--load", "rate=1..1e9"}, "parameter rate"},
		{"vary the load", append(base, "--slo", "latency_p99_ms<5", "--vary", "rate=1,2"), "it is the --load parameter"},
		{"bad levels", append(base, "--slo", "latency_p99_ms<5", "--levels", "1"), "--levels 1"},
		{"bad format", append(base, "--slo", "latency_p99_ms<5", "--format", "xml"), `--format "xml"`},
		{"bad load file line", append(base, "--slo", "latency_p99_ms<5", "--set", "load_shape=file:"+badFile), "bad.load:2: \"5s ten\""},
		{"missing load file", append(base, "--slo", "latency_p99_ms<5", "--set", "load_shape=file:"+filepath.Join(dir, "none")), "--set load_shape"},
		{"replay ignores rate", append(base, "--slo", "latency_p99_ms<5", "--set", "load_shape=replay:0s=4"), "ignores rate"},
		{"bad load shape", append(base, "--slo", "latency_p99_ms<5", "--set", "load_shape=wave:2"), `unknown kind "wave"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
			}
			if !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("stderr %q, want it to hold %q", errOut, tc.errHas)
			}
			if strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 {
				t.Fatalf("not one line: %q", errOut)
			}
		})
	}
}

func TestCapacityRuns(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "c.svg")
	code, out, errOut := cli("capacity", "queue", "--slo", "latency_p99_ms<150", "--load", "rate=20..90", "--levels", "3",
		"--seeds", "4", "--set", "duration=10s", "--vary", "workers=2,3", "--plot", plot, "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"capacity of queue: the largest rate meeting latency_p99_ms<150", "workers=2: capacity rate=", "workers=3: ", "← capacity"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st, err := os.Stat(plot); err != nil || st.Size() < 1000 {
		t.Fatalf("plot: %v", err)
	}
	code, out, errOut = cli("capacity", "queue", "--slo", "latency_p99_ms<150", "--load", "rate=20..90", "--levels", "3",
		"--seeds", "4", "--set", "duration=10s", "--format", "json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Scenario string `json:"scenario"`
		Rows     []struct {
			Capacity *float64 `json:"capacity"`
			Levels   []struct {
				Load     float64  `json:"load"`
				Verdicts []string `json:"verdicts"`
			} `json:"levels"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if res.Scenario != "queue" || len(res.Rows) != 1 || len(res.Rows[0].Levels) != 3 || res.Rows[0].Capacity == nil {
		t.Fatalf("unexpected JSON:\n%s", out)
	}
}

// A run that fails a check still counts in the curve, and the command
// exits 1 with a replay line, as compare does. (queue's erlang_c check
// fails near saturation, and is unknown below 2000 requests, which is
// not a failure.)
func TestCapacityReportsFailedRuns(t *testing.T) {
	code, _, errOut := cli("capacity", "queue", "--slo", "latency_p99_ms<200", "--load", "rate=40..99", "--levels", "3", "--seeds", "3", "-q")
	if code != exitFail || !strings.Contains(errOut, "runs failed") || !strings.Contains(errOut, "replay the first: faultline run queue --seed ") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
