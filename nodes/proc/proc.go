package proc

import (
	"errors"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// ErrTimeout is returned by Call when no response came within the timeout.
var ErrTimeout = errors.New("proc: call timed out")

// ErrInterrupted is returned by Call when Interrupt ended it.
var ErrInterrupted = errors.New("proc: call interrupted")

// Request is the message Call sends. Its ID is the network message id of
// the request, unique in the world, so a late reply to an earlier call (or
// to a call made before a restart) never matches a later one.
type Request struct {
	ID   uint64
	Body any
}

// Response answers the Request with the same ID.
type Response struct {
	ID   uint64
	Body any
}

// Sizer is implemented by messages that know their size in bytes; Call
// and Reply count other messages as DefaultSize bytes.
type Sizer interface{ Size() int }

// DefaultSize is the size in bytes Call and Reply give a message that is
// not a Sizer.
const DefaultSize = 64

func sizeOf(msg any) int {
	if s, ok := msg.(Sizer); ok {
		return s.Size()
	}
	return DefaultSize
}

// errStopped unwinds a stopped coroutine; seq recovers it.
var errStopped = errors.New("proc: process stopped")

type waitKind uint8

const (
	waitNone  waitKind = iota // running, or not started
	waitRecv                  // in Recv or RecvTimeout
	waitSleep                 // in Sleep
	waitCall                  // in Call
	waitPark                  // in Park
	waitDone                  // returned, panicked or stopped
)

type envelope struct {
	from NodeID
	msg  any
}

// Proc is a node that runs a process body as a coroutine. It implements
// nodes.Node. One Proc is one incarnation: a restarted node gets a new
// Proc from its constructor.
type Proc struct {
	p *P
}

// P is the handle a process body uses to reach the world. Its blocking
// methods (Recv, RecvTimeout, Sleep, Call) may only be called from the
// body's own coroutine; the others may be called from anywhere in the
// node's code.
type P struct {
	body     func(p *P)
	env      *nodes.Env
	next     func() (struct{}, bool)
	stop     func()
	yield    func(struct{}) bool
	inside   bool // the coroutine is running
	stopping bool
	wait     waitKind

	timer    nodes.TimerID // the timer the process waits on; 0 if none
	timedOut bool
	cut      bool // Interrupt ended the wait
	unparked bool // Unpark came while the process was not parked
	callID   uint64
	reply    any
	mailbox  []envelope // FIFO of messages not yet received, from head on
	head     int        // mailbox[head] is the next message received
}

// Node returns a node that runs body as a coroutine when it starts. Build
// it in a nodes.Constructor; prefer Group.Constructor, which also stops
// the coroutine of a crashed incarnation.
func Node(body func(p *P)) *Proc {
	return &Proc{p: &P{body: body}}
}

// Start implements nodes.Node: it starts the coroutine and runs the body
// until it first blocks.
func (n *Proc) Start(env *nodes.Env) {
	p := n.p
	if p.next != nil {
		n.Stop() // started twice: the old coroutine must not linger
		p.stopping, p.wait = false, waitNone
	}
	p.env = env
	p.next, p.stop = iter.Pull(p.seq)
	p.resume()
}

// Receive implements nodes.Node. A *Response wakes the Call waiting for
// it and is dropped otherwise (a late or duplicated reply). Any other
// message goes to the mailbox, and wakes a waiting Recv.
func (n *Proc) Receive(env *nodes.Env, from NodeID, msg any) {
	p := n.p
	if p.next == nil || p.wait == waitDone {
		return
	}
	if r, ok := msg.(*Response); ok {
		if p.wait == waitCall && r.ID == p.callID {
			p.cancelTimer()
			p.reply = r.Body
			p.resume()
		}
		return
	}
	p.mailbox = append(p.mailbox, envelope{from: from, msg: msg})
	if p.wait == waitRecv {
		p.cancelTimer()
		p.resume()
	}
}

// Timer implements nodes.Node: the timer of a Sleep, a RecvTimeout or a
// Call fired.
func (n *Proc) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	p := n.p
	if p.next == nil || p.wait == waitDone || id != p.timer {
		return
	}
	p.timer = 0
	p.timedOut = true
	p.resume()
}

// Stop ends the coroutine if it is parked: the blocking call it waits in
// panics with an internal value that unwinds the body (its defers run)
// and is recovered. It is a no-op on a process that has not started or
// has finished. Call it from outside the process.
func (n *Proc) Stop() {
	p := n.p
	if p.stop == nil || p.wait == waitDone {
		return
	}
	if p.inside {
		panic("proc: Stop called from inside the process")
	}
	p.stopping = true
	p.stop()
	p.wait = waitDone
}

// Done reports whether the body has returned or was stopped.
func (n *Proc) Done() bool { return n.p.wait == waitDone }

// seq is the coroutine: it runs the body once.
func (p *P) seq(yield func(struct{}) bool) {
	p.yield = yield
	defer func() {
		p.wait = waitDone
		if p.stopping {
			// Only the unwinding of a stop is ours to swallow; any other
			// panic goes on to the runtime, which reports it.
			if r := recover(); r != nil && r != errStopped {
				panic(r)
			}
		}
	}()
	p.body(p)
}

// resume runs the coroutine until it blocks or returns.
func (p *P) resume() {
	p.inside = true
	_, ok := p.next()
	p.inside = false
	if !ok {
		p.wait = waitDone
	}
}

// block parks the coroutine until a handler resumes it.
func (p *P) block(k waitKind) {
	if !p.inside {
		panic("proc: blocking call outside the process's coroutine")
	}
	p.wait = k
	ok := p.yield(struct{}{})
	p.wait = waitNone
	if !ok {
		panic(errStopped)
	}
}

func (p *P) cancelTimer() {
	if p.timer != 0 {
		p.env.CancelTimer(p.timer)
		p.timer = 0
	}
}

// ID returns the node's id.
func (p *P) ID() NodeID { return p.env.ID() }

// Name returns the node's name, e.g. "n1".
func (p *P) Name() string { return p.env.Name() }

// Now returns the node's local clock reading.
func (p *P) Now() sim.Time { return p.env.Now() }

// Rand returns the node's own random stream.
func (p *P) Rand() *rand.Rand { return p.env.Rand() }

// Env returns the node's Env, for Disk, Log, Metrics and the rest.
func (p *P) Env() *nodes.Env { return p.env }

// Send sends msg of size bytes to node to and returns the message id. It
// does not block.
func (p *P) Send(to NodeID, msg any, size int) uint64 { return p.env.Send(to, msg, size) }

// Reply answers req, received from node to, with body. It does not block.
func (p *P) Reply(to NodeID, req *Request, body any) uint64 {
	return p.env.Send(to, &Response{ID: req.ID, Body: body}, sizeOf(body))
}

// Reply answers req, received from node to, with body, from a
// handler-style node (nodes.Node) rather than a process: a server written
// as Receive handlers serves clients that use P.Call. It does not block.
func Reply(env *nodes.Env, to NodeID, req *Request, body any) uint64 {
	return env.Send(to, &Response{ID: req.ID, Body: body}, sizeOf(body))
}

// Recv blocks until a message arrives and returns it with its sender.
// Messages are received in arrival order; those that arrived while the
// process was busy wait in its mailbox. Responses are never received
// here: they belong to Call.
func (p *P) Recv() (from NodeID, msg any) {
	from, msg, _ = p.recv(-1)
	return from, msg
}

// RecvTimeout is Recv that gives up after d of local time; ok is false
// when it timed out.
func (p *P) RecvTimeout(d time.Duration) (from NodeID, msg any, ok bool) {
	return p.recv(max(d, 0))
}

func (p *P) recv(d time.Duration) (NodeID, any, bool) {
	if p.head == len(p.mailbox) {
		if d >= 0 {
			p.timer = p.env.SetTimer(d, nil)
		}
		p.block(waitRecv)
		if p.timedOut {
			p.timedOut = false
			return 0, nil, false
		}
	}
	e := p.mailbox[p.head]
	p.mailbox[p.head] = envelope{}
	p.head++
	if p.head == len(p.mailbox) {
		// Empty: reuse the storage, so a steady exchange allocates nothing.
		p.mailbox, p.head = p.mailbox[:0], 0
	}
	return e.from, e.msg, true
}

// Sleep blocks for d of local time. Messages that arrive meanwhile wait
// in the mailbox.
func (p *P) Sleep(d time.Duration) {
	p.timer = p.env.SetTimer(max(d, 0), nil)
	p.block(waitSleep)
	p.timedOut, p.cut = false, false
}

// Call sends body to peer as a *Request and blocks until the matching
// *Response arrives, returning its body, or until timeout passes, returning
// ErrTimeout. A timeout ≤ 0 waits for ever. Other messages that arrive
// meanwhile wait in the mailbox.
func (p *P) Call(peer NodeID, body any, timeout time.Duration) (any, error) {
	return p.CallWith(peer, &Request{Body: body}, timeout)
}

// CallWith is Call with an envelope the caller made: it sends req, whose
// Body is set, and sets its ID. A caller that allocates its message
// anyway can carry the envelope inside it and save Call's allocation.
// req must be new for each call: a copy of it may still be in flight.
func (p *P) CallWith(peer NodeID, req *Request, timeout time.Duration) (any, error) {
	body := req.Body
	// The id is known only once sent; the peer cannot see the request
	// before a later event, by which time the id is set.
	req.ID = p.env.Send(peer, req, sizeOf(body))
	p.callID = req.ID
	if timeout > 0 {
		p.timer = p.env.SetTimer(timeout, nil)
	}
	p.block(waitCall)
	p.callID = 0
	if p.cut {
		p.cut = false
		return nil, ErrInterrupted
	}
	if p.timedOut {
		p.timedOut = false
		return nil, ErrTimeout
	}
	r := p.reply
	p.reply = nil
	return r, nil
}

// Park blocks until Unpark is called, or until d of local time passes (a
// d < 0 waits for ever); it reports whether Unpark woke it. An Unpark that
// came while the process was running is not lost: the next Park returns
// at once. Messages and responses that arrive meanwhile are handled as
// in Sleep. It lets a process wait for work done by other processes of
// its node (hedged attempts, a bulkhead's queue).
func (p *P) Park(d time.Duration) bool {
	if p.unparked {
		p.unparked = false
		return true
	}
	if d >= 0 {
		p.timer = p.env.SetTimer(d, nil)
	}
	p.block(waitPark)
	if p.timedOut || p.cut {
		p.timedOut, p.cut = false, false
		return false
	}
	p.unparked = false
	return true
}

// Unpark wakes the process if it waits in Park, and otherwise makes its
// next Park return at once. Call it from the node's event handlers (a
// timer, a message), not from inside another blocking call of p.
func (p *P) Unpark() {
	if p.wait == waitDone {
		return
	}
	p.unparked = true
	if p.wait == waitPark && !p.inside {
		p.cancelTimer()
		p.resume()
	}
}

// Interrupt ends the Call, Sleep or Park the process waits in, at once:
// Call returns ErrInterrupted (a late response is then dropped), Sleep
// returns early and Park returns false. It reports whether the process
// was waiting in one of them; a process that runs, waits in Recv or has
// ended is left alone. It lets a process stop waiting when what it
// waits for is no longer wanted (a cancelled request). Call it from the
// node's event handlers, as Unpark.
func (p *P) Interrupt() bool {
	if p.inside || (p.wait != waitCall && p.wait != waitSleep && p.wait != waitPark) {
		return false
	}
	p.cancelTimer()
	p.cut = true
	p.resume()
	return true
}
