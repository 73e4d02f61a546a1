package services

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// WorkConfig configures the local work of a call.
type WorkConfig struct {
	// Service is the service-time distribution.
	Service Dist
	// Slowdown stretches service time with concurrency: a call that starts
	// with b workers busy (itself included) takes Service·(1 + Slowdown·(b−1)).
	Slowdown float64
}

// Validate checks the configuration.
func (c WorkConfig) Validate() error {
	if c.Slowdown < 0 {
		return fmt.Errorf("server slowdown %v: want ≥ 0", c.Slowdown)
	}
	return nil
}

// Work draws the service time of a call into Job.Service, stretched by
// the slowdown and by the factor SetSlow sets; Wait spends it.
type Work struct {
	c    WorkConfig
	slow float64 // service-time factor (1 = healthy)
	rng  *rand.Rand
	next Stage
}

// NewWork returns the stage; it panics on a config that fails Validate.
func NewWork(c WorkConfig, next Stage) *Work { return new(Work).init(c, next) }

func (st *Work) init(c WorkConfig, next Stage) *Work {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	*st = Work{c: c, slow: 1, next: next}
	return st
}

// SetSlow multiplies every later service time by f (1 = healthy): a
// capacity dip when f > 1.
func (st *Work) SetSlow(f float64) { st.slow = f }

// Next implements Stage.
func (st *Work) Next() Stage { return st.next }

// Start implements Stage.
func (st *Work) Start(_ *nodes.Env, s *Server) { st.rng = s.Rand() }

// Serve implements Stage.
func (st *Work) Serve(env *nodes.Env, j *Job) {
	d := st.c.Service.Sample(st.rng)
	f := st.slow
	if st.c.Slowdown > 0 {
		// float64() rounds the product, so no platform fuses it into an FMA.
		f *= 1 + float64(st.c.Slowdown*float64(j.Busy-1))
	}
	if f != 1 {
		d = time.Duration(float64(d) * f)
	}
	j.Service = d
	st.next.Serve(env, j)
}

// ChaosDelay adds chaos latency to the service time Work drew, with
// probability LatencyRate. Metric: PREFIXchaos_delays.
type ChaosDelay struct {
	Delays *sim.Counter

	rate    float64
	latency time.Duration
	rng     *rand.Rand
	next    Stage
}

// NewChaosDelay returns the work half of chaos c; it panics on a config
// that fails Validate.
func NewChaosDelay(c ChaosConfig, next Stage) *ChaosDelay {
	return new(ChaosDelay).init(c, next)
}

func (st *ChaosDelay) init(c ChaosConfig, next Stage) *ChaosDelay {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	*st = ChaosDelay{rate: c.LatencyRate, latency: c.Latency, next: next}
	return st
}

// Next implements Stage.
func (st *ChaosDelay) Next() Stage { return st.next }

// Start implements Stage.
func (st *ChaosDelay) Start(_ *nodes.Env, s *Server) {
	st.rng, st.Delays = s.Rand(), s.Counter("chaos_delays")
}

// Serve implements Stage.
func (st *ChaosDelay) Serve(env *nodes.Env, j *Job) {
	if st.rate > 0 && st.rng.Float64() < st.rate {
		st.Delays.Inc()
		j.Service += st.latency
	}
	st.next.Serve(env, j)
}

// Wait holds a call for its Job.Service of simulated time, then passes it
// on: the passage of time of the work.
type Wait struct {
	next  Stage
	index int // among the server's Wait stages, for its timers
}

// NewWait returns the stage.
func NewWait(next Stage) *Wait { return new(Wait).init(next) }

func (st *Wait) init(next Stage) *Wait {
	st.next = next
	return st
}

// Next implements Stage.
func (st *Wait) Next() Stage { return st.next }

// Start implements Stage.
func (st *Wait) Start(_ *nodes.Env, s *Server) {
	st.index = len(s.waits)
	s.waits = append(s.waits, st)
}

// Serve implements Stage. Work timers are never cancelled: the job stays
// live until its timer fires, when Server.Timer calls wake.
func (st *Wait) Serve(env *nodes.Env, j *Job) {
	j.wait = st.index
	env.SetTimer(j.Service, j)
}

// wake passes on a job whose time is spent.
func (st *Wait) wake(env *nodes.Env, j *Job) { st.next.Serve(env, j) }
