package pipeline

import (
	"slices"
	"time"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/bulkhead"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/timeout"
)

// NewRequest returns a request that has not started.
func (p *Pipeline) NewRequest() *Request {
	r := new(Request)
	p.InitRequest(r)
	return r
}

// InitRequest makes *r a new request that has not started, as NewRequest
// would return. It lets a driver keep the Request inside its own
// per-request state: one allocation instead of two. r must not be in use.
func (p *Pipeline) InitRequest(r *Request) {
	p.nextID++
	*r = Request{p: p, id: p.nextID}
	r.running = r.buf.run[:0]
	r.race = hedge.NewRace(r.buf.race[:0])
}

type attempt struct {
	n      int
	sent   bool
	sentAt time.Duration
	hedge  bool
	permit breaker.Permit
	hasP   bool
	ticket bulkhead.Ticket
}

// Request is the state machine of one request. See the package doc for the
// driver contract.
//
// Its life is a phase (fresh, live, ended). While live, what it waits for
// is one of: its attempts on the wire (with perhaps a hedge timer), one
// attempt in the bulkhead's queue, or a backoff before the next retry.
type Request struct {
	p        *Pipeline
	id       uint64
	phase    phase
	sent     int32 // attempts put on the wire; 0 at the end means rejected
	deadline timeout.Deadline

	attempts int // attempts started, local rejections and hedges included
	hedges   int
	running  []*attempt
	race     hedge.Race

	queue   queueWait // the attempt waiting in the bulkhead, if any
	backoff backoff   // the wait before the next retry
	hedge   wakeAt    // when to send the next hedge

	result Result
	buf    inline
}

// ID returns the request's number within its pipeline, from 1.
func (r *Request) ID() uint64 { return r.id }

// Done reports whether the request has ended, and how.
func (r *Request) Done() (Result, bool) { return r.result, r.phase == ended }

// Start begins the request at now. It must be called once, first.
func (r *Request) Start(now time.Duration) Decision {
	var d Decision
	if r.phase != fresh {
		return d
	}
	r.phase = live
	r.deadline = timeout.Begin(r.p.timeout, now)
	if r.p.budget != nil {
		r.p.budget.OnRequest(now)
	}
	r.launch(now, false, &d)
	r.finish(now, &d)
	return d
}

// OnResult reports how attempt n ended at now. Results of unknown,
// cancelled or late attempts are ignored.
func (r *Request) OnResult(now time.Duration, n int, o Outcome) Decision {
	var d Decision
	if r.phase != live {
		return d
	}
	i := slices.IndexFunc(r.running, func(a *attempt) bool { return a.n == n })
	if i < 0 {
		return d
	}
	a := r.running[i]
	r.running = slices.Delete(r.running, i, i+1)
	p := r.p
	latency := now - a.sentAt
	r.releaseSlot(now, a, &d)
	if a.hasP {
		p.breaker.Record(now, a.permit, o.OK, latency)
	}
	if p.throttle != nil && accepted(o) {
		p.throttle.Accepted(now)
	}
	if p.budget != nil {
		if o.OK {
			p.budget.OnSuccess(now)
		} else if p.retryableOrPushback(o) {
			p.budget.OnFailure(now)
		}
	}
	if p.rb != nil && (o.OK || p.retryableOrPushback(o)) {
		p.rb.Observe(o.OK)
	}
	if o.OK && p.hedger != nil {
		p.hedger.Observe(latency)
	}
	switch v, cancel := r.race.Result(n, o.OK); v {
	case hedge.Won:
		r.cancel(now, cancel, &d)
		r.end(&d, Result{Status: Success})
	case hedge.AllFailed:
		r.failed(now, o, reasonOf(o), &d)
	}
	r.finish(now, &d)
	return d
}

// OnTimer tells the request that now has come: a WakeAt it asked for, or a
// Wake from another request. Early or repeated calls are harmless.
func (r *Request) OnTimer(now time.Duration) Decision {
	var d Decision
	if r.phase != live {
		return d
	}
	if r.deadline.Expired(now) {
		r.stop(now, fallback.Deadline, "", &d)
		r.finish(now, &d)
		return d
	}
	if q := r.queue.a; q != nil {
		switch {
		case r.queue.state == admitted:
			r.queue = queueWait{}
			if r.recheckBreaker(now, q, &d) {
				r.send(now, q, &d)
			}
		case r.queue.state == expired || r.queueTooLong(now):
			r.dropQueued(now, &d)
			r.failed(now, Outcome{Class: retry.Rejected}, fallback.BulkheadFull, &d)
		}
	}
	if r.backoff.due(now) {
		r.launch(now, false, &d)
	}
	if r.hedge.due(now) {
		r.tryHedge(now, &d)
	}
	r.finish(now, &d)
	return d
}

// Abandon ends the request at now because its caller gave up (its
// context ended): what runs is cancelled, what waits is withdrawn, and the
// request fails with reason deadline and detail "abandoned". No retry
// follows.
func (r *Request) Abandon(now time.Duration) Decision {
	var d Decision
	if r.phase != live {
		return d
	}
	r.stop(now, fallback.Deadline, "abandoned", &d)
	return d
}

// launch starts a new attempt through throttle, breaker and bulkhead.
func (r *Request) launch(now time.Duration, isHedge bool, d *Decision) {
	p := r.p
	if _, ok := r.deadline.Attempt(now); !ok {
		if !isHedge {
			r.stop(now, fallback.Deadline, "", d)
		}
		return
	}
	r.attempts++
	a := r.newAttempt(r.attempts, isHedge)
	reject := func(reason fallback.Reason) {
		if isHedge {
			// A hedge refused locally was never tried: it costs nothing.
			r.attempts--
			r.hedges--
			return
		}
		r.failed(now, Outcome{Class: retry.Rejected}, reason, d)
	}
	if p.throttle != nil && !p.throttle.Allow(now, p.rng) {
		reject(fallback.Throttled)
		return
	}
	if p.breaker != nil {
		permit, err := p.breaker.Allow(now)
		if err != nil {
			reject(fallback.BreakerOpen)
			return
		}
		a.permit, a.hasP = permit, true
	}
	if p.bulkhead != nil {
		var res bulkhead.Result
		if isHedge {
			res = bulkhead.Rejected
			if t, ok := p.bulkhead.TryAcquire(now); ok {
				a.ticket, res = t, bulkhead.Admitted
			}
		} else {
			a.ticket, res = p.bulkhead.Acquire(now)
		}
		switch res {
		case bulkhead.Queued:
			r.queue = queueWait{a: a, since: now}
			p.waiting[a.ticket] = r
			return
		case bulkhead.Rejected:
			if a.hasP {
				p.breaker.Cancel(now, a.permit)
			}
			reject(fallback.BulkheadFull)
			return
		}
	}
	r.send(now, a, d)
}

// send puts an admitted attempt on the wire.
func (r *Request) send(now time.Duration, a *attempt, d *Decision) {
	limit, ok := r.deadline.Attempt(now)
	if !ok {
		r.running = append(r.running, a) // so stop releases its slot
		r.stop(now, fallback.Deadline, "", d)
		return
	}
	a.sentAt, a.sent = now, true
	r.sent++
	r.running = append(r.running, a)
	r.race.Launch(a.n)
	if d.Send == nil {
		d.Send = r.buf.send[:0]
	}
	d.Send = append(d.Send, Send{Attempt: a.n, Timeout: limit, Hedge: a.hedge})
	if h := r.p.hedger; h != nil && r.hedges < h.MaxHedges() && !r.hedge.armed {
		at := now + h.Delay()
		if r.deadline.Fits(now, h.Delay()) {
			r.hedge.arm(at)
		}
	}
}

// recheckBreaker renews the breaker permit of an attempt that waited in the
// bulkhead while the breaker changed state, so that no call goes out on a
// permit from a closed period after the breaker opened. On refusal the
// attempt's slot is given back and the attempt fails as breaker-open.
func (r *Request) recheckBreaker(now time.Duration, a *attempt, d *Decision) bool {
	b := r.p.breaker
	if !a.hasP || b.Valid(now, a.permit) {
		return true
	}
	b.Cancel(now, a.permit)
	permit, err := b.Allow(now)
	if err == nil {
		a.permit = permit
		return true
	}
	a.hasP = false
	r.releaseSlot(now, a, d)
	r.failed(now, Outcome{Class: retry.Rejected}, fallback.BreakerOpen, d)
	return false
}

// tryHedge sends one more copy if the budget allows.
func (r *Request) tryHedge(now time.Duration, d *Decision) {
	if len(r.running) == 0 || r.hedges >= r.p.hedger.MaxHedges() {
		return
	}
	if rb := r.p.rb; rb != nil && rb.Open() {
		return
	}
	if b := r.p.budget; b != nil && b.TryRetry(now, r.attempts) != "" {
		return
	}
	r.hedges++
	r.launch(now, true, d)
}

// failed handles the failure of the last outstanding attempt (or a local
// rejection): retry after a backoff, or stop.
func (r *Request) failed(now time.Duration, o Outcome, reason fallback.Reason, d *Decision) {
	if r.phase == ended || len(r.running) > 0 || r.queue.a != nil {
		return // a hedge is still running
	}
	r.hedge.disarm()
	p := r.p
	if p.retry == nil {
		r.stop(now, reason, "", d)
		return
	}
	dec := p.retry.Next(r.attempts, r.backoff.prev, o, p.rng)
	if !dec.Retry {
		r.stop(now, reason, string(dec.Reason), d)
		return
	}
	if p.rb != nil && !p.rb.AllowRetry() {
		r.stop(now, reason, "retry-breaker-open", d)
		return
	}
	if p.budget != nil {
		if why := p.budget.TryRetry(now, r.attempts); why != "" {
			r.stop(now, fallback.BudgetExhausted, string(why), d)
			return
		}
	}
	if !r.deadline.Fits(now, dec.Delay) {
		r.stop(now, fallback.Deadline, "backoff-past-deadline", d)
		return
	}
	r.backoff.prev = dec.Delay
	if dec.Delay == 0 {
		r.launch(now, false, d)
		return
	}
	r.backoff.arm(now + dec.Delay)
}

// stop ends the request as failed: cancel what runs, then fall back.
func (r *Request) stop(now time.Duration, reason fallback.Reason, detail string, d *Decision) {
	if r.phase == ended {
		return
	}
	var buf [4]int
	ids := buf[:0]
	for _, a := range r.running {
		ids = append(ids, a.n)
	}
	r.cancel(now, ids, d)
	r.dropQueued(now, d)
	res := Result{Status: Failure, Reason: reason, Detail: detail}
	if r.sent == 0 {
		res.Status = Rejected
	}
	if f := r.p.fallback; f != nil {
		if fb, ok := f.Apply(reason); ok {
			res.Status, res.Value = Fallback, fb.Value
		}
	}
	r.end(d, res)
}

func (r *Request) end(d *Decision, res Result) {
	r.phase = ended
	r.backoff.disarm()
	r.hedge.disarm()
	res.Attempts = r.attempts
	r.result = res
	d.Done, d.Result = true, res
}

// cancel abandons running attempts: their slots and probe permits go back.
func (r *Request) cancel(now time.Duration, ids []int, d *Decision) {
	for _, n := range ids {
		i := slices.IndexFunc(r.running, func(a *attempt) bool { return a.n == n })
		if i < 0 {
			continue
		}
		a := r.running[i]
		r.running = slices.Delete(r.running, i, i+1)
		r.race.Drop(n)
		r.releaseSlot(now, a, d)
		switch {
		case a.hasP && a.sent:
			r.p.breaker.Abandon(now, a.permit)
		case a.hasP:
			r.p.breaker.Cancel(now, a.permit)
		}
		if a.sent {
			if d.Cancel == nil {
				d.Cancel = r.buf.cancel[:0]
			}
			d.Cancel = append(d.Cancel, n)
		}
	}
}

// releaseSlot frees a's bulkhead slot and wakes the requests it lets in.
func (r *Request) releaseSlot(now time.Duration, a *attempt, d *Decision) {
	b := r.p.bulkhead
	if b == nil || a.ticket == 0 {
		return
	}
	for _, t := range b.Release(now, a.ticket) {
		if w := r.p.waiting[t]; w != nil {
			delete(r.p.waiting, t)
			w.queue.state = admitted
			d.Wake = append(d.Wake, w)
		}
	}
	for _, t := range b.Expire(now) {
		if w := r.p.waiting[t]; w != nil {
			delete(r.p.waiting, t)
			w.queue.state = expired
			d.Wake = append(d.Wake, w)
		}
	}
	a.ticket = 0
}

// dropQueued withdraws the attempt waiting in the bulkhead, if any.
func (r *Request) dropQueued(now time.Duration, d *Decision) {
	q, state := r.queue.a, r.queue.state
	if q == nil {
		return
	}
	r.queue = queueWait{}
	if state == admitted {
		// It holds a slot already: give it back, which may admit others.
		r.releaseSlot(now, q, d)
	} else {
		delete(r.p.waiting, q.ticket)
		r.p.bulkhead.Release(now, q.ticket)
	}
	if q.hasP {
		r.p.breaker.Cancel(now, q.permit)
	}
}

func (r *Request) queueTooLong(now time.Duration) bool {
	w := r.p.bulkhead.Config().MaxWait
	return w > 0 && now-r.queue.since >= w
}

// finish fills in the next wake-up time.
func (r *Request) finish(now time.Duration, d *Decision) {
	if r.phase == ended {
		return
	}
	wake := func(at time.Duration) {
		if !d.HasWake || at < d.WakeAt {
			d.WakeAt, d.HasWake = at, true
		}
	}
	if dl, ok := r.deadline.At(); ok {
		wake(dl)
	}
	if r.backoff.armed {
		wake(r.backoff.at)
	}
	if r.hedge.armed {
		wake(r.hedge.at)
	}
	if r.queue.a != nil {
		if r.queue.state != waiting {
			wake(now)
		} else if w := r.p.bulkhead.Config().MaxWait; w > 0 {
			wake(r.queue.since + w)
		}
	}
}

// newAttempt returns attempt number n, stored in the request itself when
// n is small. A number is reused only by a hedge that was refused before
// it went anywhere, so no live attempt shares its storage.
func (r *Request) newAttempt(n int, isHedge bool) *attempt {
	var a *attempt
	if n >= 1 && n <= len(r.buf.att) {
		a = &r.buf.att[n-1]
	} else {
		a = new(attempt)
	}
	*a = attempt{n: n, hedge: isHedge}
	return a
}
