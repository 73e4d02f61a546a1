package sim

import (
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
