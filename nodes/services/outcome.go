package services

import (
	"fmt"
	"math/rand/v2"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// FailConfig configures the errors a server injects after its work.
type FailConfig struct {
	// ErrorRate is the probability a call fails after its local work.
	ErrorRate float64
	// ErrorClass is the class of those errors; default internal.
	ErrorClass retry.Class
}

// Validate checks the configuration.
func (c FailConfig) Validate() error {
	if !(c.ErrorRate >= 0 && c.ErrorRate <= 1) {
		return fmt.Errorf("server error rate %v: want a probability in [0, 1]", c.ErrorRate)
	}
	return nil
}

// Fail ends a call whose work is done with an error: as unavailable while
// the server is broken (SetBroken), else with probability ErrorRate
// (SetErrorRate) as ErrorClass. Metric: PREFIXerrors (injected errors).
type Fail struct {
	Errors *sim.Counter

	class  retry.Class
	rate   float64
	broken bool // lost a critical dependency (e.g. its database)
	rng    *rand.Rand
	s      *Server
	next   Stage
}

// NewFail returns the stage; it panics on a config that fails Validate.
func NewFail(c FailConfig, next Stage) *Fail { return new(Fail).init(c, next) }

func (st *Fail) init(c FailConfig, next Stage) *Fail {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if c.ErrorClass == "" {
		c.ErrorClass = retry.Internal
	}
	*st = Fail{class: c.ErrorClass, rate: c.ErrorRate, next: next}
	return st
}

// SetErrorRate sets the probability a later call fails after its work.
func (st *Fail) SetErrorRate(p float64) { st.rate = p }

// SetBroken makes every later call fail as unavailable after its work.
func (st *Fail) SetBroken(b bool) { st.broken = b }

// Next implements Stage.
func (st *Fail) Next() Stage { return st.next }

// Start implements Stage.
func (st *Fail) Start(_ *nodes.Env, s *Server) {
	st.s, st.rng, st.Errors = s, s.Rand(), s.Counter("errors")
}

// Serve implements Stage.
func (st *Fail) Serve(env *nodes.Env, j *Job) {
	if st.broken {
		st.s.End(env, j, st.s.NewReply(Reply{Class: retry.Unavailable}))
		return
	}
	if st.rate > 0 && st.rng.Float64() < st.rate {
		st.Errors.Inc()
		st.s.End(env, j, st.s.NewReply(Reply{Class: st.class}))
		return
	}
	st.next.Serve(env, j)
}

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

// DepsConfig configures a server's downstream calls.
type DepsConfig struct {
	// Deps are called in order.
	Deps []Dep
	// CheckDeadline drops a call whose caller gave up before the next
	// dependency is called.
	CheckDeadline bool
}

// Validate checks the configuration.
func (c DepsConfig) Validate() error {
	for _, d := range c.Deps {
		if d.Pipeline != nil {
			if err := d.Pipeline.Validate(); err != nil {
				return fmt.Errorf("server dependency %s: %w", network.Name(d.To), err)
			}
		}
	}
	return nil
}

// Deps calls the matching dependencies in order, each through its own
// Caller, and passes the call on when all succeeded; the first failure
// ends it with that failure's class. Metric: PREFIXexpired, shared with
// Pool.
type Deps struct {
	Expired *sim.Counter

	c       DepsConfig
	callers []*Caller // one per Dep
	s       *Server
	next    Stage
}

// NewDeps returns the stage; it panics on a config that fails Validate.
func NewDeps(c DepsConfig, next Stage) *Deps { return new(Deps).init(c, next) }

func (st *Deps) init(c DepsConfig, next Stage) *Deps {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	c.Deps = append([]Dep(nil), c.Deps...)
	*st = Deps{c: c, next: next}
	return st
}

// Next implements Stage.
func (st *Deps) Next() Stage { return st.next }

// Start implements Stage: one Caller per dependency, on the streams
// STREAM/dep0, STREAM/dep1, ...
func (st *Deps) Start(env *nodes.Env, s *Server) {
	st.s, st.Expired = s, s.Counter("expired")
	for i, d := range st.c.Deps {
		st.callers = append(st.callers, NewCaller(env, CallerConfig{
			Pipeline: d.Pipeline, To: d.To, Stream: fmt.Sprintf("%s/dep%d", s.stream, i),
		}))
	}
}

// Serve implements Stage. A dependency's reply brings the call back here,
// to the next dependency.
func (st *Deps) Serve(env *nodes.Env, j *Job) {
	for j.dep < len(st.c.Deps) {
		i := j.dep
		j.dep++
		d := st.c.Deps[i]
		if d.Op >= 0 && d.Op != j.Call.Op {
			continue
		}
		if st.c.CheckDeadline && j.Call.Deadline != 0 && st.s.Now() >= j.Call.Deadline {
			st.Expired.Inc()
			st.s.End(env, j, nil)
			return
		}
		st.callers[i].Do(env, j.Call.Op, j.Call.Deadline, func(r Result) {
			if !r.OK {
				st.s.End(env, j, st.s.NewReply(Reply{Class: r.Class}))
				return
			}
			j.degraded = j.degraded || r.Degraded
			st.Serve(env, j)
		})
		return
	}
	st.next.Serve(env, j)
}

// reply hands a reply from node from to the Caller of that dependency;
// it reports whether one took it.
func (st *Deps) reply(env *nodes.Env, from NodeID, r *Reply) bool {
	for _, c := range st.callers {
		if c.c.To == from {
			c.Reply(env, r)
			return true
		}
	}
	return false
}

// Respond ends a call whose work succeeded with an OK reply, computed by
// apply when set (scenario logic such as a versioned register). apply
// must not keep c, which is reused after it returns.
type Respond struct {
	apply func(c *Call, r *Reply)
	s     *Server
}

// NewRespond returns the last stage of a stack.
func NewRespond(apply func(c *Call, r *Reply)) *Respond { return new(Respond).init(apply) }

func (st *Respond) init(apply func(c *Call, r *Reply)) *Respond {
	st.apply = apply
	return st
}

// Next implements Stage: Respond is the last stage.
func (st *Respond) Next() Stage { return nil }

// Start implements Stage.
func (st *Respond) Start(_ *nodes.Env, s *Server) { st.s = s }

// Serve implements Stage.
func (st *Respond) Serve(env *nodes.Env, j *Job) {
	r := st.s.NewReply(Reply{OK: true, Degraded: j.degraded})
	if st.apply != nil {
		st.apply(&j.Call, r)
	}
	st.s.End(env, j, r)
}
