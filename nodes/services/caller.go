package services

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// CallerConfig configures a Caller.
type CallerConfig struct {
	// Pipeline is the resilience pipeline; nil is one plain attempt with no
	// timeout.
	Pipeline *pipeline.Config
	// To is the target of every attempt, unless Pick is set.
	To NodeID
	// Pick, when set, chooses the target of each attempt (a load balancer).
	Pick func() NodeID
	// Stream names the caller's random stream (backoff jitter, throttle).
	Stream string
	// Stats, when set, counts every request and its outcome.
	Stats *Stats
	// BreakerSeries, when set and the breaker is on, names the level series
	// of the breaker state: 0 closed, 1 half-open, 2 open.
	BreakerSeries string
}

// Caller drives one node's outgoing requests through a patterns/pipeline
// state machine: it sends the attempts the pipeline asks for, sets their
// timeouts and the pipeline's wake-ups as node timers, and feeds replies,
// timeouts and wake-ups back, all in simulated time.
type Caller struct {
	c       CallerConfig
	world   *sim.World
	p       *pipeline.Pipeline
	nextID  uint64
	pending map[uint64]*attempt            // by wire id; looked up only
	reqs    map[*pipeline.Request]*request // for the pipeline's Wake lists; looked up only
	brLevel *Level
	late    *sim.Counter
}

type request struct {
	pr        *pipeline.Request
	op        int
	value     int64
	start     sim.Time // true time
	upstream  sim.Time // the deadline of the call this request serves, 0 = none
	done      func(Result)
	attempts  []*attempt // outstanding
	wake      nodes.TimerID
	hasWake   bool
	lastClass retry.Class
	lastReply *Reply
}

type attempt struct {
	id       uint64
	n        int
	req      *request
	timer    nodes.TimerID
	hasTimer bool
}

const (
	timerTimeout = iota
	timerWake
)

// callerTimer is the data of a Caller's timers; the owning node routes it
// back with RouteTimer.
type callerTimer struct {
	c    *Caller
	kind int
	a    *attempt
	r    *request
}

// NewCaller builds the pipeline of c for the node of env. It panics on an
// invalid pipeline, which the scenario validates beforehand.
func NewCaller(env *nodes.Env, c CallerConfig) *Caller {
	w := env.World()
	stream := c.Stream
	if stream == "" {
		stream = "caller/" + env.Name()
	}
	var cfg pipeline.Config
	if c.Pipeline != nil {
		cfg = *c.Pipeline
	}
	p, err := pipeline.New(cfg, w.Rand(stream))
	if err != nil {
		panic(fmt.Sprintf("services: pipeline: %v", err))
	}
	cl := &Caller{c: c, world: w, p: p, pending: map[uint64]*attempt{}, reqs: map[*pipeline.Request]*request{},
		late: w.Metrics.Counter("late_replies")}
	if p.Breaker() != nil && c.BreakerSeries != "" {
		cl.brLevel = NewLevel(w.Metrics, c.BreakerSeries)
	}
	return cl
}

// Pipeline returns the caller's pipeline (for its breaker or budget).
func (c *Caller) Pipeline() *pipeline.Pipeline { return c.p }

func (c *Caller) local(env *nodes.Env) time.Duration { return env.Now().Duration() }

// Do starts one request of operation op. upstream is the deadline of the
// call this request serves (true time, 0 = none): each attempt's Call
// carries the earlier of it and the attempt's own timeout, so that servers
// checking deadlines can drop dead work. done runs once, with the result.
func (c *Caller) Do(env *nodes.Env, op int, upstream sim.Time, done func(Result)) {
	c.DoValue(env, op, 0, upstream, done)
}

// DoValue is Do with a value carried in every attempt's Call.
func (c *Caller) DoValue(env *nodes.Env, op int, value int64, upstream sim.Time, done func(Result)) {
	r := &request{pr: c.p.NewRequest(), op: op, value: value, start: c.world.Now(), upstream: upstream, done: done}
	if c.c.Stats != nil {
		c.c.Stats.Begin()
	}
	c.reqs[r.pr] = r
	c.apply(env, r, r.pr.Start(c.local(env)))
}

// apply carries out a pipeline decision for r.
func (c *Caller) apply(env *nodes.Env, r *request, d pipeline.Decision) {
	now := c.world.Now()
	for _, s := range d.Send {
		c.nextID++
		a := &attempt{id: c.nextID, n: s.Attempt, req: r}
		c.pending[a.id] = a
		r.attempts = append(r.attempts, a)
		wire := r.upstream
		if s.Timeout > 0 {
			if t := now.Add(s.Timeout); wire == 0 || t < wire {
				wire = t
			}
			a.timer, a.hasTimer = env.SetTimer(s.Timeout, &callerTimer{c: c, kind: timerTimeout, a: a}), true
		}
		to := c.c.To
		if c.c.Pick != nil {
			to = c.c.Pick()
		}
		env.Send(to, &Call{ID: a.id, Op: r.op, Deadline: wire, Value: r.value}, callSize)
	}
	for _, n := range d.Cancel {
		for _, a := range r.attempts {
			if a.n == n {
				c.drop(env, a)
				break
			}
		}
	}
	if d.HasWake {
		if r.hasWake {
			env.CancelTimer(r.wake)
		}
		in := max(d.WakeAt-c.local(env), 0)
		r.wake, r.hasWake = env.SetTimer(in, &callerTimer{c: c, kind: timerWake, r: r}), true
	}
	c.breakerLevel(env)
	if d.Done {
		c.end(env, r, d.Result)
	}
	for _, pr := range d.Wake {
		if o := c.reqs[pr]; o != nil {
			c.apply(env, o, pr.OnTimer(c.local(env)))
		}
	}
}

// drop forgets an attempt: its reply, if one comes, is late.
func (c *Caller) drop(env *nodes.Env, a *attempt) {
	delete(c.pending, a.id)
	if a.hasTimer {
		env.CancelTimer(a.timer)
	}
	r := a.req
	for i, b := range r.attempts {
		if b == a {
			r.attempts = append(r.attempts[:i], r.attempts[i+1:]...)
			break
		}
	}
}

func (c *Caller) end(env *nodes.Env, r *request, pr pipeline.Result) {
	for len(r.attempts) > 0 {
		c.drop(env, r.attempts[0])
	}
	if r.hasWake {
		env.CancelTimer(r.wake)
		r.hasWake = false
	}
	delete(c.reqs, r.pr)
	res := Result{}
	switch pr.Status {
	case pipeline.Success:
		res.OK = true
		if r.lastReply != nil {
			res.Degraded, res.Value = r.lastReply.Degraded, r.lastReply.Value
		}
	case pipeline.Fallback:
		res.OK, res.Degraded = true, true
	case pipeline.Rejected:
		res.Class = retry.Rejected
	default:
		switch pr.Reason {
		case fallback.Timeout, fallback.Deadline:
			res.Class = retry.Timeout
		case fallback.BreakerOpen, fallback.BulkheadFull, fallback.Throttled:
			res.Class = retry.Rejected
		default:
			res.Class = r.lastClass
			if res.Class == "" {
				res.Class = retry.Internal
			}
		}
	}
	if c.c.Stats != nil {
		c.c.Stats.End(c.world.Now(), r.start, res)
	}
	r.done(res)
}

// Reply feeds a reply addressed to this caller. A reply to an attempt that
// timed out or was cancelled is counted in late_replies and ignored.
func (c *Caller) Reply(env *nodes.Env, rep *Reply) {
	a, ok := c.pending[rep.ID]
	if !ok {
		c.late.Inc()
		return
	}
	c.drop(env, a)
	r := a.req
	if rep.OK {
		r.lastReply = rep
	} else {
		r.lastClass = rep.Class
	}
	c.apply(env, r, r.pr.OnResult(c.local(env), a.n, pipeline.Outcome{OK: rep.OK, Class: rep.Class, RetryAfter: rep.RetryAfter}))
}

// Timer feeds one of the caller's timers back.
func (c *Caller) timer(env *nodes.Env, t *callerTimer) {
	switch t.kind {
	case timerTimeout:
		a := t.a
		if c.pending[a.id] != a {
			return
		}
		a.hasTimer = false
		c.drop(env, a)
		a.req.lastClass = retry.Timeout
		c.apply(env, a.req, a.req.pr.OnResult(c.local(env), a.n, pipeline.Outcome{Class: retry.Timeout}))
	case timerWake:
		r := t.r
		if _, live := c.reqs[r.pr]; !live {
			return
		}
		r.hasWake = false
		c.apply(env, r, r.pr.OnTimer(c.local(env)))
	}
}

// RouteTimer hands timer data set by a Caller back to it and reports
// whether it was a Caller's; nodes that own Callers call it from Timer.
func RouteTimer(env *nodes.Env, data any) bool {
	t, ok := data.(*callerTimer)
	if ok {
		t.c.timer(env, t)
	}
	return ok
}

func (c *Caller) breakerLevel(env *nodes.Env) {
	if c.brLevel == nil {
		return
	}
	c.brLevel.Set(c.world.Now(), BreakerLevel(c.p.Breaker().State(c.local(env))))
}

// BreakerLevel maps a breaker state to its series value: 0 closed, 1
// half-open, 2 open.
func BreakerLevel(s breaker.State) float64 {
	switch s {
	case breaker.HalfOpen:
		return 1
	case breaker.Open:
		return 2
	}
	return 0
}

// Finish flushes the caller's time series at the end of a run.
func (c *Caller) Finish(end sim.Time) {
	if c.brLevel != nil {
		c.brLevel.Flush(end)
	}
}
