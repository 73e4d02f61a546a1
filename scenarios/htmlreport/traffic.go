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
	b := &c.b
	if !c.started || b.n == 0 {
		return nil
	}
	end = max(end, sim.Time(b.end))
	step := niceStep(time.Duration(end) / 100)
	n := int(time.Duration(end)/step) + 1
	sent, delivered, dropped := make([]float64, n), make([]float64, n), make([]float64, n)
	win := newWindows(int64(step), n)
	at := win.of
	b.eachChunk(func(c []arrow) {
		for i := range c {
			a := &c[i]
			if !a.dup {
				sent[at(a.sent)]++
			}
			if a.dt == inFlight {
				continue
			}
			if a.drop != 0 {
				dropped[at(b.atOf(a))]++
			} else {
				delivered[at(b.atOf(a))]++
			}
		}
	})
	perSec := 1 / step.Seconds()
	series := func(v []float64) []sim.Point {
		pts := make([]sim.Point, n)
		for i := range v {
			pts[i] = sim.Point{T: (time.Duration(i) * step).Seconds(), V: v[i] * perSec}
		}
		return pts
	}
	return map[string][]sim.Point{SeriesSent: series(sent), SeriesDelivered: series(delivered), SeriesDropped: series(dropped)}
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
