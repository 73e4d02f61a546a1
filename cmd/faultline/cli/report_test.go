package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readReport returns the report at path, failing t unless it is a whole
// HTML page with the replay command in it.
func readReport(t *testing.T, path, replay string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	page := string(b)
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.HasSuffix(page, "</html>\n") || !strings.Contains(page, replay) {
		t.Fatalf("report %s is not a whole page with %q (%d bytes)", path, replay, len(b))
	}
	return page
}

func TestRunReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.html")
	code, out, errOut := cli("run", "pingpong", "--seed", "7", "--set", "loss=0.1", "--report", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (loss fails pingpong): %s", code, errOut)
	}
	page := readReport(t, path, "faultline run pingpong --seed 7 --set loss=0.1")
	for _, want := range []string{`"status":"fail"`, `"all_balls_arrive"`, `"msgs":[[`} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	// The report does not change the run.
	_, plain, _ := cli("run", "pingpong", "--seed", "7", "--set", "loss=0.1")
	if plain != out {
		t.Errorf("--report changed the output:\n%s\nvs\n%s", out, plain)
	}
}

func TestSweepReportIsTheFirstFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sweep.html")
	code, _, errOut := cli("sweep", "pingpong", "--seeds", "0-5", "--set", "loss=0.2", "--report", path, "-q")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "report of seed 0 written to "+path) {
		t.Errorf("stderr does not name the report: %q", errOut)
	}
	readReport(t, path, "faultline run pingpong --seed 0 --set loss=0.2")
	// No failure, no report.
	none := filepath.Join(dir, "none.html")
	if code, _, errOut := cli("sweep", "pingpong", "--seeds", "0-2", "--report", none, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(none); err == nil {
		t.Error("a sweep without failures wrote a report")
	}
}

func TestShrinkReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shrink.html")
	faults := filepath.Join(dir, "min.faults")
	code, _, errOut := cli("shrink", "example-register", "--seed", "0", "--out", faults, "--report", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	readReport(t, path, "--faults "+faults)
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "d.html")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		errHas string
	}{
		{[]string{"run", "pingpong", "--report", filepath.Join(dir, "r.txt")}, `--report "` + filepath.Join(dir, "r.txt") + `": want a file name ending in .html`},
		{[]string{"run", "pingpong", "--report", filepath.Join(dir, "nodir", "r.html")}, "--report " + filepath.Join(dir, "nodir", "r.html") + ": directory"},
		{[]string{"sweep", "pingpong", "--seeds", "0-1", "--report", sub}, "is a directory"},
		{[]string{"shrink", "pingpong", "--seed", "1", "--report", "x.svg"}, "want a file name ending in .html"},
	} {
		code, _, errOut := cli(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.errHas) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, errOut, tc.errHas)
		}
	}
}

// A scenario without series of its own (kv) plots the traffic its trace
// shows, and its output is the same as without --plot.
func TestPlotConsistencyScenario(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.svg")
	code, out, errOut := cli("run", "kv", "--seed", "2", "--plot", path, "--artifacts", dir)
	if code > 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no plot: %v (%s)", err, errOut)
	}
	for _, want := range []string{"messages_sent_per_s", "messages_dropped_per_s", "shaded: "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("plot lacks %q", want)
		}
	}
	if _, plain, _ := cli("run", "kv", "--seed", "2", "--artifacts", dir); plain != out {
		t.Errorf("--plot changed the output:\n%s\nvs\n%s", out, plain)
	}
}
