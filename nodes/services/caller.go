package services

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/pipeline/drive"
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
// state machine, with a drive.Driver: it sends the attempts the pipeline
// asks for as Calls, sets their timeouts and the pipeline's wake-ups as
// node timers, and feeds replies, timeouts and wake-ups back, all in
// simulated time. The owning node routes the driver's timers back with
// RouteTimer.
type Caller struct {
	c       CallerConfig
	world   *sim.World
	env     *nodes.Env // the node's; the same at every call
	d       *drive.Driver[request]
	brLevel *Level
	late    *sim.Counter
	calls   chunk[Call]
}

// request is what the Caller keeps per request, beside the driver's.
type request struct {
	op        int
	value     int64
	start     sim.Time     // true time
	upstream  sim.Time     // the deadline of the call this request serves, 0 = none
	done      func(Result) // nil for a Client's request, which calls client.ended
	client    *Client
	then      func() // the client's follow-up, if any
	lastReply *Reply
	sends     int // attempts put on the wire, counted here, apart from the pipeline
}

// callerTimer is the data of a Caller's timers; the owning node routes it
// back with RouteTimer.
type callerTimer = drive.Timer

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
	cl := &Caller{c: c, world: w, env: env, late: w.Metrics.Counter("late_replies")}
	cl.calls.arena = w.Arena()
	arena := w.Arena()
	opts := drive.Options[request]{Block: func(n int) []drive.Call[request] { return sim.Take[drive.Call[request]](arena, n) }}
	if p.Breaker() != nil && c.BreakerSeries != "" {
		cl.brLevel = NewLevel(w.Metrics, c.BreakerSeries)
		opts.Decided = cl.breakerLevel
	}
	cl.d = drive.New(p, (*callerHost)(cl), opts)
	return cl
}

// Pipeline returns the caller's pipeline (for its breaker or budget).
func (c *Caller) Pipeline() *pipeline.Pipeline { return c.d.Pipeline() }

// Do starts one request of operation op. upstream is the deadline of the
// call this request serves (true time, 0 = none): each attempt's Call
// carries the earlier of it and the attempt's own timeout, so that servers
// checking deadlines can drop dead work. done runs once, with the result.
func (c *Caller) Do(env *nodes.Env, op int, upstream sim.Time, done func(Result)) {
	c.DoValue(env, op, 0, upstream, done)
}

// DoValue is Do with a value carried in every attempt's Call.
func (c *Caller) DoValue(env *nodes.Env, op int, value int64, upstream sim.Time, done func(Result)) {
	dc := c.d.New()
	dc.Data = request{op: op, value: value, upstream: upstream, done: done}
	c.do(env, dc)
}

// do starts dc, whose op, value, upstream and completion are set.
func (c *Caller) do(env *nodes.Env, dc *drive.Call[request]) {
	c.env = env
	dc.Data.start = c.world.Now()
	if c.c.Stats != nil {
		c.c.Stats.Begin()
	}
	c.d.Start(dc)
}

// Reply feeds a reply addressed to this caller. A reply to an attempt that
// timed out or was cancelled is counted in late_replies and ignored.
func (c *Caller) Reply(env *nodes.Env, rep *Reply) {
	dc := c.d.Pending(rep.ID)
	if dc == nil {
		c.late.Inc()
		return
	}
	c.env = env
	if rep.OK {
		dc.Data.lastReply = rep
	}
	c.d.Result(rep.ID, pipeline.Outcome{OK: rep.OK, Class: rep.Class, RetryAfter: rep.RetryAfter})
}

// RouteTimer hands timer data set by a Caller back to it and reports
// whether it was a Caller's; nodes that own Callers call it from Timer.
func RouteTimer(env *nodes.Env, data any) bool {
	return routeTimer(env, 0, data)
}

// routeTimer is RouteTimer with the timer's id, which guards against a
// payload whose attempt or request was reused.
func routeTimer(_ *nodes.Env, id nodes.TimerID, data any) bool {
	t, ok := data.(*drive.Timer)
	if ok {
		t.Fire(drive.TimerID(id))
	}
	return ok
}

// callerHost is the Caller as the driver's host: the node's timers,
// network and clock.
type callerHost Caller

func (h *callerHost) Now() time.Duration { return h.env.Now().Duration() }

func (h *callerHost) SetTimer(in time.Duration, t *drive.Timer) drive.TimerID {
	return drive.TimerID(h.env.SetTimer(in, t))
}

func (h *callerHost) CancelTimer(id drive.TimerID) { h.env.CancelTimer(nodes.TimerID(id)) }

// Send sends one attempt as a Call whose deadline is the earlier of the
// attempt's timeout and the upstream deadline.
func (h *callerHost) Send(dc *drive.Call[request], id uint64, s pipeline.Send) {
	r := &dc.Data
	wire := r.upstream
	if s.Timeout > 0 {
		if t := h.world.Now().Add(s.Timeout); wire == 0 || t < wire {
			wire = t
		}
	}
	to := h.c.To
	if h.c.Pick != nil {
		to = h.c.Pick()
	}
	call := h.calls.new()
	*call = Call{ID: id, Op: r.op, Deadline: wire, Value: r.value}
	h.env.Send(to, call, callSize)
	r.sends++
	if h.c.Stats != nil {
		h.c.Stats.Tried(r.sends)
	}
}

// Done turns the pipeline's result into a Result and hands it on.
func (h *callerHost) Done(dc *drive.Call[request], pr pipeline.Result) {
	r := &dc.Data
	now := h.world.Now()
	res := Result{Latency: time.Duration(now - r.start)}
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
		res.Class = failureClass(pr.Reason, dc.LastClass())
	}
	if h.c.Stats != nil {
		h.c.Stats.End(now, r.start, res)
	}
	if r.done == nil {
		r.client.ended(r.op, r.start, r.then, res)
		return
	}
	r.done(res)
}

// failureClass is the class of a failed request: its reason when that
// names one, else the class of its last failed attempt.
func failureClass(reason fallback.Reason, last retry.Class) retry.Class {
	switch reason {
	case fallback.Timeout, fallback.Deadline:
		return retry.Timeout
	case fallback.BreakerOpen, fallback.BulkheadFull, fallback.Throttled:
		return retry.Rejected
	}
	if last == "" {
		return retry.Internal
	}
	return last
}

// breakerLevel samples the breaker state after each decision.
func (c *Caller) breakerLevel() {
	c.brLevel.Set(c.world.Now(), BreakerLevel(c.d.Pipeline().Breaker().State(c.env.Now().Duration())))
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
