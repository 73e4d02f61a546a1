package services

import (
	"time"

	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// Result is how one request ended, as its client sees it.
type Result struct {
	OK       bool
	Degraded bool        // OK thanks to a fallback
	Class    retry.Class // the failure class when !OK
	Value    int64       // the reply's value, for scenario logic
	// Latency is the time from the request's start to its end (true
	// time), retries and hedges included.
	Latency time.Duration
}

// Stats is the request accounting of one client population. Every request
// ends exactly once, in succeeded or failed; rejected and timed_out are the
// failures refused without being worked on (a breaker, a bulkhead, a
// shedding server) and those that ran out of time. Attempts counts calls
// that reached a server, retries and hedges included.
type Stats struct {
	Requests, Succeeded, Failed, Rejected, TimedOut, Degraded, Attempts *sim.Counter
	Latency                                                             *sim.Histogram // of finished requests, ms
	// MostAttempts is the most attempts one request put on the wire, as a
	// Caller counts its sends, finished or not, apart from the pipeline's
	// own count (not a metric: a bound that checks can hold the client to,
	// which Attempts, counted at the servers, cannot be under loss and
	// duplication).
	MostAttempts int

	m       *sim.Metrics
	prefix  string
	goodput *sim.Series
	p99     *sim.Series
}

// SeriesStep is the step of every time series recorded here.
const SeriesStep = time.Second

// NewStats registers the metrics of one population under prefix ("" for
// the scenario's main clients, e.g. "checkout_" for another).
func NewStats(m *sim.Metrics, prefix string) *Stats {
	return &Stats{
		m: m, prefix: prefix,
		Requests:  m.Counter(prefix + "requests"),
		Succeeded: m.Counter(prefix + "succeeded"),
		Failed:    m.Counter(prefix + "failed"),
		Rejected:  m.Counter(prefix + "rejected"),
		TimedOut:  m.Counter(prefix + "timed_out"),
		Degraded:  m.Counter(prefix + "degraded"),
		Attempts:  m.Counter(prefix + "attempts"),
		Latency:   m.Histogram(prefix + "latency_ms"),
		goodput:   m.Series(prefix+"goodput_rps", sim.SeriesRate, SeriesStep),
		p99:       m.Series(prefix+"latency_p99_ms", sim.SeriesP99, SeriesStep),
	}
}

// Tried notes that one request has put attempts on the wire so far
// (retries and hedges included), for MostAttempts.
func (s *Stats) Tried(attempts int) { s.MostAttempts = max(s.MostAttempts, attempts) }

// Begin counts a new request.
func (s *Stats) Begin() { s.Requests.Inc() }

// End counts a finished request that began at start.
func (s *Stats) End(now, start sim.Time, r Result) {
	lat := float64(now-start) / 1e6
	s.Latency.Observe(lat)
	s.p99.Add(now, lat)
	if r.OK {
		s.Succeeded.Inc()
		s.goodput.Add(now, 1)
		if r.Degraded {
			s.Degraded.Inc()
		}
		return
	}
	s.Failed.Inc()
	switch r.Class {
	case retry.Rejected, retry.Overloaded:
		s.Rejected.Inc()
	case retry.Timeout:
		s.TimedOut.Inc()
	}
}

// InFlight returns the requests begun and not yet ended.
func (s *Stats) InFlight() float64 {
	return s.Requests.Value() - s.Succeeded.Value() - s.Failed.Value()
}

// Finish sets the derived metrics at the end of a run of length end:
// amplification (attempts per request) and goodput_rps (successes per
// second of the run).
func (s *Stats) Finish(end sim.Time) {
	amp := 0.0
	if n := s.Requests.Value(); n > 0 {
		amp = s.Attempts.Value() / n
	}
	s.m.Set(s.prefix+"amplification", amp)
	good := 0.0
	if end > 0 {
		good = s.Succeeded.Value() / end.Seconds()
	}
	s.m.Set(s.prefix+"goodput_rps", good)
}

// Level records a level (a queue length, a breaker state) as a SeriesMax
// time series without a sample per change: it keeps the maximum of each
// step and repeats the held level through steps without changes.
type Level struct {
	s    *sim.Series
	step int64
	cur  float64 // the level now
	max  float64 // the maximum within the current step
}

// NewLevel returns the level series called name.
func NewLevel(m *sim.Metrics, name string) *Level {
	return &Level{s: m.Series(name, sim.SeriesMax, SeriesStep)}
}

// Set changes the level at time now.
func (l *Level) Set(now sim.Time, v float64) {
	i := int64(now) / int64(SeriesStep)
	if i != l.step {
		l.flushTo(i)
	}
	l.cur = v
	l.max = max(l.max, v)
}

func (l *Level) flushTo(i int64) {
	l.s.Add(sim.Time(l.step*int64(SeriesStep)), l.max)
	for k := l.step + 1; k < i; k++ {
		l.s.Add(sim.Time(k*int64(SeriesStep)), l.cur)
	}
	l.step, l.max = i, l.cur
}

// Flush writes the steps up to and including the one holding end. Call it
// once, at the end of the run.
func (l *Level) Flush(end sim.Time) {
	l.flushTo(int64(end)/int64(SeriesStep) + 1)
}
