package scenarios

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func TestParseSLO(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SLO
		bad  bool
	}{
		{in: "latency_p99_ms<500", want: SLO{"latency_p99_ms", "<", 500}},
		{in: " success_rate >= 0.99 ", want: SLO{"success_rate", ">=", 0.99}},
		{in: "goodput_rps>10", want: SLO{"goodput_rps", ">", 10}},
		{in: "error_rate<=1e-3", want: SLO{"error_rate", "<=", 0.001}},
		{in: "latency_p99_ms", bad: true},
		{in: "<500", bad: true},
		{in: "latency_p99_ms<", bad: true},
		{in: "latency_p99_ms<abc", bad: true},
		{in: "latency_p99_ms==5", bad: true},
		{in: "latency_p99_ms<<5", bad: true},
		{in: "a b<5", bad: true},
		{in: "x<NaN", bad: true},
	} {
		got, err := ParseSLO(tc.in)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), "want METRIC<BOUND") && !strings.Contains(err.Error(), "e.g. latency_p99_ms<500") {
				t.Errorf("ParseSLO(%q) = %v, %v: want an error that says the form", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSLO(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseSLO(got.String()); err != nil || back != got {
			t.Errorf("%q: String %q reads back as %v, %v", tc.in, got.String(), back, err)
		}
	}
}

func FuzzParseSLO(f *testing.F) {
	for _, s := range []string{"latency_p99_ms<500", "x>=1", "y<=2e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slo, err := ParseSLO(s)
		if err != nil {
			return
		}
		if back, err := ParseSLO(slo.String()); err != nil || back != slo {
			t.Fatalf("%q: %v reads back as %v, %v", s, slo, back, err)
		}
	})
}

func TestCheckSLOMetrics(t *testing.T) {
	have := []string{"latency_p99_ms", "goodput_rps"}
	if err := CheckSLOMetrics([]SLO{{"latency_p99_ms", "<", 1}, {"success_rate", ">", 0.9}}, have); err != nil {
		t.Fatal(err)
	}
	err := CheckSLOMetrics([]SLO{{"latency_p99", "<", 1}}, have)
	if err == nil || !strings.Contains(err.Error(), `unknown metric "latency_p99"`) ||
		!strings.Contains(err.Error(), "accepted: error_rate, goodput_rps, latency_p99_ms, success_rate") {
		t.Fatalf("got %v", err)
	}
}

func TestJudge(t *testing.T) {
	slo := SLO{"m", "<", 10}
	for _, tc := range []struct {
		xs   []float64
		want Verdict
	}{
		{[]float64{1, 2, 3, 2, 1}, Meets},
		{[]float64{20, 21, 22, 20}, Violates},
		{[]float64{8, 12, 9, 11}, Undecided},
		{[]float64{5, 5, 5}, Meets},
		{[]float64{10, 10}, Violates}, // "<" is strict
	} {
		v, c := slo.Judge(Summarize(tc.xs))
		if v != tc.want || c < 0.5 || c > 1 {
			t.Errorf("%v: %s (%.3f), want %s", tc.xs, v, c, tc.want)
		}
	}
	if v, _ := (SLO{"m", ">=", 10}).Judge(Summarize([]float64{10, 10})); v != Meets {
		t.Errorf(">= 10 on 10s: %s", v)
	}
}

func TestParseLoadRange(t *testing.T) {
	r, err := ParseLoadRange("rate=10..100", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Values(); !reflect.DeepEqual(got, []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}) {
		t.Fatalf("levels %v", got)
	}
	for _, in := range []string{"rate", "rate=10", "rate=100..10", "rate=0..10", "=1..2", "rate=a..2", "rate=1..b", "rate=1..inf"} {
		if _, err := ParseLoadRange(in, 10); err == nil || !strings.Contains(err.Error(), "want key=LO..HI") {
			t.Errorf("ParseLoadRange(%q): %v", in, err)
		}
	}
	if _, err := ParseLoadRange("rate=1..2", 1); err == nil {
		t.Error("1 level accepted")
	}
}

// curve builds a capacity row from goodput means and verdicts.
func curve(loads, goodput []float64, verdicts []Verdict) *CapacityRow {
	row := &CapacityRow{}
	for i, l := range loads {
		row.Levels = append(row.Levels, &CapacityLevel{Load: l, Metrics: map[string]Summary{"goodput_rps": {N: 1, Mean: goodput[i]}}, Verdicts: []Verdict{verdicts[i]}})
	}
	row.decide()
	return row
}

func TestDecide(t *testing.T) {
	loads := []float64{10, 20, 30, 40, 50}
	for _, tc := range []struct {
		name     string
		goodput  []float64
		verdicts []Verdict
		capacity int
		decided  bool
		knee     int
	}{
		{"saturates", []float64{10, 20, 29, 31, 30}, []Verdict{Meets, Meets, Meets, Violates, Violates}, 2, true, 2},
		{"undecided above", []float64{10, 20, 30, 40, 50}, []Verdict{Meets, Meets, Undecided, Violates, Violates}, 1, false, -1},
		{"all meet", []float64{10, 20, 30, 40, 50}, []Verdict{Meets, Meets, Meets, Meets, Meets}, 4, true, -1},
		{"none meets", []float64{10, 12, 12, 12, 12}, []Verdict{Violates, Violates, Violates, Violates, Violates}, -1, true, 0},
		// A level that meets above one that does not is not capacity:
		// capacity needs every level below it to meet too.
		{"gap", []float64{10, 20, 30, 40, 50}, []Verdict{Meets, Violates, Meets, Meets, Meets}, 0, true, -1},
	} {
		row := curve(loads, tc.goodput, tc.verdicts)
		if row.Capacity != tc.capacity || row.Decided != tc.decided || row.Knee != tc.knee {
			t.Errorf("%s: capacity %d decided %v knee %d; want %d %v %d", tc.name, row.Capacity, row.Decided, row.Knee, tc.capacity, tc.decided, tc.knee)
		}
	}
}

func TestWithDerived(t *testing.T) {
	s := withDerived(map[string][]float64{"requests": {10, 0, 4}, "failed": {1, 0, 4}, "succeeded": {9, 0, 0}})
	if got := s["error_rate"]; got[0] != 0.1 || !math.IsNaN(got[1]) || got[2] != 1 {
		t.Fatalf("error_rate %v", got)
	}
	if got := s["success_rate"]; got[0] != 0.9 || got[2] != 0 {
		t.Fatalf("success_rate %v", got)
	}
}

// loadScenario is a stand-in whose latency grows like an M/M/1 queue's
// with its rate (capacity 100), plus noise from the seed.
var loadScenario = &Scenario{
	Name: "load-test",
	Params: []Param{
		{Name: "rate", Default: "10", Kind: Float, Min: 0.001, Max: 1e6},
		{Name: "mode", Default: "a", Kind: String, Choices: []string{"a", "b"}},
	},
	Run: func(r *Run) error {
		rate := r.Params.Float("rate")
		capacity := 100.0
		if r.Params.String("mode") == "b" {
			capacity = 200
		}
		noise := 1 + 0.05*r.World.Rand("noise").NormFloat64()
		lat := 1000 / math.Max(capacity-rate, 1) * noise
		r.Metric("latency_p99_ms", lat)
		r.Metric("requests", rate)
		r.Metric("succeeded", math.Min(rate, capacity))
		r.Metric("failed", math.Max(rate-capacity, 0))
		r.Metric("goodput_rps", math.Min(rate, capacity))
		return nil
	},
}

func TestCapacitySearch(t *testing.T) {
	lr, _ := ParseLoadRange("rate=10..190", 19)
	opts := CapacityOptions{
		Vary: []Vary{{Key: "mode", Values: []string{"a", "b"}}},
		Load: lr, SLOs: []SLO{{"latency_p99_ms", "<", 45}},
		Seeds: SeedRange{First: 0, Count: 40}, MinSeeds: 5, Workers: 2,
	}
	res, err := Capacity(loadScenario, opts)
	if err != nil {
		t.Fatal(err)
	}
	// 1000/(c-rate) < 45 ⇔ rate < c-22.2: capacity 70 for a, 170 for b
	// (80 and 180 give 50, decided violating).
	if a, b := res.Rows[0].CapacityLoad(), res.Rows[1].CapacityLoad(); a != 70 || b != 170 {
		t.Fatalf("capacities %v and %v, want 70 and 170", a, b)
	}
	if res.SeedsDone >= 40 {
		t.Fatalf("ran all %d seeds: the search did not stop when the intervals decided", res.SeedsDone)
	}
	// The same search is the same whatever the workers, and a search
	// of all seeds at once decides the same capacities.
	opts.Workers = 1
	again, _ := Capacity(loadScenario, opts)
	if !reflect.DeepEqual(res, again) {
		t.Fatal("the result depends on the number of workers")
	}
	opts.MinSeeds = 0
	all, _ := Capacity(loadScenario, opts)
	if all.SeedsDone != 40 || all.Rows[0].CapacityLoad() != 70 || all.Rows[1].CapacityLoad() != 170 {
		t.Fatalf("all seeds: %d seeds, capacities %v %v", all.SeedsDone, all.Rows[0].CapacityLoad(), all.Rows[1].CapacityLoad())
	}
	opts.Vary = []Vary{{Key: "rate", Values: []string{"1"}}}
	if _, err := Capacity(loadScenario, opts); err == nil {
		t.Fatal("--vary of the load parameter accepted")
	}
}

// TestStudentsTCDF: the confidence a capacity search reports equals
// gonum's StudentsT.CDF exactly, so dropping stat/distuv from the binary
// changes no output.
func TestStudentsTCDF(t *testing.T) {
	for _, nu := range []float64{1, 2, 3, 4, 7, 9, 19, 29, 59, 99, 999} {
		for _, x := range []float64{0, 1e-9, 0.01, 0.5, 1, 1.96, 2.5, 3, 10, 100, 1e6} {
			want := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.CDF(x)
			if got := studentsTCDF(x, nu); got != want {
				t.Errorf("studentsTCDF(%v, nu=%v) = %v, want %v (distuv)", x, nu, got, want)
			}
		}
	}
}
