package services

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/health"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/sim"
)

// Unbounded is the MaxQueue of a queue without a bound.
const Unbounded = -1

// Dep is a downstream call a server makes for every call of the matching
// operation, after its local work and before it replies.
type Dep struct {
	To NodeID
	// Op is the operation of the matching incoming calls; -1 matches all.
	Op int
	// Pipeline is the resilience pipeline of these calls (nil: one plain
	// attempt, no timeout).
	Pipeline *pipeline.Config
}

// ServerConfig configures a Server. Zero fields take the documented
// defaults.
type ServerConfig struct {
	// Prefix names the server's metrics, e.g. "server_" gives
	// server_queue_len_max and server_zombie.
	Prefix string
	// Workers serve calls in parallel; 0 means 1.
	Workers int
	// MaxQueue bounds the calls waiting for a worker: Unbounded (-1), or
	// ≥ 0 (0: a call that finds every worker busy is rejected).
	MaxQueue int
	// RateLimit, when set, admits calls through a token bucket at the
	// door: a call that finds no token is rejected at once as overloaded,
	// without using a worker or a queue place, and counted in
	// PREFIXrate_limited.
	RateLimit *ratelimit.Config
	// Shed, when set, replaces the FIFO queue with a load shedder: bounded,
	// optionally dropping calls that waited too long, optionally LIFO.
	Shed *shed.Config
	// Service is the service-time distribution of the local work.
	Service Dist
	// Slowdown stretches service time with concurrency: a call that starts
	// with b workers busy (itself included) takes Service·(1 + Slowdown·(b−1)).
	Slowdown float64
	// CheckDeadline drops a call whose caller already gave up when a worker
	// takes it, instead of working on it (zombie work).
	CheckDeadline bool
	// ErrorRate is the probability a call fails with an internal error
	// after its local work.
	ErrorRate float64
	// ErrorClass is the class of the errors ErrorRate injects; default
	// internal.
	ErrorClass retry.Class
	// ChaosErrorRate is the probability a call is failed at once by chaos
	// middleware in front of the server, without using a worker.
	ChaosErrorRate float64
	// ChaosLatencyRate is the probability chaos middleware adds
	// ChaosLatency to a call's service time.
	ChaosLatencyRate float64
	ChaosLatency     time.Duration
	// Deps are called in order after the local work.
	Deps []Dep
	// Apply, when set, computes the reply of a successful call (for
	// scenario logic such as a versioned register). It runs when the work
	// is done. It must not keep c, which is reused after it returns.
	Apply func(c *Call, r *Reply)
	// Attempts, when set, counts the calls that reach this server (the
	// attempts of the clients in front of it).
	Attempts *sim.Counter
	// Stream names the server's random stream; default "server/NAME".
	Stream string
}

// Validate checks the configuration.
func (c ServerConfig) Validate() error {
	switch {
	case c.Workers < 0:
		return fmt.Errorf("server workers %d: want ≥ 1", c.Workers)
	case c.MaxQueue < Unbounded:
		return fmt.Errorf("server queue %d: want ≥ 0, or -1 for unbounded", c.MaxQueue)
	case !(c.ErrorRate >= 0 && c.ErrorRate <= 1):
		return fmt.Errorf("server error rate %v: want a probability in [0, 1]", c.ErrorRate)
	case !(c.ChaosErrorRate >= 0 && c.ChaosErrorRate <= 1), !(c.ChaosLatencyRate >= 0 && c.ChaosLatencyRate <= 1):
		return fmt.Errorf("server chaos rates %v, %v: want probabilities in [0, 1]", c.ChaosErrorRate, c.ChaosLatencyRate)
	case c.Slowdown < 0:
		return fmt.Errorf("server slowdown %v: want ≥ 0", c.Slowdown)
	}
	if c.Shed != nil {
		if err := c.Shed.Validate(); err != nil {
			return fmt.Errorf("server shed: %w", err)
		}
	}
	if c.RateLimit != nil {
		if err := c.RateLimit.Validate(); err != nil {
			return fmt.Errorf("server rate limit: %w", err)
		}
	}
	for _, d := range c.Deps {
		if d.Pipeline != nil {
			if err := d.Pipeline.Validate(); err != nil {
				return fmt.Errorf("server dependency %s: %w", network.Name(d.To), err)
			}
		}
	}
	return nil
}

type job struct {
	from     NodeID
	call     Call
	arrived  sim.Time
	dep      int // index of the next dependency to consider
	degraded bool
}

// Server is a node that serves calls with a worker pool and a queue.
// Build one per node with NewServer; its fault knobs (SetSlow, SetHang,
// SetErrorRate, SetBroken) may change during a run.
type Server struct {
	c       ServerConfig
	rng     *rand.Rand
	workers int
	busy    int
	fifo    []*job // FIFO queue when c.Shed is nil
	head    int
	shedq   *shed.Shedder[*job]
	callers []*Caller // one per Dep
	limiter *ratelimit.Limiter
	health  *health.Checker
	spare   []*job // finished jobs, for reuse
	jobs    chunk[job]
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
func NewServer(c ServerConfig) *Server {
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
	return &Server{c: c, workers: c.Workers, slow: 1, errorRate: c.ErrorRate}
}

// Config returns the server's configuration.
func (s *Server) Config() ServerConfig { return s.c }

// Start implements nodes.Node.
func (s *Server) Start(env *nodes.Env) {
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
		q, err := shed.New[*job](*s.c.Shed)
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
func (s *Server) SetSlow(f float64) { s.slow = f }

// SetHang makes each later call, with probability p, vanish without a
// reply and without using a worker: a dependency that never answers.
func (s *Server) SetHang(p float64) { s.hang = p }

// SetErrorRate sets the probability a call fails after its work.
func (s *Server) SetErrorRate(p float64) { s.errorRate = p }

// SetBroken makes every later call fail as unavailable after its work, as
// a server that lost its database does; deep health checks then fail while
// shallow ones pass.
func (s *Server) SetBroken(b bool) { s.broken = b }

// Drain implements nodes.Drainer: a server that is leaving fails its
// health checks, so balancers stop sending it work, and keeps serving
// what still reaches it until the runtime stops it.
func (s *Server) Drain(*nodes.Env) { s.draining = true }

// QueueLen returns the calls waiting for a worker.
func (s *Server) QueueLen() int {
	if s.shedq != nil {
		return s.shedq.Len()
	}
	return len(s.fifo) - s.head
}

// Busy returns the workers at work (or waiting on a dependency).
func (s *Server) Busy() int { return s.busy }

// Receive implements nodes.Node.
func (s *Server) Receive(env *nodes.Env, from NodeID, msg any) {
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
func (s *Server) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	switch d := data.(type) {
	case *job:
		s.workDone(env, d)
	case *callerTimer:
		routeTimer(env, id, d)
	}
}

func (s *Server) now() sim.Time { return s.world.Now() }

func (s *Server) arrive(env *nodes.Env, from NodeID, c *Call) {
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

func (s *Server) reject(env *nodes.Env, j *job) {
	s.shedN.Inc()
	env.Send(j.from, s.reply(Reply{ID: j.call.ID, Class: retry.Overloaded}), replySize)
	s.freeJob(j)
}

// newJob returns a cleared job, reused if one is spare.
func (s *Server) newJob() *job {
	if n := len(s.spare); n > 0 {
		j := s.spare[n-1]
		s.spare = s.spare[:n-1]
		return j
	}
	return s.jobs.new()
}

// reply returns r in storage carved from the server's chunk of replies.
func (s *Server) reply(r Reply) *Reply {
	p := s.replies.new()
	*p = r
	return p
}

// freeJob keeps j for reuse; j must not be used after. A job is freed
// once: when it is replied to, rejected or dropped as expired. Its work
// timer has fired by then (work timers are never cancelled).
func (s *Server) freeJob(j *job) {
	*j = job{}
	s.spare = append(s.spare, j)
}

func (s *Server) queueChanged(now sim.Time) {
	n := float64(s.QueueLen())
	s.queueLen.Set(now, n)
	s.queueSeries.Set(now, n)
}

// next takes the next call from the queue, or nil.
func (s *Server) next(env *nodes.Env) *job {
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

func (s *Server) dispatch(env *nodes.Env) {
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

func (s *Server) begin(env *nodes.Env, j *job) {
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
func (s *Server) workDone(env *nodes.Env, j *job) {
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
func (s *Server) finish(env *nodes.Env, j *job, r *Reply) {
	s.served.Inc()
	if j.call.Deadline != 0 && s.now() > j.call.Deadline {
		s.zombie.Inc() // done for a caller that is no longer waiting
	}
	r.ID = j.call.ID
	env.Send(j.from, r, replySize)
	s.freeJob(j)
	s.release(env)
}

func (s *Server) release(env *nodes.Env) {
	s.busy--
	s.busyG.Set(s.now(), float64(s.busy))
	s.dispatch(env)
}

// Finish flushes the server's time series at the end of a run.
func (s *Server) Finish(end sim.Time) {
	if s.queueSeries != nil {
		s.queueSeries.Flush(end)
	}
}
