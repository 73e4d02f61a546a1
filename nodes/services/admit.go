package services

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// RateLimit admits calls through a token bucket (patterns/ratelimit): a
// call that finds no token is rejected at once as overloaded, without a
// worker or a queue place. Metric: PREFIXrate_limited.
type RateLimit struct {
	Limited *sim.Counter

	limiter *ratelimit.Limiter
	s       *Server
	next    Stage
}

// NewRateLimit returns the stage; it panics on a config that fails
// Validate.
func NewRateLimit(c ratelimit.Config, next Stage) *RateLimit {
	return new(RateLimit).init(c, next)
}

func (st *RateLimit) init(c ratelimit.Config, next Stage) *RateLimit {
	l, err := ratelimit.New(c)
	if err != nil {
		panic(fmt.Errorf("server rate limit: %w", err))
	}
	*st = RateLimit{limiter: l, next: next}
	return st
}

// Next implements Stage.
func (st *RateLimit) Next() Stage { return st.next }

// Start implements Stage.
func (st *RateLimit) Start(_ *nodes.Env, s *Server) {
	st.s, st.Limited = s, s.Counter("rate_limited")
}

// Serve implements Stage.
func (st *RateLimit) Serve(env *nodes.Env, j *Job) {
	if !st.limiter.Allow(st.s.Now().Duration()) {
		st.Limited.Inc()
		st.s.End(env, j, st.s.NewReply(Reply{Class: retry.Overloaded}))
		return
	}
	st.next.Serve(env, j)
}

// Hang makes each call, with the probability set by SetHang (0 at first),
// vanish without a reply and without a worker: a dependency that never
// answers. Metric: PREFIXhung.
type Hang struct {
	Hung *sim.Counter

	p    float64
	rng  *rand.Rand
	s    *Server
	next Stage
}

// NewHang returns the stage, hanging nothing until SetHang.
func NewHang(next Stage) *Hang { return new(Hang).init(next) }

func (st *Hang) init(next Stage) *Hang {
	*st = Hang{next: next}
	return st
}

// SetHang sets the probability a later call hangs.
func (st *Hang) SetHang(p float64) { st.p = p }

// Next implements Stage.
func (st *Hang) Next() Stage { return st.next }

// Start implements Stage.
func (st *Hang) Start(_ *nodes.Env, s *Server) {
	st.s, st.rng, st.Hung = s, s.Rand(), s.Counter("hung")
}

// Serve implements Stage.
func (st *Hang) Serve(env *nodes.Env, j *Job) {
	if st.p > 0 && st.rng.Float64() < st.p {
		st.Hung.Inc()
		st.s.End(env, j, nil)
		return
	}
	st.next.Serve(env, j)
}

// ChaosConfig configures chaos middleware in front of a server.
type ChaosConfig struct {
	// ErrorRate is the probability a call is failed at once as internal,
	// without a worker.
	ErrorRate float64
	// LatencyRate is the probability Latency is added to a call's
	// service time.
	LatencyRate float64
	Latency     time.Duration
}

// Validate checks the configuration.
func (c ChaosConfig) Validate() error {
	if !(c.ErrorRate >= 0 && c.ErrorRate <= 1) || !(c.LatencyRate >= 0 && c.LatencyRate <= 1) {
		return fmt.Errorf("server chaos rates %v, %v: want probabilities in [0, 1]", c.ErrorRate, c.LatencyRate)
	}
	return nil
}

// ChaosError fails calls at the door with probability ErrorRate, before
// they reach the queue; ChaosDelay, placed after Work, adds the latency.
// Metric: PREFIXchaos_errors.
type ChaosError struct {
	Errors *sim.Counter

	rate float64
	rng  *rand.Rand
	s    *Server
	next Stage
}

// NewChaosError returns the door half of chaos c; it panics on a config
// that fails Validate.
func NewChaosError(c ChaosConfig, next Stage) *ChaosError {
	return new(ChaosError).init(c, next)
}

func (st *ChaosError) init(c ChaosConfig, next Stage) *ChaosError {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	*st = ChaosError{rate: c.ErrorRate, next: next}
	return st
}

// Next implements Stage.
func (st *ChaosError) Next() Stage { return st.next }

// Start implements Stage.
func (st *ChaosError) Start(_ *nodes.Env, s *Server) {
	st.s, st.rng, st.Errors = s, s.Rand(), s.Counter("chaos_errors")
}

// Serve implements Stage.
func (st *ChaosError) Serve(env *nodes.Env, j *Job) {
	if st.rate > 0 && st.rng.Float64() < st.rate {
		st.Errors.Inc()
		st.s.End(env, j, st.s.NewReply(Reply{Class: retry.Internal}))
		return
	}
	st.next.Serve(env, j)
}
