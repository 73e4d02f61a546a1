package pipeline

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/bulkhead"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/retrybreaker"
	"github.com/faultline/faultline/patterns/throttle"
	"github.com/faultline/faultline/patterns/timeout"
)

// Outcome is the result of one attempt, as the driver reports it. A
// per-attempt timeout is reported as Outcome{Class: retry.Timeout}.
type Outcome = retry.Outcome

// Send asks the driver to send attempt number Attempt now. If Timeout > 0
// and no response has come after Timeout, the driver reports a timeout.
type Send struct {
	Attempt int
	Timeout time.Duration
	Hedge   bool
}

// Status is how a request ended.
type Status int

// The statuses.
const (
	Pending  Status = iota // not done yet
	Success                // an attempt succeeded
	Failure                // every attempt failed, no fallback applied
	Fallback               // failed, and the fallback gave a degraded result
	Rejected               // refused locally before any attempt reached the server
)

func (s Status) String() string {
	return [...]string{"pending", "success", "failure", "fallback", "rejected"}[s]
}

// Result is the end of a request.
type Result struct {
	Status   Status
	Reason   fallback.Reason // why it failed: failure, timeout, deadline, breaker-open, ...
	Detail   string          // the retry policy's or budget's reason to stop, if any
	Attempts int             // attempts started, hedges included
	Value    string          // the fallback's value, when Status is Fallback
}

// Decision is what the driver must do after a call into a Request. Send
// and Cancel may use the request's own storage: they are valid until the
// next call into the same Request, so act on them first.
type Decision struct {
	// Send lists attempts to send now, in order.
	Send []Send
	// Cancel lists attempts the request no longer waits for; their results
	// will be ignored, so the driver may drop them.
	Cancel []int
	// WakeAt, when HasWake, is when to call OnTimer next. It replaces any
	// earlier WakeAt of this request.
	WakeAt  time.Duration
	HasWake bool
	// Wake lists other requests of the same Pipeline that must get
	// OnTimer(now) now (a bulkhead slot freed up for them).
	Wake []*Request
	// Done is set when the request has ended; Result says how.
	Done   bool
	Result Result
}

// Pipeline holds the state shared by the requests of one client: breaker,
// bulkhead, budget, throttle, hedge latencies. It is not safe for
// concurrent use.
type Pipeline struct {
	cfg      Config
	rng      *rand.Rand
	retry    *retry.Policy
	budget   *budget.Budget
	rb       *retrybreaker.Breaker
	hedger   *hedge.Hedger
	throttle *throttle.Throttle
	breaker  *breaker.Breaker
	bulkhead *bulkhead.Bulkhead
	fallback *fallback.Fallback
	timeout  timeout.Config

	nextID  uint64
	waiting map[bulkhead.Ticket]*Request // looked up only, never ranged over
}

// New builds a pipeline from cfg. rng feeds backoff jitter and the
// throttle; it may be nil only if neither needs it.
func New(cfg Config, rng *rand.Rand) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, rng: rng, waiting: map[bulkhead.Ticket]*Request{}}
	var err error
	if cfg.Retry != nil {
		if p.retry, err = retry.New(*cfg.Retry); err != nil {
			return nil, err
		}
	}
	if cfg.Budget != nil {
		if p.budget, err = budget.New(*cfg.Budget); err != nil {
			return nil, err
		}
	}
	if cfg.RetryBreaker != nil {
		if p.rb, err = retrybreaker.New(*cfg.RetryBreaker); err != nil {
			return nil, err
		}
	}
	if cfg.Hedge != nil {
		if p.hedger, err = hedge.New(*cfg.Hedge); err != nil {
			return nil, err
		}
	}
	if cfg.Throttle != nil {
		if p.throttle, err = throttle.New(*cfg.Throttle); err != nil {
			return nil, err
		}
	}
	if cfg.Breaker != nil {
		if p.breaker, err = breaker.New(*cfg.Breaker); err != nil {
			return nil, err
		}
	}
	if cfg.Bulkhead != nil {
		if p.bulkhead, err = bulkhead.New(*cfg.Bulkhead); err != nil {
			return nil, err
		}
	}
	if cfg.Fallback != nil {
		if p.fallback, err = fallback.New(*cfg.Fallback); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout != nil {
		p.timeout = *cfg.Timeout
	}
	return p, nil
}

// Breaker returns the shared breaker, or nil when that stage is off. The
// other accessors work the same way; they are for metrics.
func (p *Pipeline) Breaker() *breaker.Breaker { return p.breaker }

// Bulkhead returns the shared bulkhead, or nil.
func (p *Pipeline) Bulkhead() *bulkhead.Bulkhead { return p.bulkhead }

// Budget returns the shared retry budget, or nil.
func (p *Pipeline) Budget() *budget.Budget { return p.budget }

// RetryBreaker returns the shared retry breaker, or nil.
func (p *Pipeline) RetryBreaker() *retrybreaker.Breaker { return p.rb }

// Throttle returns the shared throttle, or nil.
func (p *Pipeline) Throttle() *throttle.Throttle { return p.throttle }

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
	r.running = r.inlineRun[:0]
	r.race = hedge.NewRace(r.raceBuf[:0])
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
type Request struct {
	p        *Pipeline
	id       uint64
	started  bool
	deadline timeout.Deadline

	attempts int // attempts started, local rejections and hedges included
	hedges   int
	running  []*attempt
	race     hedge.Race

	// Storage that saves allocations in the common case: the first
	// attempts (by number), running's first backing array, and the
	// backing arrays of a Decision's Send and Cancel.
	inlineAtt [3]attempt
	inlineRun [2]*attempt
	sendBuf   [2]Send
	cancelBuf [2]int
	raceBuf   [2]int

	queued       *attempt // waiting in the bulkhead
	queuedAt     time.Duration
	queueAdmit   bool // the bulkhead admitted it; send on the next OnTimer
	queueExpired bool // the bulkhead expired it

	backoff      bool
	backoffUntil time.Duration
	prevDelay    time.Duration

	hedgeArmed bool
	hedgeAt    time.Duration

	reached bool // some attempt was sent to the server
	done    bool
	result  Result
}

// ID returns the request's number within its pipeline, from 1.
func (r *Request) ID() uint64 { return r.id }

// Done reports whether the request has ended, and how.
func (r *Request) Done() (Result, bool) { return r.result, r.done }

// Start begins the request at now. It must be called once, first.
func (r *Request) Start(now time.Duration) Decision {
	var d Decision
	if r.started || r.done {
		return d
	}
	r.started = true
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
	if r.done {
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
	if r.done || !r.started {
		return d
	}
	if r.deadline.Expired(now) {
		r.stop(now, fallback.Deadline, "", &d)
		r.finish(now, &d)
		return d
	}
	if q := r.queued; q != nil {
		switch {
		case r.queueAdmit:
			r.queued, r.queueAdmit = nil, false
			if r.recheckBreaker(now, q, &d) {
				r.send(now, q, &d)
			}
		case r.queueExpired || r.queueTooLong(now):
			r.dropQueued(now, &d)
			r.failed(now, Outcome{Class: retry.Rejected}, fallback.BulkheadFull, &d)
		}
	}
	if r.backoff && now >= r.backoffUntil {
		r.backoff = false
		r.launch(now, false, &d)
	}
	if r.hedgeArmed && now >= r.hedgeAt {
		r.hedgeArmed = false
		r.tryHedge(now, &d)
	}
	r.finish(now, &d)
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
			r.queued, r.queuedAt = a, now
			r.queueAdmit, r.queueExpired = false, false
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
	r.reached = true
	r.running = append(r.running, a)
	r.race.Launch(a.n)
	if d.Send == nil {
		d.Send = r.sendBuf[:0]
	}
	d.Send = append(d.Send, Send{Attempt: a.n, Timeout: limit, Hedge: a.hedge})
	if h := r.p.hedger; h != nil && r.hedges < h.MaxHedges() && !r.hedgeArmed {
		at := now + h.Delay()
		if r.deadline.Fits(now, h.Delay()) {
			r.hedgeArmed, r.hedgeAt = true, at
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
	if r.done || len(r.running) > 0 || r.queued != nil {
		return // a hedge is still running
	}
	r.hedgeArmed = false
	p := r.p
	if p.retry == nil {
		r.stop(now, reason, "", d)
		return
	}
	dec := p.retry.Next(r.attempts, r.prevDelay, o, p.rng)
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
	r.prevDelay = dec.Delay
	if dec.Delay == 0 {
		r.launch(now, false, d)
		return
	}
	r.backoff, r.backoffUntil = true, now+dec.Delay
}

// stop ends the request as failed: cancel what runs, then fall back.
func (r *Request) stop(now time.Duration, reason fallback.Reason, detail string, d *Decision) {
	if r.done {
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
	if !r.reached {
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
	r.done = true
	r.backoff, r.hedgeArmed = false, false
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
				d.Cancel = r.cancelBuf[:0]
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
			w.queueAdmit = true
			d.Wake = append(d.Wake, w)
		}
	}
	for _, t := range b.Expire(now) {
		if w := r.p.waiting[t]; w != nil {
			delete(r.p.waiting, t)
			w.queueExpired = true
			d.Wake = append(d.Wake, w)
		}
	}
	a.ticket = 0
}

// dropQueued withdraws the attempt waiting in the bulkhead, if any.
func (r *Request) dropQueued(now time.Duration, d *Decision) {
	q := r.queued
	if q == nil {
		return
	}
	r.queued = nil
	if r.queueAdmit {
		// It holds a slot already: give it back, which may admit others.
		r.queueAdmit = false
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
	return w > 0 && now-r.queuedAt >= w
}

// finish fills in the next wake-up time.
func (r *Request) finish(now time.Duration, d *Decision) {
	if r.done {
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
	if r.backoff {
		wake(r.backoffUntil)
	}
	if r.hedgeArmed {
		wake(r.hedgeAt)
	}
	if r.queued != nil {
		if r.queueAdmit || r.queueExpired {
			wake(now)
		} else if w := r.p.bulkhead.Config().MaxWait; w > 0 {
			wake(r.queuedAt + w)
		}
	}
}

// newAttempt returns attempt number n, stored in the request itself when
// n is small. A number is reused only by a hedge that was refused before
// it went anywhere, so no live attempt shares its storage.
func (r *Request) newAttempt(n int, isHedge bool) *attempt {
	var a *attempt
	if n >= 1 && n <= len(r.inlineAtt) {
		a = &r.inlineAtt[n-1]
	} else {
		a = new(attempt)
	}
	*a = attempt{n: n, hedge: isHedge}
	return a
}

// retryableOrPushback says whether a failure counts against the retry
// budget. gRFC A6 charges only a retryable status or server pushback: a
// malformed request says nothing about the server's health.
func (p *Pipeline) retryableOrPushback(o Outcome) bool {
	if o.RetryAfter != 0 {
		return true
	}
	if p.retry != nil {
		return p.retry.Retryable(o.Class)
	}
	return slices.Contains(retry.DefaultRetryOn, o.Class)
}

// accepted says whether the server took the request in, for the throttle.
func accepted(o Outcome) bool {
	if o.OK {
		return true
	}
	switch o.Class {
	case retry.Overloaded, retry.Unavailable, retry.Timeout:
		return false
	}
	return true
}

// reasonOf maps an attempt's failure to a fallback reason.
func reasonOf(o Outcome) fallback.Reason {
	if o.Class == retry.Timeout {
		return fallback.Timeout
	}
	return fallback.Failure
}
