package drive

import (
	"slices"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
)

// TimerID is the host's name for a timer it set. 0 stands for "not known"
// where a host hands a timer back without its id.
type TimerID uint64

// Host carries out what a Driver decides. The driver calls it only from
// inside its own methods, one call at a time.
type Host[T any] interface {
	// Now is the time the pipeline reads (a node's local clock).
	Now() time.Duration
	// Send puts attempt s.Attempt of c on the wire now, named id. The
	// host reports its answer with Driver.Result(id, ...). If s.Timeout
	// > 0 the driver has set the attempt's timeout already; the host only
	// carries it (as a deadline on the wire, say).
	Send(c *Call[T], id uint64, s pipeline.Send)
	// SetTimer asks for t.Fire(id) after in, id being the value
	// returned. CancelTimer withdraws it: a cancelled timer must not fire.
	SetTimer(in time.Duration, t *Timer) TimerID
	CancelTimer(id TimerID)
	// Done delivers the end of c. c stays valid until the outermost call
	// into the driver returns; the driver reuses it after that.
	Done(c *Call[T], res pipeline.Result)
}

// Options are a Driver's optional parts. The zero value is usable.
type Options[T any] struct {
	// Block, when set, returns n zeroed Calls for the driver to hand out
	// (from an arena, say); nil allocates them.
	Block func(n int) []Call[T]
	// Decided, when set, runs after each decision's sends, cancels and
	// wake-up are carried out and before its Done: the place to sample
	// shared state such as the breaker's.
	Decided func()
}

// Driver runs the requests of one pipeline.Pipeline against a Host. It is
// not safe for concurrent use.
type Driver[T any] struct {
	p       *pipeline.Pipeline
	h       Host[T]
	o       Options[T]
	nextID  uint64
	pending table[Attempt[T]] // by wire id
	calls   table[Call[T]]    // live calls by pipeline request id
	spareA  []*Attempt[T]     // dropped attempts, for reuse
	fresh   []Call[T]         // calls not handed out yet
	// Ended calls are reused too, but only once the outermost call into
	// the driver has returned: until then a Wake list or the host's Done
	// may still name them, and a reused one must not pass for the old one.
	depth  int
	ended  []*Call[T] // ended during the current outermost call
	spareC []*Call[T] // ended before it, free for reuse
}

// blockLen is how many Calls the driver takes at a time.
const blockLen = 64

// New returns a driver of p's requests that acts through h.
func New[T any](p *pipeline.Pipeline, h Host[T], o Options[T]) *Driver[T] {
	return &Driver[T]{p: p, h: h, o: o}
}

// Pipeline returns the driven pipeline.
func (d *Driver[T]) Pipeline() *pipeline.Pipeline { return d.p }

// Call is one request: the pipeline's state machine, the attempts on the
// wire, the pending wake-up, and the host's Data.
type Call[T any] struct {
	Data T

	d         *Driver[T]
	pr        pipeline.Request // inline: one allocation per request
	attempts  []*Attempt[T]    // on the wire
	inline    [2]*Attempt[T]   // attempts' first storage
	wake      TimerID
	hasWake   bool
	wakeT     Timer // the payload of the wake-up timer
	lastClass retry.Class
}

// ID returns the call's pipeline request number.
func (c *Call[T]) ID() uint64 { return c.pr.ID() }

// LastClass returns the class of the call's last failed attempt (a timeout
// included), or "" when none failed.
func (c *Call[T]) LastClass() retry.Class { return c.lastClass }

// Attempt is one attempt on the wire. Dropped attempts are reused: a timer
// that still points at one was cancelled when it was dropped, and the id
// the host passes to Fire is checked too.
type Attempt[T any] struct {
	id       uint64
	n        int
	call     *Call[T]
	timer    TimerID
	hasTimer bool
	t        Timer // the payload of the timeout timer
}

// Timer is the payload of every timer a driver sets. The host must hand
// it back, when the timer fires, to Fire with the timer's id: that is the
// whole routing rule, written as a type a host can switch on.
type Timer struct{ to firer }

type firer interface{ fire(id TimerID) }

// Fire delivers the timer to its driver. id is the timer's id, or 0 when
// the host does not know it; a stale or cancelled timer is ignored.
func (t *Timer) Fire(id TimerID) { t.to.fire(id) }

// New returns a zeroed call whose Data the host fills in before Start.
func (d *Driver[T]) New() *Call[T] {
	if n := len(d.spareC); n > 0 {
		c := d.spareC[n-1]
		d.spareC = d.spareC[:n-1]
		return c
	}
	if len(d.fresh) == 0 {
		if d.o.Block != nil {
			d.fresh = d.o.Block(blockLen)
		} else {
			d.fresh = make([]Call[T], blockLen)
		}
	}
	c := &d.fresh[0]
	d.fresh = d.fresh[1:]
	return c
}

// Start begins c, a call from New with its Data set.
func (d *Driver[T]) Start(c *Call[T]) {
	d.p.InitRequest(&c.pr)
	c.d = d
	c.attempts = c.inline[:0]
	c.wakeT = Timer{to: c}
	d.calls.put(c.pr.ID(), c)
	d.apply(c, c.pr.Start(d.h.Now()))
}

// Pending returns the call that attempt id belongs to, or nil when the
// attempt is no longer awaited (it timed out, was cancelled or answered).
func (d *Driver[T]) Pending(id uint64) *Call[T] {
	if a := d.pending.get(id); a != nil {
		return a.call
	}
	return nil
}

// Result reports the answer to attempt id and reports whether it was
// awaited; a late answer is ignored.
func (d *Driver[T]) Result(id uint64, o pipeline.Outcome) bool {
	a := d.pending.get(id)
	if a == nil {
		return false
	}
	c, n := a.call, a.n
	d.drop(a)
	if !o.OK {
		c.lastClass = o.Class
	}
	d.apply(c, c.pr.OnResult(d.h.Now(), n, o))
	return true
}

// Abandon ends c because its caller gave up; see pipeline.Request.Abandon.
// It is a no-op once c has ended.
func (d *Driver[T]) Abandon(c *Call[T]) {
	if d.calls.get(c.pr.ID()) != c {
		return
	}
	d.apply(c, c.pr.Abandon(d.h.Now()))
}

// fire is an attempt's timeout.
func (a *Attempt[T]) fire(id TimerID) {
	d := a.call.d
	if d.pending.get(a.id) != a || !a.hasTimer || (id != 0 && a.timer != id) {
		return
	}
	a.hasTimer = false
	c, n := a.call, a.n
	d.drop(a)
	c.lastClass = retry.Timeout
	d.apply(c, c.pr.OnResult(d.h.Now(), n, pipeline.Outcome{Class: retry.Timeout}))
}

// fire is a call's wake-up.
func (c *Call[T]) fire(id TimerID) {
	d := c.d
	if d.calls.get(c.pr.ID()) != c || !c.hasWake || (id != 0 && c.wake != id) {
		return
	}
	c.hasWake = false
	d.apply(c, c.pr.OnTimer(d.h.Now()))
}

// apply carries out a pipeline decision for c, in the order the decision
// gives: sends, cancels, the wake-up, Done, then the other requests to
// wake.
func (d *Driver[T]) apply(c *Call[T], dec pipeline.Decision) {
	d.depth++
	for _, s := range dec.Send {
		d.send(c, s)
	}
	for _, n := range dec.Cancel {
		for _, a := range c.attempts {
			if a.n == n {
				d.drop(a)
				break
			}
		}
	}
	if dec.HasWake {
		if c.hasWake {
			d.h.CancelTimer(c.wake)
		}
		in := max(dec.WakeAt-d.h.Now(), 0)
		c.wake, c.hasWake = d.h.SetTimer(in, &c.wakeT), true
	}
	if d.o.Decided != nil {
		d.o.Decided()
	}
	if dec.Done {
		d.end(c, dec.Result)
	}
	for _, pr := range dec.Wake {
		if o := d.calls.get(pr.ID()); o != nil && &o.pr == pr {
			d.apply(o, pr.OnTimer(d.h.Now()))
		}
	}
	if d.depth--; d.depth == 0 {
		d.recycle()
	}
}

// send puts one attempt on the wire, its timeout timer set first.
func (d *Driver[T]) send(c *Call[T], s pipeline.Send) {
	d.nextID++
	a := d.newAttempt()
	a.id, a.n, a.call = d.nextID, s.Attempt, c
	d.pending.put(a.id, a)
	c.attempts = append(c.attempts, a)
	if s.Timeout > 0 {
		a.t = Timer{to: a}
		a.timer, a.hasTimer = d.h.SetTimer(s.Timeout, &a.t), true
	}
	d.h.Send(c, a.id, s)
}

// end drops what c still waits for and hands its result to the host.
func (d *Driver[T]) end(c *Call[T], res pipeline.Result) {
	for len(c.attempts) > 0 {
		d.drop(c.attempts[0])
	}
	if c.hasWake {
		d.h.CancelTimer(c.wake)
		c.hasWake = false
	}
	d.calls.del(c.pr.ID())
	d.ended = append(d.ended, c)
	d.h.Done(c, res)
}

// recycle makes the calls ended during the outermost call spare.
func (d *Driver[T]) recycle() {
	for i, e := range d.ended {
		*e = Call[T]{}
		d.spareC = append(d.spareC, e)
		d.ended[i] = nil
	}
	d.ended = d.ended[:0]
}

// newAttempt returns a cleared attempt, reused if one is spare.
func (d *Driver[T]) newAttempt() *Attempt[T] {
	if n := len(d.spareA); n > 0 {
		a := d.spareA[n-1]
		d.spareA = d.spareA[:n-1]
		return a
	}
	return &Attempt[T]{}
}

// drop forgets an attempt: its answer, if one comes, is late. Its timer is
// cancelled and a is kept for reuse, so a must not be used after.
func (d *Driver[T]) drop(a *Attempt[T]) {
	d.pending.del(a.id)
	if a.hasTimer {
		d.h.CancelTimer(a.timer)
	}
	c := a.call
	for i, b := range c.attempts {
		if b == a {
			c.attempts = slices.Delete(c.attempts, i, i+1)
			break
		}
	}
	*a = Attempt[T]{}
	d.spareA = append(d.spareA, a)
}
