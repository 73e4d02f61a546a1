package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

var reportScenario = &scenarios.Scenario{
	Name:    "report-test",
	Summary: "requests whose latency grows with delay",
	Params:  []scenarios.Param{{Name: "delay", Default: "10ms", Kind: scenarios.Duration}},
	Run: func(r *scenarios.Run) error {
		w := r.World
		rng := w.Rand("work")
		load := 1 + w.Rand("load").Float64()
		lat := w.Metrics.Histogram("latency_ms")
		good := w.Metrics.Series("goodput_rps", sim.SeriesRate, time.Second)
		q := w.Metrics.Series("queue_len", sim.SeriesMean, time.Second)
		for i := range 40 {
			at := sim.Time(i) * sim.Time(100*time.Millisecond)
			d := time.Duration(load * float64(r.Params.Duration("delay")) * (0.5 + rng.Float64()))
			w.Schedule(at+sim.Time(d), sim.HandlerFunc(func(*sim.Event) {
				lat.ObserveDuration(d)
				good.Add(w.Now(), 1)
				q.Add(w.Now(), float64(i%5))
				w.Metrics.Counter("succeeded").Inc()
			}), sim.Event{})
		}
		if err := w.Run(); err != nil {
			return err
		}
		r.Check(checks.Pass("ok"))
		return nil
	},
}

func comparison(t *testing.T) *scenarios.Comparison {
	t.Helper()
	s := reportScenario
	vary := []scenarios.Vary{{Key: "delay", Values: []string{"10ms", "5ms", "20ms"}}}
	cfgs, err := scenarios.Configs(s, nil, vary)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Compare(s, scenarios.CompareOptions{Configs: cfgs, Varied: scenarios.VaryKeys(vary), Seeds: scenarios.SeedRange{First: 0, Count: 10}, Workers: 2})
}

func render(t *testing.T, c *scenarios.Comparison, format string, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Compare(&b, c, format, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableAndMarkdown(t *testing.T) {
	c := comparison(t)
	opts := Options{Metrics: []string{"latency_p99_ms", "succeeded"}, Baseline: 0, Percentiles: true}
	for _, format := range []string{"table", "markdown"} {
		out := render(t, c, format, opts)
		for _, want := range []string{"latency_p99_ms", "latency_p99_ms p99", "Δ latency_p99_ms", "baseline", "delay", " *", "0/10", "seeds 0-9", "5ms", "paired difference to delay=10ms"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in\n%s", format, want, out)
			}
		}
		if strings.Contains(out, "LATENCY") || strings.Contains(out, "P 99") {
			t.Errorf("%s: header was auto-formatted:\n%s", format, out)
		}
		if strings.Count(out, " *") != 2 { // the caption, and latency's best row; succeeded ties
			t.Errorf("%s: want one best mark:\n%s", format, out)
		}
		if format == "markdown" && !strings.Contains(out, "|---") && !strings.Contains(out, "|:--") && !strings.Contains(out, "--:|") {
			t.Errorf("not markdown:\n%s", out)
		}
		if render(t, c, format, opts) != out {
			t.Errorf("%s: not deterministic", format)
		}
	}
}

func TestCSV(t *testing.T) {
	c := comparison(t)
	out := render(t, c, "csv", Options{Metrics: []string{"latency_p99_ms"}, Baseline: 1})
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d records, %v:\n%s", len(recs), err, out)
	}
	want := "delay,latency_p99_ms_mean,latency_p99_ms_ci95,latency_p99_ms_p50,latency_p99_ms_p99,latency_p99_ms_n,latency_p99_ms_best,latency_p99_ms_diff_mean,latency_p99_ms_diff_ci95,failures,seeds"
	if got := strings.Join(recs[0], ","); got != want {
		t.Fatalf("header %s", got)
	}
	if recs[2][0] != "5ms" || recs[2][6] != "true" || recs[2][7] != "0" {
		t.Fatalf("row %v", recs[2])
	}
}

func TestJSONShape(t *testing.T) {
	c := comparison(t)
	out := render(t, c, "json", Options{Metrics: []string{"latency_p99_ms"}, Baseline: -1})
	var rep struct {
		Scenario string `json:"scenario"`
		Seeds    int    `json:"seeds"`
		Baseline any    `json:"baseline"`
		Rows     []struct {
			Params  map[string]string `json:"params"`
			Metrics map[string]struct {
				Mean, CI95, P50, P99 *float64
			} `json:"metrics"`
			Failures *int `json:"failures"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Scenario != "report-test" || rep.Seeds != 10 || len(rep.Rows) != 3 || rep.Baseline != nil {
		t.Fatalf("%s", out)
	}
	m := rep.Rows[1].Metrics["latency_p99_ms"]
	if rep.Rows[1].Params["delay"] != "5ms" || m.Mean == nil || m.CI95 == nil || m.P50 == nil || m.P99 == nil || rep.Rows[1].Failures == nil {
		t.Fatalf("%s", out)
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12: "12", 12.345: "12.35", 123.45: "123.5", 0.012345: "0.0123", 2.5e7: "2.5e+07", -3.5: "-3.50"} {
		if got := Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestPlot(t *testing.T) {
	c := comparison(t)
	dir := t.TempDir()
	for _, name := range []string{"p.svg", "p.png"} {
		path := filepath.Join(dir, name)
		if err := Plot(path, "report-test", LinesOf(c)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 1000 {
			t.Fatalf("%s: %d bytes, %v", name, len(b), err)
		}
		if name == "p.svg" && (!bytes.Contains(b, []byte("goodput_rps")) || !bytes.Contains(b, []byte("queue_len")) || !bytes.Contains(b, []byte("delay=20ms"))) {
			t.Fatal("svg lacks a panel or a legend")
		}
	}
	if err := Plot(filepath.Join(dir, "p.pdf"), "", LinesOf(c)); err == nil {
		t.Fatal("pdf accepted")
	}
	if err := Plot(filepath.Join(dir, "none.svg"), "", []Line{{Label: "x"}}); err == nil {
		t.Fatal("empty plot accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.svg")); !os.IsNotExist(err) {
		t.Fatal("a failed plot left a file")
	}
}
