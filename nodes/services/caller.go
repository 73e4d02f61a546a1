package services

import (
	"fmt"
	"slices"
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
	pending window[attempt] // by wire id
	reqs    window[request] // live requests by pipeline request id
	brLevel *Level
	late    *sim.Counter
	spare   []*attempt // dropped attempts, for reuse
	calls   chunk[Call]
	fresh   chunk[request] // requests beyond the spare ones
	// Ended requests are reused too, but only once the outermost apply has
	// returned: until then a Wake list or a completion callback may still
	// name them, and a reused one must not be mistaken for the old one.
	depth     int
	ended     []*request // ended during the current outermost apply
	spareReqs []*request // ended before it, free for reuse
}

type request struct {
	pr        pipeline.Request // inline: one allocation per request
	op        int
	value     int64
	start     sim.Time     // true time
	upstream  sim.Time     // the deadline of the call this request serves, 0 = none
	done      func(Result) // nil for a Client's request, which calls client.ended
	client    *Client
	then      func()     // the client's follow-up, if any
	attempts  []*attempt // outstanding
	wake      nodes.TimerID
	hasWake   bool
	lastClass retry.Class
	lastReply *Reply
	wakeData  callerTimer // the payload of the wake timer
	inline    [2]*attempt // attempts' first storage
}

// attempt is one attempt in flight. Dropped attempts are reused: a timer
// that still points at one was cancelled when it was dropped, and the
// runtime never fires a cancelled timer (the timer id is checked too, where
// the node passes it on).
type attempt struct {
	id       uint64
	n        int
	req      *request
	timer    nodes.TimerID
	hasTimer bool
	data     callerTimer // the payload of the timeout timer
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
	cl := &Caller{c: c, world: w, p: p, late: w.Metrics.Counter("late_replies")}
	cl.calls.arena, cl.fresh.arena = w.Arena(), w.Arena()
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
	r := c.newRequest()
	r.op, r.value, r.upstream, r.done = op, value, upstream, done
	c.do(env, r)
}

// newRequest returns a zero request, reused if one is spare.
func (c *Caller) newRequest() *request {
	if n := len(c.spareReqs); n > 0 {
		r := c.spareReqs[n-1]
		c.spareReqs = c.spareReqs[:n-1]
		return r
	}
	return c.fresh.new()
}

// do starts r, whose op, value, upstream and completion are set.
func (c *Caller) do(env *nodes.Env, r *request) {
	c.p.InitRequest(&r.pr)
	r.start = c.world.Now()
	r.attempts = r.inline[:0]
	r.wakeData = callerTimer{c: c, kind: timerWake, r: r}
	if c.c.Stats != nil {
		c.c.Stats.Begin()
	}
	c.reqs.put(r.pr.ID(), r)
	c.apply(env, r, r.pr.Start(c.local(env)))
}

// apply carries out a pipeline decision for r.
func (c *Caller) apply(env *nodes.Env, r *request, d pipeline.Decision) {
	c.depth++
	now := c.world.Now()
	for _, s := range d.Send {
		c.nextID++
		a := c.newAttempt()
		a.id, a.n, a.req = c.nextID, s.Attempt, r
		c.pending.put(a.id, a)
		r.attempts = append(r.attempts, a)
		wire := r.upstream
		if s.Timeout > 0 {
			if t := now.Add(s.Timeout); wire == 0 || t < wire {
				wire = t
			}
			a.data = callerTimer{c: c, kind: timerTimeout, a: a}
			a.timer, a.hasTimer = env.SetTimer(s.Timeout, &a.data), true
		}
		to := c.c.To
		if c.c.Pick != nil {
			to = c.c.Pick()
		}
		call := c.calls.new()
		*call = Call{ID: a.id, Op: r.op, Deadline: wire, Value: r.value}
		env.Send(to, call, callSize)
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
		r.wake, r.hasWake = env.SetTimer(in, &r.wakeData), true
	}
	c.breakerLevel(env)
	if d.Done {
		c.end(env, r, d.Result)
	}
	for _, pr := range d.Wake {
		if o := c.reqs.get(pr.ID()); o != nil && &o.pr == pr {
			c.apply(env, o, pr.OnTimer(c.local(env)))
		}
	}
	if c.depth--; c.depth == 0 {
		for i, e := range c.ended {
			*e = request{}
			c.spareReqs = append(c.spareReqs, e)
			c.ended[i] = nil
		}
		c.ended = c.ended[:0]
	}
}

// newAttempt returns a cleared attempt, reused if one is spare.
func (c *Caller) newAttempt() *attempt {
	if n := len(c.spare); n > 0 {
		a := c.spare[n-1]
		c.spare = c.spare[:n-1]
		return a
	}
	return &attempt{}
}

// drop forgets an attempt: its reply, if one comes, is late. Its timer is
// cancelled and a is kept for reuse, so the caller must not use a after.
func (c *Caller) drop(env *nodes.Env, a *attempt) {
	c.pending.del(a.id)
	if a.hasTimer {
		env.CancelTimer(a.timer)
	}
	r := a.req
	for i, b := range r.attempts {
		if b == a {
			r.attempts = slices.Delete(r.attempts, i, i+1)
			break
		}
	}
	*a = attempt{}
	c.spare = append(c.spare, a)
}

func (c *Caller) end(env *nodes.Env, r *request, pr pipeline.Result) {
	for len(r.attempts) > 0 {
		c.drop(env, r.attempts[0])
	}
	if r.hasWake {
		env.CancelTimer(r.wake)
		r.hasWake = false
	}
	c.reqs.del(r.pr.ID())
	res := Result{Latency: time.Duration(c.world.Now() - r.start)}
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
	c.ended = append(c.ended, r)
	if r.done == nil {
		r.client.ended(r.op, r.start, r.then, res)
		return
	}
	r.done(res)
}

// Reply feeds a reply addressed to this caller. A reply to an attempt that
// timed out or was cancelled is counted in late_replies and ignored.
func (c *Caller) Reply(env *nodes.Env, rep *Reply) {
	a := c.pending.get(rep.ID)
	if a == nil {
		c.late.Inc()
		return
	}
	r, n := a.req, a.n
	c.drop(env, a)
	if rep.OK {
		r.lastReply = rep
	} else {
		r.lastClass = rep.Class
	}
	c.apply(env, r, r.pr.OnResult(c.local(env), n, pipeline.Outcome{OK: rep.OK, Class: rep.Class, RetryAfter: rep.RetryAfter}))
}

// timer feeds one of the caller's timers back. id is the timer's id, or 0
// when the node did not pass it on.
func (c *Caller) timer(env *nodes.Env, id nodes.TimerID, t *callerTimer) {
	switch t.kind {
	case timerTimeout:
		a := t.a
		if c.pending.get(a.id) != a || !a.hasTimer || (id != 0 && a.timer != id) {
			return
		}
		a.hasTimer = false
		r, n := a.req, a.n
		c.drop(env, a)
		r.lastClass = retry.Timeout
		c.apply(env, r, r.pr.OnResult(c.local(env), n, pipeline.Outcome{Class: retry.Timeout}))
	case timerWake:
		r := t.r
		if c.reqs.get(r.pr.ID()) != r || !r.hasWake || (id != 0 && r.wake != id) {
			return
		}
		r.hasWake = false
		c.apply(env, r, r.pr.OnTimer(c.local(env)))
	}
}

// RouteTimer hands timer data set by a Caller back to it and reports
// whether it was a Caller's; nodes that own Callers call it from Timer.
func RouteTimer(env *nodes.Env, data any) bool {
	return routeTimer(env, 0, data)
}

// routeTimer is RouteTimer with the timer's id, which guards against a
// payload whose attempt or request was reused.
func routeTimer(env *nodes.Env, id nodes.TimerID, data any) bool {
	t, ok := data.(*callerTimer)
	if ok {
		t.c.timer(env, id, t)
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
