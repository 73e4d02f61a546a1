package pipeline

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// server answers attempt n of request r sent at now: after latency, with o.
type server func(r *Request, n int, now time.Duration) (latency time.Duration, o Outcome)

type ev struct {
	at      time.Duration
	seq     int
	r       *Request
	kind    int // 0 start, 1 result, 2 timer
	attempt int
	o       Outcome
}

// driver is the fake event loop of the tests: it owns time, delivers
// results and timeouts, and keeps one pending wake-up per request.
type driver struct {
	now      time.Duration
	q        []ev
	seq      int
	srv      server
	wake     map[*Request]time.Duration
	started  map[*Request]time.Duration
	doneAt   map[*Request]time.Duration
	results  map[*Request]Result
	sends    map[*Request]int
	inFlight int // attempts sent, not answered and not cancelled
	maxIn    int
	live     map[[2]uint64]bool
	log      []string
}

func newDriver(srv server) *driver {
	return &driver{srv: srv, wake: map[*Request]time.Duration{}, started: map[*Request]time.Duration{},
		doneAt: map[*Request]time.Duration{}, results: map[*Request]Result{}, sends: map[*Request]int{}, live: map[[2]uint64]bool{}}
}

func (d *driver) push(e ev) {
	d.seq++
	e.seq = d.seq
	i, _ := slices.BinarySearchFunc(d.q, e, func(a, b ev) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq))
	})
	d.q = slices.Insert(d.q, i, e)
}

func (d *driver) startAt(r *Request, at time.Duration) { d.push(ev{at: at, r: r, kind: 0}) }

func (d *driver) apply(r *Request, dec Decision) {
	for _, s := range dec.Send {
		lat, o := d.srv(r, s.Attempt, d.now)
		at := d.now + lat
		if s.Timeout > 0 && lat >= s.Timeout {
			at, o = d.now+s.Timeout, Outcome{Class: "timeout"}
		}
		d.push(ev{at: at, r: r, kind: 1, attempt: s.Attempt, o: o})
		d.sends[r]++
		d.live[[2]uint64{r.ID(), uint64(s.Attempt)}] = true
		d.inFlight++
		d.maxIn = max(d.maxIn, d.inFlight)
		d.log = append(d.log, fmt.Sprintf("%v r%d send %d timeout=%v hedge=%v", d.now, r.ID(), s.Attempt, s.Timeout, s.Hedge))
	}
	for _, c := range dec.Cancel {
		d.end(r, c)
		d.log = append(d.log, fmt.Sprintf("%v r%d cancel %d", d.now, r.ID(), c))
	}
	if dec.HasWake {
		d.wake[r] = dec.WakeAt
		d.push(ev{at: dec.WakeAt, r: r, kind: 2})
	}
	if dec.Done {
		d.doneAt[r], d.results[r] = d.now, dec.Result
		d.log = append(d.log, fmt.Sprintf("%v r%d done %+v", d.now, r.ID(), dec.Result))
	}
	for _, w := range dec.Wake {
		d.apply(w, w.OnTimer(d.now))
	}
}

func (d *driver) end(r *Request, n int) {
	k := [2]uint64{r.ID(), uint64(n)}
	if d.live[k] {
		delete(d.live, k)
		d.inFlight--
	}
}

// run processes events until none is left or limit is reached.
func (d *driver) run(limit int) {
	for i := 0; i < limit && len(d.q) > 0; i++ {
		e := d.q[0]
		d.q = d.q[1:]
		d.now = e.at
		switch e.kind {
		case 0:
			d.started[e.r] = d.now
			d.apply(e.r, e.r.Start(d.now))
		case 1:
			if _, done := e.r.Done(); done {
				d.end(e.r, e.attempt)
				continue
			}
			d.end(e.r, e.attempt)
			d.log = append(d.log, fmt.Sprintf("%v r%d result %d %+v", d.now, e.r.ID(), e.attempt, e.o))
			d.apply(e.r, e.r.OnResult(d.now, e.attempt, e.o))
		case 2:
			if d.wake[e.r] != e.at {
				continue // superseded
			}
			d.apply(e.r, e.r.OnTimer(d.now))
		}
	}
}

// always answers every attempt with the same latency and outcome.
func always(lat time.Duration, o Outcome) server {
	return func(*Request, int, time.Duration) (time.Duration, Outcome) { return lat, o }
}

// random answers with latencies and failures drawn from rng.
func random(rng *rand.Rand, failP float64, maxLat time.Duration) server {
	classes := []Outcome{{Class: "timeout"}, {Class: "unavailable"}, {Class: "overloaded"}, {Class: "overloaded", RetryAfter: 30 * time.Millisecond}, {Class: "internal"}}
	return func(*Request, int, time.Duration) (time.Duration, Outcome) {
		lat := time.Duration(rng.Int64N(int64(maxLat))) + time.Millisecond
		if rng.Float64() < failP {
			return lat, classes[rng.IntN(len(classes))]
		}
		return lat, Outcome{OK: true}
	}
}
