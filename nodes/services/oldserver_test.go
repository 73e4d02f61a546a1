package services

// This file is the server as it was before it became a stack of stages
// (nodes/services/server.go at e1a9c70), renamed, for one purpose:
// BenchmarkStackVsMonolith times the stack against it in one process.
// TestStackGolden pins the same behaviour without it; delete this file
// when that comparison is no longer wanted.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/health"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/sim"
)

type oldJob struct {
	from     NodeID
	call     Call
	arrived  sim.Time
	dep      int // index of the next dependency to consider
	degraded bool
}

// oldServer is a node that serves calls with a worker pool and a queue.
type oldServer struct {
	c       ServerConfig
	rng     *rand.Rand
	workers int
	busy    int
	fifo    []*oldJob // FIFO queue when c.Shed is nil
	head    int
	shedq   *shed.Shedder[*oldJob]
	callers []*Caller // one per Dep
	limiter *ratelimit.Limiter
	health  *health.Checker
	spare   []*oldJob // finished jobs, for reuse
	jobs    chunk[oldJob]
	replies chunk[Reply]

	slow      float64 // service-time factor (1 = healthy)
	hang      float64 // probability a call is dropped without reply
	errorRate float64
	broken    bool // lost a critical dependency (e.g. its database)
	draining  bool // leaving: readiness fails, work in hand still served

	arrivals, served, zombie, expired, shedN, hung, errors *sim.Counter
	chaosErr, chaosLat                                     *sim.Counter
	limited                                                *sim.Counter
	queueLen, busyG                                        *sim.Gauge
	queueSeries                                            *Level
	world                                                  *sim.World
}

// NewServer returns a Server for the node runtime. It panics on a config
// that fails Validate, which is a bug in the scenario (validate params
// first).
func newOldServer(c ServerConfig) *oldServer {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.ErrorClass == "" {
		c.ErrorClass = retry.Internal
	}
	c.Deps = slices.Clone(c.Deps)
	return &oldServer{c: c, workers: c.Workers, slow: 1, errorRate: c.ErrorRate}
}

// Config returns the server's configuration.
func (s *oldServer) Config() ServerConfig { return s.c }

// Start implements nodes.Node.
func (s *oldServer) Start(env *nodes.Env) {
	w := env.World()
	m := w.Metrics
	p := s.c.Prefix
	s.world = w
	s.jobs.arena, s.replies.arena = w.Arena(), w.Arena()
	stream := s.c.Stream
	if stream == "" {
		stream = "server/" + env.Name()
	}
	s.rng = w.Rand(stream)
	s.arrivals = s.c.Attempts
	if s.arrivals == nil {
		s.arrivals = m.Counter(p + "arrivals")
	}
	s.served = m.Counter(p + "served")
	s.zombie = m.Counter(p + "zombie")
	s.expired = m.Counter(p + "expired")
	s.shedN = m.Counter(p + "shed")
	s.hung = m.Counter(p + "hung")
	s.errors = m.Counter(p + "errors")
	if s.c.ChaosErrorRate > 0 || s.c.ChaosLatencyRate > 0 {
		s.chaosErr = m.Counter(p + "chaos_errors")
		s.chaosLat = m.Counter(p + "chaos_delays")
	}
	if s.c.RateLimit != nil {
		l, err := ratelimit.New(*s.c.RateLimit)
		if err != nil {
			panic(err)
		}
		s.limiter, s.limited = l, m.Counter(p+"rate_limited")
	}
	s.queueLen = m.Gauge(p + "queue_len")
	s.queueLen.Set(w.Now(), 0)
	s.busyG = m.Gauge(p + "busy")
	s.busyG.Set(w.Now(), 0)
	s.queueSeries = NewLevel(m, p+"queue_len")
	if s.c.Shed != nil {
		q, err := shed.New[*oldJob](*s.c.Shed)
		if err != nil {
			panic(err)
		}
		s.shedq = q
	}
	for i, d := range s.c.Deps {
		s.callers = append(s.callers, NewCaller(env, CallerConfig{
			Pipeline: d.Pipeline, To: d.To, Stream: fmt.Sprintf("%s/dep%d", stream, i),
		}))
	}
	// The local database is the critical dependency deep checks look at.
	h, err := health.New(health.Config{Dependencies: []health.Dependency{{Name: "db", Critical: true}}})
	if err != nil {
		panic(err)
	}
	s.health = h
}

// SetSlow multiplies every later service time by f (1 = healthy): a
// capacity dip when f > 1.
func (s *oldServer) SetSlow(f float64) { s.slow = f }

// SetHang makes each later call, with probability p, vanish without a
// reply and without using a worker: a dependency that never answers.
func (s *oldServer) SetHang(p float64) { s.hang = p }

// SetErrorRate sets the probability a call fails after its work.
func (s *oldServer) SetErrorRate(p float64) { s.errorRate = p }

// SetBroken makes every later call fail as unavailable after its work, as
// a server that lost its database does; deep health checks then fail while
// shallow ones pass.
func (s *oldServer) SetBroken(b bool) { s.broken = b }

// Drain implements nodes.Drainer: a server that is leaving fails its
// health checks, so balancers stop sending it work, and keeps serving
// what still reaches it until the runtime stops it.
func (s *oldServer) Drain(*nodes.Env) { s.draining = true }

// QueueLen returns the calls waiting for a worker.
func (s *oldServer) QueueLen() int {
	if s.shedq != nil {
		return s.shedq.Len()
	}
	return len(s.fifo) - s.head
}

// Busy returns the workers at work (or waiting on a dependency).
func (s *oldServer) Busy() int { return s.busy }

// Receive implements nodes.Node.
func (s *oldServer) Receive(env *nodes.Env, from NodeID, msg any) {
	switch m := msg.(type) {
	case *Call:
		s.arrive(env, from, m)
	case *Reply:
		for _, c := range s.callers {
			if c.c.To == from {
				c.Reply(env, m)
				return
			}
		}
	}
}

// Timer implements nodes.Node.
func (s *oldServer) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	switch d := data.(type) {
	case *oldJob:
		s.workDone(env, d)
	case *callerTimer:
		routeTimer(env, id, d)
	}
}

func (s *oldServer) now() sim.Time { return s.world.Now() }

func (s *oldServer) arrive(env *nodes.Env, from NodeID, c *Call) {
	now := s.now()
	switch c.Op {
	case OpHealthShallow:
		env.Send(from, s.reply(Reply{ID: c.ID, OK: !s.draining}), replySize)
		return
	case OpHealthDeep:
		_ = s.health.Observe(env.Now().Duration(), "db", !s.broken)
		ok := s.health.Deep(env.Now().Duration()).Status != health.Unhealthy && !s.draining
		env.Send(from, s.reply(Reply{ID: c.ID, OK: ok, Class: retry.Unavailable}), replySize)
		return
	}
	s.arrivals.Inc()
	if s.limiter != nil && !s.limiter.Allow(now.Duration()) {
		s.limited.Inc()
		env.Send(from, s.reply(Reply{ID: c.ID, Class: retry.Overloaded}), replySize)
		return
	}
	if s.hang > 0 && s.rng.Float64() < s.hang {
		s.hung.Inc()
		return
	}
	if s.c.ChaosErrorRate > 0 && s.rng.Float64() < s.c.ChaosErrorRate {
		s.chaosErr.Inc()
		env.Send(from, s.reply(Reply{ID: c.ID, Class: retry.Internal}), replySize)
		return
	}
	j := s.newJob()
	j.from, j.call, j.arrived = from, *c, now
	if s.busy < s.workers && s.QueueLen() == 0 {
		s.begin(env, j)
		return
	}
	if s.shedq != nil {
		if !s.shedq.Offer(now.Duration(), j) {
			s.reject(env, j)
			return
		}
	} else {
		if s.c.MaxQueue != Unbounded && len(s.fifo)-s.head >= s.c.MaxQueue {
			s.reject(env, j)
			return
		}
		if len(s.fifo) == cap(s.fifo) {
			s.fifo = sim.Grow(s.world.Arena(), s.fifo, 1)
		}
		s.fifo = append(s.fifo, j)
	}
	s.queueChanged(now)
	// A free worker may exist while the queue was not empty only briefly
	// (never with FIFO); take work if so.
	s.dispatch(env)
}

func (s *oldServer) reject(env *nodes.Env, j *oldJob) {
	s.shedN.Inc()
	env.Send(j.from, s.reply(Reply{ID: j.call.ID, Class: retry.Overloaded}), replySize)
	s.freeJob(j)
}

// newJob returns a cleared oldJob, reused if one is spare.
func (s *oldServer) newJob() *oldJob {
	if n := len(s.spare); n > 0 {
		j := s.spare[n-1]
		s.spare = s.spare[:n-1]
		return j
	}
	return s.jobs.new()
}

// reply returns r in storage carved from the server's chunk of replies.
func (s *oldServer) reply(r Reply) *Reply {
	p := s.replies.new()
	*p = r
	return p
}

// freeJob keeps j for reuse; j must not be used after. A oldJob is freed
// once: when it is replied to, rejected or dropped as expired. Its work
// timer has fired by then (work timers are never cancelled).
func (s *oldServer) freeJob(j *oldJob) {
	*j = oldJob{}
	s.spare = append(s.spare, j)
}

func (s *oldServer) queueChanged(now sim.Time) {
	n := float64(s.QueueLen())
	s.queueLen.Set(now, n)
	s.queueSeries.Set(now, n)
}

// next takes the next call from the queue, or nil.
func (s *oldServer) next(env *nodes.Env) *oldJob {
	now := s.now()
	if s.shedq != nil {
		j, ok, dropped := s.shedq.Take(now.Duration())
		for _, d := range dropped {
			s.reject(env, d)
		}
		if !ok {
			return nil
		}
		return j
	}
	if s.head == len(s.fifo) {
		return nil
	}
	j := s.fifo[s.head]
	s.fifo[s.head] = nil
	s.head++
	if s.head > 1024 && s.head*2 > len(s.fifo) {
		s.fifo = append(s.fifo[:0], s.fifo[s.head:]...)
		s.head = 0
	}
	return j
}

func (s *oldServer) dispatch(env *nodes.Env) {
	changed := false
	for s.busy < s.workers {
		j := s.next(env)
		if j == nil {
			break
		}
		changed = true
		if s.c.CheckDeadline && j.call.Deadline != 0 && s.now() >= j.call.Deadline {
			s.expired.Inc()
			s.freeJob(j)
			continue // the caller gave up: no reply, no work
		}
		s.begin(env, j)
	}
	if changed {
		s.queueChanged(s.now())
	}
}

func (s *oldServer) begin(env *nodes.Env, j *oldJob) {
	s.busy++
	s.busyG.Set(s.now(), float64(s.busy))
	d := s.c.Service.Sample(s.rng)
	f := s.slow
	if s.c.Slowdown > 0 {
		// float64() rounds the product, so no platform fuses it into an FMA.
		f *= 1 + float64(s.c.Slowdown*float64(s.busy-1))
	}
	if f != 1 {
		d = time.Duration(float64(d) * f)
	}
	if s.c.ChaosLatencyRate > 0 && s.rng.Float64() < s.c.ChaosLatencyRate {
		s.chaosLat.Inc()
		d += s.c.ChaosLatency
	}
	env.SetTimer(d, j)
}

// workDone runs when the local work of j is done: fail, call the next
// dependency, or reply.
func (s *oldServer) workDone(env *nodes.Env, j *oldJob) {
	if j.dep == 0 {
		if s.broken {
			s.finish(env, j, s.reply(Reply{Class: retry.Unavailable}))
			return
		}
		if s.errorRate > 0 && s.rng.Float64() < s.errorRate {
			s.errors.Inc()
			s.finish(env, j, s.reply(Reply{Class: s.c.ErrorClass}))
			return
		}
	}
	for j.dep < len(s.c.Deps) {
		i := j.dep
		j.dep++
		d := s.c.Deps[i]
		if d.Op >= 0 && d.Op != j.call.Op {
			continue
		}
		if s.c.CheckDeadline && j.call.Deadline != 0 && s.now() >= j.call.Deadline {
			s.expired.Inc()
			s.freeJob(j)
			s.release(env)
			return
		}
		s.callers[i].Do(env, j.call.Op, j.call.Deadline, func(r Result) {
			if !r.OK {
				s.finish(env, j, s.reply(Reply{Class: r.Class}))
				return
			}
			j.degraded = j.degraded || r.Degraded
			s.workDone(env, j)
		})
		return
	}
	r := s.reply(Reply{OK: true, Degraded: j.degraded})
	if s.c.Apply != nil {
		s.c.Apply(&j.call, r)
	}
	s.finish(env, j, r)
}

// finish sends r, which it owns from then on, and frees j.
func (s *oldServer) finish(env *nodes.Env, j *oldJob, r *Reply) {
	s.served.Inc()
	if j.call.Deadline != 0 && s.now() > j.call.Deadline {
		s.zombie.Inc() // done for a caller that is no longer waiting
	}
	r.ID = j.call.ID
	env.Send(j.from, r, replySize)
	s.freeJob(j)
	s.release(env)
}

func (s *oldServer) release(env *nodes.Env) {
	s.busy--
	s.busyG.Set(s.now(), float64(s.busy))
	s.dispatch(env)
}

// Finish flushes the server's time series at the end of a run.
func (s *oldServer) Finish(end sim.Time) {
	if s.queueSeries != nil {
		s.queueSeries.Flush(end)
	}
}
