package sim

import (
	"maps"
	"math"
	"slices"
	"sort"
	"time"
)

// Metrics holds a world's counters, gauges, histograms and time series.
// Names are snake_case with the unit last (latency_ms, queue_len).
type Metrics struct {
	counters map[string]*Counter
	gauges   map[string]*Gauge
	hists    map[string]*Histogram
	series   map[string]*Series
	values   map[string]float64
	arena    *Arena // lends histograms and series their storage; nil: the heap
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{
		counters: map[string]*Counter{},
		gauges:   map[string]*Gauge{},
		hists:    map[string]*Histogram{},
		series:   map[string]*Series{},
		values:   map[string]float64{},
	}
}

// Counter is a monotonically growing count.
type Counter struct{ v float64 }

// Add adds d.
func (c *Counter) Add(d float64) { c.v += d }

// Inc adds one.
func (c *Counter) Inc() { c.v++ }

// Value returns the count.
func (c *Counter) Value() float64 { return c.v }

// Counter returns the counter called name, creating it at zero.
func (m *Metrics) Counter(name string) *Counter {
	c, ok := m.counters[name]
	if !ok {
		c = &Counter{}
		m.counters[name] = c
	}
	return c
}

// Set records a derived value (e.g. amplification) under name.
func (m *Metrics) Set(name string, v float64) { m.values[name] = v }

// Gauge is a level sampled over simulated time: it reports its
// time-weighted mean and its maximum.
type Gauge struct {
	v, max   float64
	since    Time
	start    Time
	integral float64
	started  bool
}

// Set sets the level at time now.
func (g *Gauge) Set(now Time, v float64) {
	if !g.started {
		g.started, g.start, g.since, g.max = true, now, now, v
	}
	// float64() rounds the product, so no platform fuses it into an FMA.
	g.integral += float64(g.v * float64(now-g.since))
	g.v, g.since = v, now
	g.max = max(g.max, v)
}

// Add changes the level by d at time now.
func (g *Gauge) Add(now Time, d float64) { g.Set(now, g.v+d) }

// Value returns the current level.
func (g *Gauge) Value() float64 { return g.v }

// Max returns the highest level seen.
func (g *Gauge) Max() float64 { return g.max }

// Mean returns the time-weighted mean level from the first Set until end.
func (g *Gauge) Mean(end Time) float64 {
	if !g.started || end <= g.start {
		return g.v
	}
	// float64() rounds the product, so no platform fuses it into an FMA.
	total := g.integral + float64(g.v*float64(end-g.since))
	return total / float64(end-g.start)
}

// Gauge returns the gauge called name.
func (m *Metrics) Gauge(name string) *Gauge {
	g, ok := m.gauges[name]
	if !ok {
		g = &Gauge{}
		m.gauges[name] = g
	}
	return g
}

// Histogram keeps every sample, so its quantiles are exact (nearest rank).
// Samples are appended to chunks that are never copied as they grow (a
// histogram on a hot path, such as a disk's sync latency, would
// otherwise copy its whole history at every doubling); Quantile joins
// them once.
type Histogram struct {
	samples []float64   // joined samples, sorted when sorted is true
	chunks  [][]float64 // samples added since the last join
	n       int
	arena   *Arena // where chunks come from; nil: the heap
	sorted  bool
	sum     float64
}

// Chunk capacities: the first is small, for the many histograms that see
// few samples; each next one doubles, up to histChunkMax.
const (
	histChunkMin = 64
	histChunkMax = 8192
)

// Observe adds a sample.
func (h *Histogram) Observe(v float64) {
	k := len(h.chunks) - 1
	if k < 0 || len(h.chunks[k]) == cap(h.chunks[k]) {
		c := histChunkMin
		if k >= 0 {
			c = min(2*cap(h.chunks[k]), histChunkMax)
		}
		h.chunks = append(h.chunks, Take[float64](h.arena, c)[:0])
		k++
	}
	h.chunks[k] = append(h.chunks[k], v)
	h.n++
	h.sorted = false
	h.sum += v
}

// ObserveDuration adds d in milliseconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(float64(d) / 1e6) }

// Count returns the number of samples.
func (h *Histogram) Count() int { return h.n }

// Mean returns the mean sample, or 0 with no samples.
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// join moves the chunks' samples into samples.
func (h *Histogram) join() {
	if len(h.chunks) == 0 {
		return
	}
	all := Take[float64](h.arena, h.n)[:0]
	all = append(all, h.samples...)
	for _, c := range h.chunks {
		all = append(all, c...)
	}
	h.samples, h.chunks = all, nil
}

// Quantile returns the exact q-quantile by nearest rank: the smallest
// sample with at least q of the samples at or below it. It returns 0 with
// no samples.
func (h *Histogram) Quantile(q float64) float64 {
	n := h.n
	if n == 0 {
		return 0
	}
	if !h.sorted {
		h.join()
		sort.Float64s(h.samples)
		h.sorted = true
	}
	r := int(math.Ceil(q*float64(n))) - 1
	r = max(0, min(r, n-1))
	return h.samples[r]
}

// Max returns the largest sample.
func (h *Histogram) Max() float64 { return h.Quantile(1) }

// Histogram returns the histogram called name. Name it with its unit last,
// e.g. "latency_ms"; Snapshot reports latency_p99_ms and so on.
func (m *Metrics) Histogram(name string) *Histogram {
	h, ok := m.hists[name]
	if !ok {
		h = &Histogram{arena: m.arena}
		m.hists[name] = h
	}
	return h
}

// SeriesKind says how a series combines the samples of one step.
type SeriesKind int

const (
	SeriesRate SeriesKind = iota // sum of values per second (e.g. goodput)
	SeriesMean                   // mean of values
	SeriesMax                    // maximum value
	SeriesP99                    // exact 99th percentile of values
)

// Series is a time series over simulated time in fixed steps, for plots.
type Series struct {
	Kind    SeriesKind
	Step    time.Duration
	buckets [][]float64
	arena   *Arena
}

// Add records v at time t.
func (s *Series) Add(t Time, v float64) {
	i := int(int64(t) / int64(s.Step))
	if len(s.buckets) <= i {
		n := len(s.buckets)
		s.buckets = Grow(s.arena, s.buckets, i+1-n)[:i+1]
		clear(s.buckets[n:])
	}
	b := s.buckets[i]
	if b == nil && i > 0 {
		// Steps tend to hold as many values as the one before: size the
		// new bucket like it instead of growing it from one.
		b = Grow[float64](s.arena, nil, max(len(s.buckets[i-1]), 1))
	}
	if len(b) == cap(b) {
		b = Grow(s.arena, b, 1)
	}
	s.buckets[i] = append(b, v)
}

// Point is one step of a series.
type Point struct {
	T float64 // step start, seconds
	V float64
}

// Points returns one point per step up to end.
func (s *Series) Points(end Time) []Point {
	n := int((int64(end) + int64(s.Step) - 1) / int64(s.Step))
	n = max(n, len(s.buckets))
	pts := make([]Point, n)
	var scratch []float64 // a p99's sort space, shared by the steps
	if s.Kind == SeriesP99 {
		longest := 0
		for _, b := range s.buckets {
			longest = max(longest, len(b))
		}
		scratch = Take[float64](s.arena, longest)
	}
	for i := range pts {
		var b []float64
		if i < len(s.buckets) {
			b = s.buckets[i]
		}
		pts[i] = Point{T: float64(int64(i)*int64(s.Step)) / 1e9, V: combine(s.Kind, b, s.Step, scratch)}
	}
	return pts
}

// PlotPoints is Points for a plot: a rate's last step, which end cuts
// short, is a rate over the part of the step before end (see
// RateToEnd), so a steady rate does not seem to fall at the end of a run.
// Points keeps whole steps: metrics computed from it stay as they were.
func (s *Series) PlotPoints(end Time) []Point {
	pts := s.Points(end)
	if s.Kind == SeriesRate {
		RateToEnd(pts, s.Step, end)
	}
	return pts
}

// RateToEnd corrects the last of pts, rates per second over steps of
// step from 0 on, for a last step that end cuts short: its rate becomes
// one over the part before end. A part shorter than half a step would
// make a rate of a few events in a sliver of time, so such a part is
// joined to the step before it and both get their joint rate.
func RateToEnd(pts []Point, step time.Duration, end Time) {
	last := len(pts) - 1
	if last < 0 {
		return
	}
	width := time.Duration(end) - time.Duration(last)*step
	switch {
	case width <= 0 || width >= step:
	case 2*width >= step || last == 0:
		pts[last].V *= float64(step) / float64(width)
	default:
		joint := (pts[last-1].V + pts[last].V) * float64(step) / float64(step+width)
		pts[last-1].V, pts[last].V = joint, joint
	}
}

func combine(k SeriesKind, b []float64, step time.Duration, scratch []float64) float64 {
	if len(b) == 0 {
		return 0
	}
	switch k {
	case SeriesRate:
		var sum float64
		for _, v := range b {
			sum += v
		}
		return sum / step.Seconds()
	case SeriesMean:
		var sum float64
		for _, v := range b {
			sum += v
		}
		return sum / float64(len(b))
	case SeriesMax:
		return slices.Max(b)
	default:
		h := Histogram{samples: scratch[:copy(scratch, b)], n: len(b)}
		return h.Quantile(0.99)
	}
}

// Series returns the series called name, creating it with kind and step.
func (m *Metrics) Series(name string, kind SeriesKind, step time.Duration) *Series {
	s, ok := m.series[name]
	if !ok {
		if step <= 0 {
			step = time.Second
		}
		s = &Series{Kind: kind, Step: step, arena: m.arena}
		m.series[name] = s
	}
	return s
}

// SeriesNames returns the names of all series, sorted.
func (m *Metrics) SeriesNames() []string { return slices.Sorted(maps.Keys(m.series)) }

// Snapshot flattens every metric into name → value at time end:
// counters by name; gauges as NAME_mean and NAME_max (a gauge
// "queue_len" gives queue_len_mean and queue_len_max); histograms named
// BASE_UNIT as BASE_mean_UNIT, BASE_p50_UNIT, BASE_p90_UNIT, BASE_p99_UNIT,
// BASE_p999_UNIT, BASE_max_UNIT and BASE_count; values set with Set as is.
func (m *Metrics) Snapshot(end Time) map[string]float64 {
	out := make(map[string]float64, len(m.counters)+len(m.values)+8*len(m.hists))
	for n, c := range m.counters {
		out[n] = c.v
	}
	for n, g := range m.gauges {
		out[n+"_mean"] = g.Mean(end)
		out[n+"_max"] = g.max
	}
	// Sorted: histograms in different units share BASE_count, and the
	// last one written must not depend on map order.
	for _, n := range slices.Sorted(maps.Keys(m.hists)) {
		h := m.hists[n]
		base, unit := splitUnit(n)
		out[base+"_mean"+unit] = h.Mean()
		out[base+"_p50"+unit] = h.Quantile(0.50)
		out[base+"_p90"+unit] = h.Quantile(0.90)
		out[base+"_p99"+unit] = h.Quantile(0.99)
		out[base+"_p999"+unit] = h.Quantile(0.999)
		out[base+"_max"+unit] = h.Max()
		out[base+"_count"] = float64(h.Count())
	}
	for n, v := range m.values {
		out[n] = v
	}
	return out
}

var units = []string{"_ms", "_ns", "_us", "_s", "_bytes", "_rps"}

func splitUnit(name string) (base, unit string) {
	for _, u := range units {
		if len(name) > len(u) && name[len(name)-len(u):] == u {
			return name[:len(name)-len(u)], u
		}
	}
	return name, ""
}
