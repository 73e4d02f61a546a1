package services

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/health"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/sim"
)

// ServerConfig configures the default stack of a Server in one struct;
// Stack says which stage each field reaches. Zero fields take the
// documented defaults.
type ServerConfig struct {
	// Prefix names the server's metrics, e.g. "server_" gives
	// server_queue_len_max and server_zombie.
	Prefix string
	// Workers, MaxQueue, Shed and CheckDeadline configure the Pool (see
	// PoolConfig); CheckDeadline also reaches Deps.
	Workers       int
	MaxQueue      int
	Shed          *shed.Config
	CheckDeadline bool
	// RateLimit, when set, puts a RateLimit stage at the door.
	RateLimit *ratelimit.Config
	// Service and Slowdown configure the Work (see WorkConfig).
	Service  Dist
	Slowdown float64
	// ErrorRate and ErrorClass configure Fail (see FailConfig).
	ErrorRate  float64
	ErrorClass retry.Class
	// ChaosErrorRate, ChaosLatencyRate and ChaosLatency configure the
	// ChaosError and ChaosDelay stages, present when a rate is above 0.
	ChaosErrorRate   float64
	ChaosLatencyRate float64
	ChaosLatency     time.Duration
	// Deps, when set, adds a Deps stage calling them in order after the
	// local work.
	Deps []Dep
	// Apply, when set, computes the reply of a successful call (see
	// Respond).
	Apply func(c *Call, r *Reply)
	// Attempts and Stream configure the Server itself (see HostConfig).
	Attempts *sim.Counter
	Stream   string
}

// Validate checks the configuration, stage by stage.
func (c ServerConfig) Validate() error {
	if err := c.pool().Validate(); err != nil {
		return err
	}
	if err := c.fail().Validate(); err != nil {
		return err
	}
	if err := c.chaos().Validate(); err != nil {
		return err
	}
	if err := (WorkConfig{Service: c.Service, Slowdown: c.Slowdown}).Validate(); err != nil {
		return err
	}
	if c.RateLimit != nil {
		if err := c.RateLimit.Validate(); err != nil {
			return fmt.Errorf("server rate limit: %w", err)
		}
	}
	return (DepsConfig{Deps: c.Deps}).Validate()
}

func (c ServerConfig) pool() PoolConfig {
	return PoolConfig{Workers: c.Workers, MaxQueue: c.MaxQueue, Shed: c.Shed, CheckDeadline: c.CheckDeadline}
}

func (c ServerConfig) fail() FailConfig {
	return FailConfig{ErrorRate: c.ErrorRate, ErrorClass: c.ErrorClass}
}

func (c ServerConfig) chaos() ChaosConfig {
	return ChaosConfig{ErrorRate: c.ChaosErrorRate, LatencyRate: c.ChaosLatencyRate, Latency: c.ChaosLatency}
}

// Stack builds the default stack, in the order a call meets the stages:
//
//	RateLimit → Hang → ChaosError → Pool → Work → ChaosDelay → Wait → Fail → Deps → Respond
//
// RateLimit, the chaos pair and Deps are left out when not configured.
// It panics on a config that fails Validate.
func (c ServerConfig) Stack() Stage {
	b := new(defaultStack) // one allocation for the stages
	var st Stage = b.respond.init(c.Apply)
	if len(c.Deps) > 0 {
		st = b.deps.init(DepsConfig{Deps: c.Deps, CheckDeadline: c.CheckDeadline}, st)
	}
	st = b.wait.init(b.fail.init(c.fail(), st))
	chaos := c.ChaosErrorRate > 0 || c.ChaosLatencyRate > 0
	if chaos {
		st = b.chaosDelay.init(c.chaos(), st)
	}
	st = b.pool.init(c.pool(), b.work.init(WorkConfig{Service: c.Service, Slowdown: c.Slowdown}, st))
	if chaos {
		st = b.chaosError.init(c.chaos(), st)
	}
	st = b.hang.init(st)
	if c.RateLimit != nil {
		st = b.rateLimit.init(*c.RateLimit, st)
	}
	return st
}

// defaultStack holds the stages of ServerConfig.Stack side by side.
type defaultStack struct {
	rateLimit  RateLimit
	hang       Hang
	chaosError ChaosError
	pool       Pool
	work       Work
	chaosDelay ChaosDelay
	wait       Wait
	fail       Fail
	deps       Deps
	respond    Respond
}

// HostConfig configures what a Server owns around its stack.
type HostConfig struct {
	// Prefix names the server's metrics (see ServerConfig.Prefix).
	Prefix string
	// Attempts, when set, counts the calls that reach this server (the
	// attempts of the clients in front of it) instead of PREFIXarrivals.
	Attempts *sim.Counter
	// Stream names the server's random stream; default "server/NAME".
	// Every stage draws from it, in the order calls meet them.
	Stream string
}

// Server is a node that serves calls through a stack of stages. It
// answers health checks itself, counts arrivals, served calls and zombie
// work, and routes work timers and dependency replies back to the stages.
// Its fault knobs (SetSlow, SetHang, SetErrorRate, SetBroken) reach the
// stages that hold them and may change during a run.
type Server struct {
	// Arrivals, Served and Zombie count the calls that reach the stack
	// (PREFIXarrivals, or HostConfig.Attempts), the calls a worker took
	// that got a reply (PREFIXserved), and those replied to after their
	// caller's deadline (PREFIXzombie).
	Arrivals, Served, Zombie *sim.Counter

	c    ServerConfig
	host HostConfig
	top  Stage
	// The stages the knobs and accessors reach, nil when absent.
	hang  *Hang
	work  *Work
	fail  *Fail
	pool  *Pool
	deps  *Deps
	waits []*Wait // indexed by Job.wait

	prefix, stream string
	rng            *rand.Rand
	world          *sim.World
	health         *health.Checker
	draining       bool   // leaving: readiness fails, work in hand still served
	spare          []*Job // finished jobs, for reuse
	jobs           chunk[Job]
	replies        chunk[Reply]
}

// NewServer returns a Server running c's default stack (ServerConfig.Stack).
// It panics on a config that fails Validate, which is a bug in the
// scenario (validate params first).
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
	s := NewStackServer(HostConfig{Prefix: c.Prefix, Attempts: c.Attempts, Stream: c.Stream}, c.Stack())
	s.c = c
	return s
}

// NewStackServer returns a Server running the stack whose first stage is
// top.
func NewStackServer(h HostConfig, top Stage) *Server {
	s := &Server{host: h, top: top, prefix: h.Prefix}
	for st := top; st != nil; st = st.Next() {
		switch st := st.(type) {
		case *Hang:
			s.hang = keep(s.hang, st)
		case *Work:
			s.work = keep(s.work, st)
		case *Fail:
			s.fail = keep(s.fail, st)
		case *Pool:
			s.pool = keep(s.pool, st)
		case *Deps:
			s.deps = keep(s.deps, st)
		}
	}
	return s
}

// keep returns old if set, else st: a knob reaches the first stage of its
// kind.
func keep[T any](old, st *T) *T {
	if old != nil {
		return old
	}
	return st
}

// Config returns the configuration NewServer was given, with defaults
// filled in (zero for NewStackServer).
func (s *Server) Config() ServerConfig { return s.c }

// Stages returns the stack from the first stage to the last.
func (s *Server) Stages() []Stage {
	var out []Stage
	for st := s.top; st != nil; st = st.Next() {
		out = append(out, st)
	}
	return out
}

// Start implements nodes.Node.
func (s *Server) Start(env *nodes.Env) {
	w := env.World()
	s.world = w
	s.jobs.arena, s.replies.arena = w.Arena(), w.Arena()
	s.stream = s.host.Stream
	if s.stream == "" {
		s.stream = "server/" + env.Name()
	}
	s.rng = w.Rand(s.stream)
	s.Arrivals = s.host.Attempts
	if s.Arrivals == nil {
		s.Arrivals = s.Counter("arrivals")
	}
	s.Served, s.Zombie = s.Counter("served"), s.Counter("zombie")
	for st := s.top; st != nil; st = st.Next() {
		st.Start(env, s)
	}
	// The local database is the critical dependency deep checks look at.
	h, err := health.New(health.Config{Dependencies: []health.Dependency{{Name: "db", Critical: true}}})
	if err != nil {
		panic(err)
	}
	s.health = h
}

// SetSlow multiplies every later service time by f (1 = healthy): a
// capacity dip when f > 1. It reaches the Work stage.
func (s *Server) SetSlow(f float64) {
	if s.work != nil {
		s.work.SetSlow(f)
	}
}

// SetHang makes each later call, with probability p, vanish without a
// reply and without using a worker. It reaches the Hang stage.
func (s *Server) SetHang(p float64) {
	if s.hang != nil {
		s.hang.SetHang(p)
	}
}

// SetErrorRate sets the probability a call fails after its work. It
// reaches the Fail stage.
func (s *Server) SetErrorRate(p float64) {
	if s.fail != nil {
		s.fail.SetErrorRate(p)
	}
}

// SetBroken makes every later call fail as unavailable after its work, as
// a server that lost its database does; deep health checks then fail while
// shallow ones pass. It reaches the Fail stage.
func (s *Server) SetBroken(b bool) {
	if s.fail != nil {
		s.fail.SetBroken(b)
	}
}

// Drain implements nodes.Drainer: a server that is leaving fails its
// health checks, so balancers stop sending it work, and keeps serving
// what still reaches it until the runtime stops it.
func (s *Server) Drain(*nodes.Env) { s.draining = true }

// QueueLen returns the calls waiting for a worker.
func (s *Server) QueueLen() int {
	if s.pool == nil {
		return 0
	}
	return s.pool.Len()
}

// Busy returns the workers at work (or waiting on a dependency).
func (s *Server) Busy() int {
	if s.pool == nil {
		return 0
	}
	return s.pool.Busy()
}

// Receive implements nodes.Node.
func (s *Server) Receive(env *nodes.Env, from NodeID, msg any) {
	switch m := msg.(type) {
	case *Call:
		s.arrive(env, from, m)
	case *Reply:
		if s.deps != nil {
			s.deps.reply(env, from, m)
		}
	}
}

// Timer implements nodes.Node.
func (s *Server) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	switch d := data.(type) {
	case *Job:
		s.waits[d.wait].wake(env, d)
	case *callerTimer:
		routeTimer(env, id, d)
	}
}

// arrive answers a health check, or hands a call to the stack.
func (s *Server) arrive(env *nodes.Env, from NodeID, c *Call) {
	switch c.Op {
	case OpHealthShallow:
		env.Send(from, s.NewReply(Reply{ID: c.ID, OK: !s.draining}), replySize)
		return
	case OpHealthDeep:
		broken := s.fail != nil && s.fail.broken
		_ = s.health.Observe(env.Now().Duration(), "db", !broken)
		ok := s.health.Deep(env.Now().Duration()).Status != health.Unhealthy && !s.draining
		env.Send(from, s.NewReply(Reply{ID: c.ID, OK: ok, Class: retry.Unavailable}), replySize)
		return
	}
	s.Arrivals.Inc()
	j := s.newJob()
	j.From, j.Call, j.Arrived = from, *c, s.Now()
	s.top.Serve(env, j)
}

// Now returns the simulated time.
func (s *Server) Now() sim.Time { return s.world.Now() }

// Rand returns the server's random stream, shared by its stages.
func (s *Server) Rand() *rand.Rand { return s.rng }

// Counter returns the counter PREFIXname.
func (s *Server) Counter(name string) *sim.Counter { return s.world.Metrics.Counter(s.prefix + name) }

// Gauge returns the gauge PREFIXname.
func (s *Server) Gauge(name string) *sim.Gauge { return s.world.Metrics.Gauge(s.prefix + name) }

// NewReply returns r in storage carved from the server's chunk of
// replies, for End.
func (s *Server) NewReply(r Reply) *Reply {
	p := s.replies.new()
	*p = r
	return p
}

// End ends j: it sends r (from NewReply) to the caller, or nothing when r
// is nil, and frees j and its worker. A reply to a call a worker took
// counts as served, and as zombie work when the caller's deadline passed.
// j must not be used after.
func (s *Server) End(env *nodes.Env, j *Job, r *Reply) {
	working := j.working
	if r != nil {
		if working {
			s.Served.Inc()
			if j.Call.Deadline != 0 && s.Now() > j.Call.Deadline {
				s.Zombie.Inc() // done for a caller that is no longer waiting
			}
		}
		r.ID = j.Call.ID
		env.Send(j.From, r, replySize)
	}
	*j = Job{}
	s.spare = append(s.spare, j)
	if working && s.pool != nil {
		s.pool.release(env)
	}
}

// newJob returns a cleared job, reused if one is spare.
func (s *Server) newJob() *Job {
	if n := len(s.spare); n > 0 {
		j := s.spare[n-1]
		s.spare = s.spare[:n-1]
		return j
	}
	return s.jobs.new()
}

// Finish flushes the server's time series at the end of a run.
func (s *Server) Finish(end sim.Time) {
	if s.pool != nil && s.pool.QueueSeries != nil {
		s.pool.QueueSeries.Flush(end)
	}
}
