package httpsim

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
)

// NetClock is Clock plus what makes it an httpmw.Scheduler inside a
// world: "run later" is a timer of the caller's node, "run concurrently"
// is a new process on that node, and a caller waits for its request by
// parking its process in simulated time. An httpmw.Transport on it hedges
// and queues in the bulkhead as it does on httpmw.Real (NetClock has
// its methods; httpsim does not import httpmw). Get it from
// Net.Clock; it works on the nodes of that Net (Net.Server and
// Net.Process nodes).
type NetClock struct {
	Clock
	net *Net
}

// Clock returns the Net's Scheduler clock. Use it where middleware needs
// hedging or a bulkhead queue; Clock{} runs one attempt at a time.
func (n *Net) Clock() *NetClock { return &NetClock{net: n} }

// kids are the processes one node incarnation started for a NetClock,
// with the timers set through it. The node offers them the responses and
// timers it gets, as a server does its workers.
type kids struct {
	net   *Net
	env   *nodes.Env
	procs []*proc.Proc
}

// schedTimer is the data of a timer set by NetClock.AfterFunc.
type schedTimer struct {
	k    *kids // the incarnation that set it
	f    func()
	done bool // fired or stopped
}

// timer handles a node timer: its own ones run their function (and it
// reports true); the others are offered to the kids.
func (k *kids) timer(env *nodes.Env, id nodes.TimerID, data any) bool {
	switch d := data.(type) {
	case *watcher:
		d.ring()
		return true
	case *inStream:
		d.ring()
		return true
	}
	if st, ok := data.(*schedTimer); ok {
		if st.k == k && !st.done {
			st.done = true
			st.f()
		}
		return true
	}
	k.offer(func(c *proc.Proc) { c.Timer(env, id, data) })
	return false
}

// response offers a response to the kids: the one whose Call it answers
// takes it, the others drop it.
func (k *kids) response(env *nodes.Env, from NodeID, msg *proc.Response) {
	k.offer(func(c *proc.Proc) { c.Receive(env, from, msg) })
}

func (k *kids) offer(f func(c *proc.Proc)) {
	if len(k.procs) == 0 {
		return
	}
	for _, c := range k.procs {
		f(c)
	}
	k.prune()
}

func (k *kids) prune() {
	live := k.procs[:0]
	for _, c := range k.procs {
		if !c.Done() {
			live = append(live, c)
		}
	}
	clear(k.procs[len(live):])
	k.procs = live
}

func (k *kids) stopAll() {
	for _, c := range k.procs {
		c.Stop()
	}
	k.procs = nil
}

// kidsOf finds the current incarnation's kids of ctx's node.
func (c *NetClock) kidsOf(ctx context.Context) (*simCtx, *kids) {
	s := simOf(ctx)
	if s == nil {
		panic(ErrNoProcess)
	}
	k := c.net.kids[s.env.ID()]
	if k == nil || k.env != s.env {
		panic(fmt.Errorf("httpsim: NetClock used on node %s, which this Net did not build (use Net.Server or Net.Process)", s.env.Name()))
	}
	return s, k
}

// AfterFunc runs f in an event of ctx's node, d of its local time from
// now, unless stop is called first.
func (c *NetClock) AfterFunc(ctx context.Context, d time.Duration, f func()) (stop func() bool) {
	_, k := c.kidsOf(ctx)
	return k.after(d, f)
}

func (k *kids) after(d time.Duration, f func()) func() bool {
	st := &schedTimer{k: k, f: f}
	id := k.env.SetTimer(max(d, 0), st)
	return func() bool {
		if st.done {
			return false
		}
		st.done = true
		k.env.CancelTimer(id)
		return true
	}
}

// Go runs f in a new process of ctx's node, started in an event of its
// own (at once in simulated time, after the caller's step), so that f
// never runs inside the caller's step. f's context has ctx's deadline,
// values and cancellation, and the new process.
func (c *NetClock) Go(ctx context.Context, f func(ctx context.Context)) {
	_, k := c.kidsOf(ctx)
	k.after(0, func() {
		child := k.net.group.Node(func(p *proc.P) { f(derive(ctx, p, p.Env())) })
		k.procs = append(k.procs, child)
		child.Start(k.env) // runs until it first blocks
		k.prune()
	})
}

// Waiter returns a wait that parks ctx's process until wake.
func (c *NetClock) Waiter(ctx context.Context) (wait func(ignoreCtx bool) error, wake func()) {
	s, k := c.kidsOf(ctx)
	w := &waiter{ctx: ctx, p: s.p, k: k}
	return w.Wait, w.Wake
}

// waiter parks a process until Wake. Wake may come from any process of
// the node, with the Transport's lock held, so it wakes the parked
// process from an event of its own rather than at once.
type waiter struct {
	ctx   context.Context
	p     *proc.P // nil in an Inline handler
	k     *kids
	woken bool
	sent  bool
}

func (w *waiter) Wait(ignoreCtx bool) error {
	for !w.woken {
		if w.p == nil {
			return ErrInline
		}
		d := time.Duration(-1)
		if !ignoreCtx {
			if s := simOf(w.ctx); s != nil {
				s.Err() // a deadline is noticed when looked at; cancels derived contexts
			}
			if err := w.ctx.Err(); err != nil {
				return err
			}
			if dl, ok := w.ctx.Deadline(); ok {
				// At least 1µs, as in Clock.Sleep.
				d = max(dl.Sub(Epoch)-time.Duration(w.p.Now()), time.Microsecond)
			}
		}
		var cw *watcher
		if !ignoreCtx {
			cw = watch(w.ctx, w.p)
		}
		w.p.Park(d) // a stale Unpark or an interruption only loops once more
		cw.stop()
	}
	return nil
}

func (w *waiter) Wake() {
	w.woken = true
	if w.sent || w.p == nil {
		return
	}
	w.sent = true
	p := w.p
	w.k.after(0, p.Unpark)
}

// procNode is a Net.Process node: the process, and the kids a NetClock
// starts beside it.
type procNode struct {
	inner *proc.Proc
	k     *kids
}

func (n *procNode) Start(env *nodes.Env) {
	n.k.env = env
	n.inner.Start(env)
}

func (n *procNode) Receive(env *nodes.Env, from NodeID, msg any) {
	if c, ok := msg.(*Chunk); ok {
		n.k.net.chunk(from, c)
		return
	}
	n.inner.Receive(env, from, msg)
	if r, ok := msg.(*proc.Response); ok {
		n.k.response(env, from, r)
	}
}

func (n *procNode) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	if n.k.timer(env, id, data) {
		return
	}
	n.inner.Timer(env, id, data)
}

// Stop implements nodes.Stopper, as the bare process did.
func (n *procNode) Stop() {
	n.inner.Stop()
	n.k.stopAll()
}
