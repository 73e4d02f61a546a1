package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
)

// cliPanic panics on odd seeds and fails on multiples of 4.
var cliPanic = &scenarios.Scenario{
	Name:    "cli-panic",
	Summary: "panics on odd seeds, fails on multiples of 4",
	Run: func(r *scenarios.Run) error {
		if r.Seed%2 == 1 {
			panic("odd seed")
		}
		if err := r.World.Run(); err != nil {
			return err
		}
		if r.Seed%4 == 0 {
			r.Check(checks.Failf("planted", "seed %d", r.Seed))
		} else {
			r.Check(checks.Pass("planted"))
		}
		return nil
	},
}

func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.jsonl")
	if code, _, e := cli("sweep", "cli-panic", "--seeds", "0-3", "--out", other, "-q"); code != 1 {
		t.Fatalf("exit %d: %s", code, e)
	}
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"no seeds", []string{"sweep", "pingpong"}, "--seeds is required"},
		{"empty range", []string{"sweep", "pingpong", "--seeds", "0"}, "empty range"},
		{"reversed", []string{"sweep", "pingpong", "--seeds", "9-3"}, "reversed range"},
		{"not a range", []string{"sweep", "pingpong", "--seeds", "a-b"}, "--seeds \"a-b\""},
		{"bad shard", []string{"sweep", "pingpong", "--seeds", "0-9", "--shard", "4/4"}, "--shard \"4/4\": want i/n with 0 ≤ i < n"},
		{"malformed shard", []string{"sweep", "pingpong", "--seeds", "0-9", "--shard", "x"}, "--shard"},
		{"bad -j", []string{"sweep", "pingpong", "--seeds", "0-9", "-j", "-2"}, "-j -2"},
		{"non-numeric -j", []string{"sweep", "pingpong", "--seeds", "0-9", "-j", "many"}, "many"},
		{"resume without out", []string{"sweep", "pingpong", "--seeds", "0-9", "--resume"}, "--resume needs --out"},
		{"resume other scenario", []string{"sweep", "pingpong", "--seeds", "0-9", "--out", other, "--resume"}, `seed 0 is from scenario "cli-panic", not "pingpong"`},
		{"out exists", []string{"sweep", "cli-panic", "--seeds", "0-9", "--out", other}, "already holds results"},
		{"bad param", []string{"sweep", "pingpong", "--seeds", "0-9", "--set", "loss=2"}, "parameter loss"},
		{"bad format", []string{"sweep", "pingpong", "--seeds", "0-9", "--format", "csv"}, "--format"},
		{"unknown scenario", []string{"sweep", "nope", "--seeds", "0-9"}, "unknown scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.errHas) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q, want 2 and %q on one line", code, errOut, tt.errHas)
			}
		})
	}
}

func sortedLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.SortFunc(lines, func(a, b string) int {
		var x, y struct{ Seed uint64 }
		_ = json.Unmarshal([]byte(a), &x)
		_ = json.Unmarshal([]byte(b), &y)
		return int(int64(x.Seed) - int64(y.Seed))
	})
	return lines
}

// -j 1 and -j 4 give the same results and the same output.
func TestSweepIdenticalForAnyJ(t *testing.T) {
	dir := t.TempDir()
	var outs []string
	var files [][]string
	for _, j := range []string{"1", "4"} {
		p := filepath.Join(dir, "j"+j+".jsonl")
		code, out, e := cli("sweep", "pingpong", "--seeds", "0-39", "--set", "loss=0.01", "-j", j, "--out", p)
		if code != 1 {
			t.Fatalf("-j %s: exit %d: %s", j, code, e)
		}
		outs = append(outs, out)
		files = append(files, sortedLines(t, p))
	}
	if outs[0] != outs[1] || !slices.Equal(files[0], files[1]) || len(files[0]) != 40 {
		t.Fatalf("-j 1 and -j 4 differ:\n%s\n%s", outs[0], outs[1])
	}
	for _, want := range []string{"sweep pingpong seeds 0-39: 40 runs,", "failed seeds: 0 3 4", "replay: faultline run pingpong --seed 0 --set loss=0.01"} {
		if !strings.Contains(outs[0], want) {
			t.Fatalf("no %q in\n%s", want, outs[0])
		}
	}
}

func TestSweepJSONShape(t *testing.T) {
	code, out, e := cli("sweep", "cli-panic", "--seeds", "1-8", "--format", "json", "-j", "3")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var sum struct {
		Scenario     string         `json:"scenario"`
		Runs         int            `json:"runs"`
		Failed       []uint64       `json:"failed"`
		Statuses     map[string]int `json:"statuses"`
		FirstFailure struct {
			Seed   uint64 `json:"seed"`
			Status string `json:"status"`
			Replay string `json:"replay"`
		} `json:"first_failure"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	// Panics on odd seeds do not stop the sweep.
	if sum.Scenario != "cli-panic" || sum.Runs != 8 || !slices.Equal(sum.Failed, []uint64{1, 3, 4, 5, 7, 8}) ||
		sum.Statuses["panic"] != 4 || sum.Statuses["ok"] != 2 || sum.FirstFailure.Seed != 1 || sum.FirstFailure.Status != "panic" ||
		sum.FirstFailure.Replay != "faultline run cli-panic --seed 1" {
		t.Fatalf("%s", out)
	}
	if code, out, _ := cli("sweep", "pingpong", "--seeds", "1-3", "--format", "json"); code != 0 || !strings.Contains(out, `"failed": []`) || !strings.Contains(out, `"first_failure": null`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestSweepFailFast(t *testing.T) {
	for _, j := range []string{"1", "2", "4"} {
		code, out, _ := cli("sweep", "pingpong", "--seeds", "1-50", "--set", "loss=0.01", "--fail-fast", "-j", j)
		if code != 1 || !strings.HasPrefix(out, "sweep pingpong seeds 1-50: 3 runs, 1 failed") || !strings.Contains(out, "--seed 3") {
			t.Fatalf("-j %s: exit %d\n%s", j, code, out)
		}
	}
}

// A sweep killed mid-write leaves a torn line; --resume drops it, skips
// the seeds done, and ends with the same stream as an uninterrupted one.
func TestSweepResumeAfterTornLine(t *testing.T) {
	dir := t.TempDir()
	full, part := filepath.Join(dir, "full.jsonl"), filepath.Join(dir, "part.jsonl")
	args := []string{"sweep", "pingpong", "--seeds", "0-29", "--set", "loss=0.01", "-j", "2"}
	code, want, _ := cli(append(args, "--out", full)...)
	if code != 1 {
		t.Fatal(code)
	}
	b, _ := os.ReadFile(full)
	lines := bytes.SplitAfter(b, []byte("\n"))
	torn := append(bytes.Join(lines[:12], nil), lines[12][:40]...)
	if err := os.WriteFile(part, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	code, got, e := cli(append(args, "--out", part, "--resume")...)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if !strings.Contains(got, "12 resumed from --out") || strings.Replace(got, ", 12 resumed from --out", "", 1) != want {
		t.Fatalf("resumed output:\n%s\nwant:\n%s", got, want)
	}
	if b2, _ := os.ReadFile(part); !bytes.Equal(b, b2) {
		t.Fatal("resumed stream differs from the full one")
	}
	// Resuming a finished sweep runs nothing and reports the same.
	if code, again, _ := cli(append(args, "--out", part, "--resume")...); code != 1 || !strings.Contains(again, "30 resumed") {
		t.Fatalf("exit %d\n%s", code, again)
	}
}

func TestSweepInterruptReportsPartialAndExits130(t *testing.T) {
	old := notifyInterrupt
	defer func() { notifyInterrupt = old }()
	notifyInterrupt = func(io.Writer) (<-chan struct{}, func()) {
		c := make(chan struct{})
		close(c)
		return c, func() {}
	}
	code, out, _ := cli("sweep", "pingpong", "--seeds", "0-100000", "--set", "loss=0.01")
	if code != exitInterrupted || !strings.Contains(out, "INTERRUPTED") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = cli("compare", "pingpong", "--vary", "loss=0,0.01", "--seeds", "100000")
	if code != exitInterrupted {
		t.Fatalf("compare: exit %d\n%s", code, out)
	}
}

func TestShardsMerge(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, shard := range []string{"0/3", "1/3", "2/3"} {
		p := filepath.Join(dir, strings.ReplaceAll(shard, "/", "of")+".jsonl")
		if code, _, e := cli("sweep", "pingpong", "--seeds", "0-19", "--set", "loss=0.01", "--shard", shard, "--out", p); code > 1 {
			t.Fatal(e)
		}
		files = append(files, p)
	}
	_, whole, _ := cli("sweep", "pingpong", "--seeds", "0-19", "--set", "loss=0.01")
	merged := filepath.Join(dir, "merged.jsonl")
	code, out, e := cli(append([]string{"merge", "--seeds", "0-19", "--out", merged}, files...)...)
	if code != 1 || out != whole {
		t.Fatalf("exit %d %s\nmerge:\n%s\nwhole sweep:\n%s", code, e, out, whole)
	}
	if lines := sortedLines(t, merged); len(lines) != 20 {
		t.Fatalf("%d merged lines", len(lines))
	}
	other := filepath.Join(dir, "other.jsonl")
	cli("sweep", "pingpong", "--seeds", "20-21", "--out", other)
	torn := filepath.Join(dir, "torn.jsonl")
	b, _ := os.ReadFile(files[2])
	os.WriteFile(torn, b[:len(b)-10], 0o644)
	bad := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"missing", []string{files[0], files[2]}, "7 missing: 7 8 9 10 11 12 13 ("},
		{"many missing", append([]string{"--seeds", "0-999"}, files...), "980 missing: 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 … and 960 more ("},
		{"duplicate", []string{files[0], files[1], files[1]}, "seed 7 is in both"},
		{"other params", []string{files[0], other}, "other parameters"},
		{"outside", []string{"--seeds", "0-6", files[0], files[1]}, "outside"},
		{"torn", []string{files[0], files[1], torn}, "torn"},
		{"none", nil, "want one or more"},
		{"no such file", []string{filepath.Join(dir, "nope")}, "nope"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			code, _, e := cli(append([]string{"merge"}, tt.args...)...)
			if code != 2 || !strings.Contains(e, tt.errHas) {
				t.Fatalf("exit %d: %s", code, e)
			}
		})
	}
}

func TestProgressPlainLines(t *testing.T) {
	old := plainEvery
	defer func() { plainEvery = old }()
	plainEvery = 0
	var buf bytes.Buffer
	p := newProgress(&buf, "faultline sweep x", 4, false)
	for i := range 4 {
		p.add(i == 1)
	}
	p.finish()
	text := buf.String()
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		n++
		if !strings.HasPrefix(sc.Text(), "faultline sweep x: ") || !strings.Contains(sc.Text(), "ETA") {
			t.Fatalf("line %q", sc.Text())
		}
	}
	if n != 3 || !strings.Contains(text, "3/4 runs (75%), 1 failed") {
		t.Fatalf("%d lines:\n%s", n, text)
	}
	var quiet bytes.Buffer
	q := newProgress(&quiet, "x", 4, true)
	q.add(false)
	if quiet.Len() != 0 {
		t.Fatal("--quiet printed progress")
	}
}

func TestProgressBarOnTerminal(t *testing.T) {
	old := isTerminal
	defer func() { isTerminal = old }()
	isTerminal = func(io.Writer) bool { return true }
	var buf bytes.Buffer
	p := newProgress(&buf, "sweep x", 10, false)
	if _, ok := p.(*barProgress); !ok {
		t.Fatalf("got %T on a terminal", p)
	}
	for range 10 {
		p.add(false)
	}
	p.finish()
	if !strings.Contains(buf.String(), "sweep x") || !strings.Contains(buf.String(), "/10, ") {
		t.Fatalf("%q", buf.String())
	}
}
