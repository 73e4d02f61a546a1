package htmlreport

import (
	"time"

	"github.com/faultline/faultline/sim"
)

// Traffic series names, for runs whose scenario records no series of its
// own (the consistency scenarios).
const (
	SeriesSent      = "messages_sent_per_s"
	SeriesDelivered = "messages_delivered_per_s"
	SeriesDropped   = "messages_dropped_per_s"
)

// TrafficSeries returns, from the recorded messages, how many were sent,
// delivered and dropped per second, in about 100 steps over [0, end] (a
// step of 1, 2 or 5 times a power of ten of nanoseconds). It returns nil
// when nothing was recorded.
func (c *Recorder) TrafficSeries(end sim.Time) map[string][]sim.Point {
	tr := c.newTraffic(end)
	if tr == nil {
		return nil
	}
	c.b.eachChunk(func(c []arrow) {
		for i := range c {
			tr.add(&c[i])
		}
	})
	return tr.series()
}

// traffic counts arrows into TrafficSeries' steps. Build counts them in
// the pass over the arrows it makes anyway, not in one of their own.
type traffic struct {
	b                        *builder
	step                     time.Duration
	end                      sim.Time
	win                      windows
	sent, delivered, dropped []float64
}

// newTraffic returns empty traffic counts over [0, end], nil when nothing
// was recorded.
func (c *Recorder) newTraffic(end sim.Time) *traffic {
	b := &c.b
	if !c.started || b.n == 0 {
		return nil
	}
	end = max(end, sim.Time(b.end))
	step := niceStep(time.Duration(end) / 100)
	n := int(time.Duration(end)/step) + 1
	return &traffic{b: b, step: step, end: end, win: newWindows(int64(step), n),
		sent: make([]float64, n), delivered: make([]float64, n), dropped: make([]float64, n)}
}

func (t *traffic) add(a *arrow) {
	if !a.dup {
		t.sent[t.win.of(a.sent)]++
	}
	if a.dt == inFlight {
		return
	}
	if a.drop != 0 {
		t.dropped[t.win.of(t.b.atOf(a))]++
	} else {
		t.delivered[t.win.of(t.b.atOf(a))]++
	}
}

func (t *traffic) series() map[string][]sim.Point {
	perSec := 1 / t.step.Seconds()
	series := func(v []float64) []sim.Point {
		pts := make([]sim.Point, len(v))
		for i := range v {
			pts[i] = sim.Point{T: (time.Duration(i) * t.step).Seconds(), V: v[i] * perSec}
		}
		// The last step ends with the run: steady traffic must not seem
		// to fall there.
		sim.RateToEnd(pts, t.step, t.end)
		return pts
	}
	return map[string][]sim.Point{SeriesSent: series(t.sent), SeriesDelivered: series(t.delivered), SeriesDropped: series(t.dropped)}
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten, at least 1µs.
func niceStep(d time.Duration) time.Duration {
	for p := time.Microsecond; ; p *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			if m*p >= d {
				return m * p
			}
		}
	}
}
