package httpsim

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// Epoch is the wall-clock time that simulated time 0 maps to, on every
// node's local clock: Clock.Now and the contexts' Deadline return
// Epoch plus the node's local clock reading.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrNoProcess is returned (or panicked, where no error can be returned)
// when a context carries no simulated process.
var ErrNoProcess = errors.New("httpsim: the context carries no simulated process; derive it from httpsim.Context(p) or the handler's r.Context()")

// ErrInline is returned when a handler marked Inline tries to wait in
// simulated time (a Transport call, Clock.Sleep): it has no process to
// block.
var ErrInline = errors.New("httpsim: a handler marked httpsim.Inline tried to wait in simulated time (a client call or Clock.Sleep); it runs without a process, so serve it without Inline")

type procKey struct{}

// simCtx is a context bound to one process. Its deadline is on the
// node's local clock and is checked lazily: the world has one goroutine,
// so nothing else could observe the expiry before the process does.
type simCtx struct {
	parent   context.Context
	p        *proc.P    // nil for an Inline handler's context
	env      *nodes.Env // the node's, for its clock
	deadline sim.Time
	hasDL    bool
	realDL   bool // a real-clock deadline sits below this context
	// cancellable: something can cancel this context (a cancel function,
	// an Abort, the end of ServeHTTP, or a parent it follows). Waits on
	// a context that cannot be cancelled need not watch it.
	cancellable bool
	link        afterFunc // its record in the parent it follows, if any
	err         error
	done        chan struct{}
	afters      []*afterFunc
}

// afterFunc is what runs when a context is cancelled: f (for the
// context package's AfterFunc), or the cancellation of a context that
// follows it, or a watcher's interruption. The last two live inside the
// follower or the watcher, so registering them allocates nothing.
type afterFunc struct {
	f       func()
	child   *simCtx
	w       *watcher
	stopped bool
}

func (a *afterFunc) run() {
	switch {
	case a.child != nil:
		err := a.child.parent.Err()
		if err == nil {
			err = context.Canceled
		}
		a.child.cancel(err)
	case a.w != nil:
		a.w.fire()
	default:
		a.f()
	}
}

// Context returns a context bound to process p, with no deadline. Pass
// it (or a context derived from it) to requests made through a
// Transport from p.
func Context(p *proc.P) context.Context {
	return &simCtx{parent: context.Background(), p: p, env: p.Env()}
}

// WithTimeout is context.WithTimeout on the simulated clock: the
// returned context's deadline is d after now on the process's local
// clock, or the parent's deadline if that is sooner. parent must come
// from Context, a handler's r.Context(), or a context derived from
// either; otherwise WithTimeout panics with ErrNoProcess.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	base := simOf(parent)
	if base == nil {
		panic(ErrNoProcess)
	}
	c := &simCtx{parent: parent, p: base.p, env: base.env, deadline: base.env.Now() + sim.Time(max(d, 0)), hasDL: true, cancellable: true}
	if dl, ok := parent.Deadline(); ok {
		if realDeadline(parent, dl) {
			c.realDL = true
		} else if dl.Before(Epoch.Add(time.Duration(c.deadline))) {
			c.deadline = sim.Time(dl.Sub(Epoch))
		}
	}
	c.follow(parent)
	return c, func() { c.cancel(context.Canceled) }
}

// WithCancel is context.WithCancel for a world: cancel reaches a process
// of the context that waits in a Transport call, Clock.Sleep or a
// NetClock wait at once (in an event of its node, at the same simulated
// time), where a context.WithCancel child is only noticed when the
// process next looks. A request cut short this way sends an Abort, so
// the server's handler sees its r.Context() cancelled too. parent must
// come from Context, a handler's r.Context(), or a context derived from
// either; otherwise WithCancel panics with ErrNoProcess.
func WithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	base := simOf(parent)
	if base == nil {
		panic(ErrNoProcess)
	}
	c := derive(parent, base.p, base.env)
	c.cancellable = true
	return c, func() { c.cancel(context.Canceled) }
}

// derive returns a context like parent (its deadline, values and
// cancellation) for process p of the node of env.
func derive(parent context.Context, p *proc.P, env *nodes.Env) *simCtx {
	c := &simCtx{parent: parent, p: p, env: env}
	if dl, ok := parent.Deadline(); ok {
		c.realDL = realDeadline(parent, dl)
	}
	c.follow(parent)
	return c
}

// follow makes c cancelled as soon as parent is, when parent's
// cancellation comes from a simulated context below it. A cancellation
// from a context of the context package (context.WithCancel's cancel) is
// seen only when c is next asked (Err, Done): that package would tell
// others of it only from a goroutine of its own.
func (c *simCtx) follow(parent context.Context) {
	s, ok := parent.(*simCtx)
	if !ok {
		if parent.Done() == nil { // context.WithoutCancel, Background
			return
		}
		s = simOf(parent)
	}
	if s == nil || !s.cancellable {
		return
	}
	c.cancellable = true
	c.link = afterFunc{child: c}
	s.register(&c.link)
}

// realDeadline reports whether dl, the deadline of ctx, was set on the
// real clock somewhere in ctx's chain.
func realDeadline(ctx context.Context, dl time.Time) bool {
	c, ok := ctx.Value(simKey{}).(*simCtx)
	if !ok || c.realDL {
		return true
	}
	simDL, hasSim := c.Deadline()
	return !hasSim || !dl.Equal(simDL)
}

// ProcessOf returns the process ctx is bound to, or nil.
func ProcessOf(ctx context.Context) *proc.P {
	p, _ := ctx.Value(procKey{}).(*proc.P)
	return p
}

// simOf returns the nearest simulated context under ctx, or nil.
func simOf(ctx context.Context) *simCtx {
	c, _ := ctx.Value(simKey{}).(*simCtx)
	return c
}

func (c *simCtx) Deadline() (time.Time, bool) {
	if c.hasDL {
		return Epoch.Add(time.Duration(c.deadline)), true
	}
	return c.parent.Deadline()
}

func (c *simCtx) Err() error {
	if c.err == nil {
		if err := c.parent.Err(); err != nil {
			c.cancel(err)
		} else if c.hasDL && c.env.Now() >= c.deadline {
			c.cancel(context.DeadlineExceeded)
		}
	}
	return c.err
}

// Done returns a channel that is closed once Err is not nil. The expiry
// is noticed when the process looks, so a select that waits on it would
// wait for ever: in a world, check Err instead.
func (c *simCtx) Done() <-chan struct{} {
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	c.Err()
	return c.done
}

func (c *simCtx) Value(key any) any {
	switch key.(type) {
	case procKey:
		if c.p == nil {
			return nil // not a typed nil: ProcessOf's callers test for nil
		}
		return c.p
	case simKey:
		return c
	}
	return c.parent.Value(key)
}

// AfterFunc lets the context package attach children without a
// goroutine (it looks for this method); f runs when c is cancelled.
func (c *simCtx) AfterFunc(f func()) (stop func() bool) {
	a := &afterFunc{f: f}
	if !c.register(a) {
		return func() bool { return false }
	}
	return func() bool {
		was := !a.stopped && c.err == nil
		a.stopped = true
		return was
	}
}

// register runs a when c is cancelled, or at once if it is; it reports
// whether it waits. Setting a.stopped withdraws it.
func (c *simCtx) register(a *afterFunc) bool {
	if c.err != nil {
		a.stopped = true
		a.run()
		return false
	}
	if len(c.afters) >= 16 { // a long-lived context: drop the stopped ones
		c.afters = slices.DeleteFunc(c.afters, func(a *afterFunc) bool { return a.stopped })
	}
	c.afters = append(c.afters, a)
	return true
}

func (c *simCtx) cancel(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	c.link.stopped = true // no longer follows its parent
	if c.done != nil {
		close(c.done)
	}
	// With err set, nothing registers here meanwhile: AfterFunc and
	// register run their function at once.
	for _, a := range c.afters {
		if !a.stopped {
			a.stopped = true
			a.run()
		}
	}
	clear(c.afters)
	c.afters = c.afters[:0] // a worker's context keeps its storage
}

// reset makes a cancelled context new again, for the next request of a
// worker. A channel handed out by Done stays closed.
func (c *simCtx) reset() {
	c.err, c.done, c.afters = nil, nil, c.afters[:0]
}

// watcher interrupts a process's wait when its context is cancelled.
// The interruption comes in an event of the node (a zero-delay timer
// whose data is the watcher, which Net's nodes hand back to ring): the
// cancellation may happen inside another process's step, which must not
// run this one.
type watcher struct {
	p     *proc.P
	armed bool
	link  afterFunc // its record in the context it watches
}

// watch arms a watcher for a wait of p on ctx; stop disarms it. It does
// nothing (and costs nothing) when ctx cannot be cancelled: such a wait
// notices a cancellation when it ends, as before. Only the nodes of a Net
// (Net.Server, Net.Process) ring a watcher; elsewhere its timer is
// ignored.
func watch(ctx context.Context, p *proc.P) *watcher {
	c, ok := ctx.(*simCtx)
	if !ok {
		if ctx.Done() == nil {
			return nil
		}
		c = simOf(ctx)
	}
	if c == nil || !c.cancellable {
		return nil
	}
	w := &watcher{p: p, armed: true}
	w.link.w = w
	c.register(&w.link)
	return w
}

func (w *watcher) fire() {
	if w.armed {
		w.p.Env().SetTimer(0, w)
	}
}

// ring is the timer's event: the wait ends, if it is still the one
// watched.
func (w *watcher) ring() {
	if w.armed {
		w.armed = false
		w.p.Interrupt()
	}
}

func (w *watcher) stop() {
	if w != nil {
		w.armed = false
		w.link.stopped = true
	}
}

func (c *simCtx) String() string { return "httpsim.Context(" + c.env.Name() + ")" }

// Clock is the simulated clock in the shape of httpmw.Clock: every
// method finds the process in ctx and uses its node's local clock. It
// panics with ErrNoProcess when ctx carries no process.
type Clock struct{}

// Now returns Epoch plus the node's local clock reading.
func (Clock) Now(ctx context.Context) time.Time {
	c := simOf(ctx)
	if c == nil {
		panic(ErrNoProcess)
	}
	return Epoch.Add(time.Duration(c.env.Now()))
}

// Sleep blocks the process for d of simulated time, or until ctx's
// deadline if that is sooner, and then returns ctx.Err(). In an Inline
// handler it returns ErrInline.
func (Clock) Sleep(ctx context.Context, d time.Duration) error {
	if c := simOf(ctx); c != nil && c.p == nil {
		return ErrInline
	}
	p := mustProcess(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, dl.Sub(Epoch)-time.Duration(p.Now()))
	}
	if d > 0 {
		// At least 1µs: a drifting clock turns a local nanosecond into zero
		// true time, and a caller waiting for a local instant would spin.
		w := watch(ctx, p)
		p.Sleep(max(d, time.Microsecond))
		w.stop()
	}
	return ctx.Err()
}

// WithCancel is the package's WithCancel: unlike context.WithCancel, its
// cancellation reaches a process waiting on the context (the losing
// attempts of a hedge, started with NetClock.Go) at once.
func (Clock) WithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return WithCancel(ctx)
}

// WithTimeout is the package's WithTimeout.
func (Clock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return WithTimeout(ctx, d)
}

func mustProcess(ctx context.Context) *proc.P {
	p := ProcessOf(ctx)
	if p == nil {
		panic(ErrNoProcess)
	}
	return p
}
