package sim

import (
	"math"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Observe(float64(i))
	}
	for _, tt := range []struct{ q, want float64 }{{0.5, 500}, {0.9, 900}, {0.99, 990}, {0.999, 999}, {1, 1000}, {0, 1}} {
		if got := h.Quantile(tt.q); got != tt.want {
			t.Errorf("q%.3f = %v, want %v", tt.q, got, tt.want)
		}
	}
	if h.Mean() != 500.5 {
		t.Errorf("mean %v", h.Mean())
	}
}

func TestHistogramQuantileProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 1, 200).Draw(t, "xs")
		q := rapid.Float64Range(0, 1).Draw(t, "q")
		var h Histogram
		for _, x := range xs {
			h.Observe(x)
		}
		v := h.Quantile(q)
		below := 0
		for _, x := range xs {
			if x <= v {
				below++
			}
		}
		if float64(below) < q*float64(len(xs))-1e-9 {
			t.Fatalf("only %d of %d at or below q%.3f=%v", below, len(xs), q, v)
		}
	})
}

func TestGaugeTimeWeightedMean(t *testing.T) {
	var g Gauge
	g.Set(0, 10)
	g.Set(Time(time.Second), 0)
	if m := g.Mean(Time(4 * time.Second)); m != 2.5 {
		t.Fatalf("mean %v, want 2.5", m)
	}
	if g.Max() != 10 {
		t.Fatalf("max %v", g.Max())
	}
}

func TestSnapshotNames(t *testing.T) {
	m := NewMetrics()
	m.Counter("requests").Add(3)
	m.Histogram("latency_ms").Observe(7)
	m.Gauge("queue_len").Set(0, 2)
	s := m.Snapshot(Time(time.Second))
	for _, k := range []string{"requests", "latency_p50_ms", "latency_p99_ms", "latency_p999_ms", "latency_mean_ms", "queue_len_mean", "queue_len_max"} {
		if _, ok := s[k]; !ok {
			t.Errorf("snapshot lacks %s: %v", k, s)
		}
	}
}

func TestSeriesRate(t *testing.T) {
	var m = NewMetrics()
	s := m.Series("goodput_rps", SeriesRate, time.Second)
	for i := range 10 {
		s.Add(Time(time.Duration(i)*100*time.Millisecond), 1)
	}
	pts := s.Points(Time(2 * time.Second))
	if len(pts) != 2 || pts[0].V != 10 || pts[1].V != 0 {
		t.Fatalf("points %v", pts)
	}
}

// A steady rate stays steady in a plot's last step, which the end of the
// run cuts short; Points keeps whole steps, and other kinds are as Points.
func TestSeriesPlotPointsLastStep(t *testing.T) {
	for _, tc := range []struct {
		end        time.Duration
		wantPoints []float64 // Points
		wantPlot   []float64 // PlotPoints
	}{
		{2500 * time.Millisecond, []float64{10, 10, 5}, []float64{10, 10, 10}},
		{2 * time.Second, []float64{10, 10}, []float64{10, 10}},
		{2100 * time.Millisecond, []float64{10, 10, 1}, []float64{10, 10, 10}},
		{2600 * time.Millisecond, []float64{10, 10, 6}, []float64{10, 10, 10}},
		{500 * time.Millisecond, []float64{5}, []float64{10}},
		{300 * time.Millisecond, []float64{3}, []float64{10}},
		// A last part under half a step is joined to the step before.
		{2300 * time.Millisecond, []float64{10, 10, 3}, []float64{10, 10, 10}},
	} {
		m := NewMetrics()
		s := m.Series("goodput_rps", SeriesRate, time.Second)
		mean := m.Series("queue_len", SeriesMean, time.Second)
		for i := range int(tc.end / (100 * time.Millisecond)) { // one per 100ms: 10/s
			s.Add(At(time.Duration(i)*100*time.Millisecond), 1)
			mean.Add(At(time.Duration(i)*100*time.Millisecond), 3)
		}
		values := func(pts []Point) (v []float64) {
			for _, p := range pts {
				v = append(v, math.Round(p.V*1e9)/1e9)
			}
			return v
		}
		if got := values(s.Points(At(tc.end))); !slices.Equal(got, tc.wantPoints) {
			t.Errorf("end %v: Points %v, want %v", tc.end, got, tc.wantPoints)
		}
		if got := values(s.PlotPoints(At(tc.end))); !slices.Equal(got, tc.wantPlot) {
			t.Errorf("end %v: PlotPoints %v, want %v", tc.end, got, tc.wantPlot)
		}
		if got, want := mean.PlotPoints(At(tc.end)), mean.Points(At(tc.end)); !slices.Equal(got, want) {
			t.Errorf("end %v: a mean's PlotPoints %v, want Points %v", tc.end, got, want)
		}
	}
}

// TestHistogramChunksMatchASortedSlice: samples spread over many chunks,
// with quantiles asked between observations (each joins the chunks),
// give the nearest-rank quantile of all samples so far.
func TestHistogramChunksMatchASortedSlice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 3*histChunkMax).Draw(t, "n")
		every := rapid.IntRange(max(1, n/16), n).Draw(t, "query_every")
		seed := rapid.Uint64().Draw(t, "seed")
		r := New(seed, Options{}).Rand("h")
		var h Histogram
		var all []float64
		for i := range n {
			v := r.Float64()
			h.Observe(v)
			all = append(all, v)
			if (i+1)%every != 0 && i != n-1 {
				continue
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			for _, q := range []float64{0, 0.5, 0.99, 1} {
				k := max(0, min(int(math.Ceil(q*float64(len(sorted))))-1, len(sorted)-1))
				if got := h.Quantile(q); got != sorted[k] {
					t.Fatalf("after %d samples q%.2f = %v, want %v", i+1, q, got, sorted[k])
				}
			}
			if h.Count() != len(all) {
				t.Fatalf("count %d, want %d", h.Count(), len(all))
			}
		}
	})
}
