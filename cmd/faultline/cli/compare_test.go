package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareBadInput(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"unknown metric", []string{"--metrics", "passes,bogus_ms"}, `--metrics: unknown metric "bogus_ms" (accepted: `},
		{"unknown vary param", []string{"--vary", "lossy=0,0.1"}, `unknown parameter "lossy" (accepted: `},
		{"bad vary value", []string{"--vary", "hops=5,0"}, `parameter hops: bad value "0" (accepted: an integer in [1, `},
		{"malformed vary", []string{"--vary", "loss"}, "want key=v1,v2"},
		{"vary and set", []string{"--set", "loss=0.1"}, "also given with --set"},
		{"empty seeds", []string{"--seeds", "0"}, "empty range"},
		{"reversed seeds", []string{"--seeds", "5-1"}, "reversed"},
		{"bad -j", []string{"-j", "-1"}, "-j -1"},
		{"bad format", []string{"--format", "html"}, "--format \"html\""},
		{"bad plot", []string{"--plot", "x.pdf"}, "--plot"},
		{"bad baseline key", []string{"--baseline", "nodes=3"}, "not a varied parameter"},
		{"bad baseline value", []string{"--baseline", "loss=0.5"}, "matches no row"},
		{"malformed baseline", []string{"--baseline", "loss"}, "want key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"compare", "pingpong", "--vary", "loss=0,0.01", "--seeds", "3"}
			args = append(args, tt.args...)
			code, _, errOut := cli(args...)
			if code != 2 || !strings.Contains(errOut, tt.errHas) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q, want 2 and %q on one line", code, errOut, tt.errHas)
			}
		})
	}
	if code, _, e := cli("compare", "pingpong", "--vary", "loss=0,0.01"); code != 2 || !strings.Contains(e, "--seeds is required") {
		t.Fatalf("exit %d %s", code, e)
	}
}

func TestCompareFormats(t *testing.T) {
	base := []string{"compare", "pingpong", "--vary", "loss=0,0.01", "--vary", "nodes=3,5", "--seeds", "0-9", "--metrics", "passes,ball_done_p99_ms", "-j", "2"}
	code, out, e := cli(append(base, "--baseline", "loss=0,nodes=3", "--percentiles")...)
	if code != 1 || !strings.Contains(e, "runs failed a check; replay one: faultline run pingpong --seed") {
		t.Fatalf("exit %d: %s", code, e)
	}
	for _, want := range []string{"│ loss", "nodes", "passes", "ball_done_p99_ms p99", "Δ passes", "baseline", "0/10", "seeds 0-9 (10 per row"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
	_, md, _ := cli(append(base, "--format", "markdown")...)
	if !strings.HasPrefix(md, "| loss | nodes |") {
		t.Fatalf("markdown:\n%s", md)
	}
	_, c, _ := cli(append(base, "--format", "csv")...)
	recs, err := csv.NewReader(strings.NewReader(c)).ReadAll()
	if err != nil || len(recs) != 5 || recs[0][0] != "loss" || recs[0][2] != "passes_mean" {
		t.Fatalf("csv %v:\n%s", err, c)
	}
	_, j, _ := cli(append(base, "--format", "json")...)
	var rep struct {
		Scenario string `json:"scenario"`
		Seeds    int    `json:"seeds"`
		Rows     []struct {
			Params   map[string]string                     `json:"params"`
			Metrics  map[string]map[string]json.RawMessage `json:"metrics"`
			Failures int                                   `json:"failures"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(j), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Scenario != "pingpong" || rep.Seeds != 10 || len(rep.Rows) != 4 || rep.Rows[3].Params["nodes"] != "5" || rep.Rows[3].Params["loss"] != "0.01" {
		t.Fatalf("%s", j)
	}
	for _, k := range []string{"mean", "ci95", "p50", "p99"} {
		if _, ok := rep.Rows[0].Metrics["passes"][k]; !ok {
			t.Fatalf("no %s in\n%s", k, j)
		}
	}
	if rep.Rows[0].Failures != 0 || rep.Rows[2].Failures == 0 {
		t.Fatalf("failures %d %d", rep.Rows[0].Failures, rep.Rows[2].Failures)
	}
}

func TestCompareIdenticalForAnyJ(t *testing.T) {
	var outs []string
	for _, j := range []string{"1", "3"} {
		_, out, _ := cli("compare", "pingpong", "--vary", "loss=0,0.02", "--seeds", "12", "--format", "json", "--metrics", "passes", "-j", j)
		outs = append(outs, out)
	}
	if outs[0] != outs[1] {
		t.Fatalf("-j 1 and -j 3 differ:\n%s\n%s", outs[0], outs[1])
	}
}

func TestCompareOutAndPlotFiles(t *testing.T) {
	dir := t.TempDir()
	rep, plot := filepath.Join(dir, "r.md"), filepath.Join(dir, "p.svg")
	code, out, e := cli("compare", "retry-storm", "--vary", "policy=naive,shed", "--seeds", "3", "--set", "duration=30s",
		"--format", "markdown", "--out", rep, "--plot", plot)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, e)
	}
	b, err := os.ReadFile(rep)
	if err != nil || !strings.Contains(string(b), "| policy |") || !strings.Contains(string(b), "goodput_rps") {
		t.Fatalf("%s %v", b, err)
	}
	svg, err := os.ReadFile(plot)
	if err != nil || !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "policy=shed") {
		t.Fatalf("plot: %v", err)
	}
	// A scenario without time series: --plot is bad input, refused before
	// the comparison runs, and no file is left.
	noSeries := filepath.Join(dir, "none.svg")
	if code, out, e := cli("compare", "pingpong", "--vary", "loss=0,0.001", "--seeds", "2", "--plot", noSeries); code != 2 || out != "" || !strings.Contains(e, "--plot "+noSeries+": scenario pingpong records no time series") {
		t.Fatalf("exit %d %s\n%s", code, e, out)
	}
	if _, err := os.Stat(noSeries); !os.IsNotExist(err) {
		t.Fatal("a failed plot left a file")
	}
}

// A scenario that takes its schedule as a parameter gets the --faults
// file in every compared configuration, as run does.
func TestCompareKeepsFaultsFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.faults")
	if err := os.WriteFile(p, []byte("at 100ms crash n2 for 50ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, e := cli("compare", "kv", "--vary", "clients=2,3", "--seeds", "2", "--faults", p, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if n := strings.Count(out, `"faults": "at 100ms crash n2 for 50ms"`); n != 2 {
		t.Fatalf("%d of 2 rows carry the schedule:\n%s", n, out)
	}
}
