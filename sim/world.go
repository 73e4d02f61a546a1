package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Handler handles the events it scheduled. The event is valid only during
// the call.
type Handler interface {
	Handle(ev *Event)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ev *Event)

// Handle calls f(ev).
func (f HandlerFunc) Handle(ev *Event) { f(ev) }

// Event is one scheduled occurrence. Kind, Node, A, B and Ptr belong to the
// handler that scheduled it; the engine hashes At, Kind, Node and A into the
// trace hash and uses Node and Kind in panic reports.
type Event struct {
	At   Time
	Kind uint16 // handler-defined
	Node int32  // node the event concerns, or -1
	A, B int64  // handler-defined arguments
	Ptr  any    // handler-defined payload

	h Handler
}

// Options configure a World. The zero value is valid.
type Options struct {
	// ShuffleTies breaks ties between events at the same time with a key
	// drawn from the seed (stream "sched") instead of insertion order. It
	// explores more interleavings and stays deterministic.
	ShuffleTies bool
	// Limits bound the run; zero fields take the defaults of DefaultLimits.
	Limits Limits
	// Sink receives trace records; nil discards them. The trace hash does
	// not depend on the sink.
	Sink Sink
	// Arena, if set, lends components storage that an earlier world of the
	// same worker used (see Arena). It never changes a run.
	Arena *Arena
}

// Limits bound a run so that no run can go on forever.
type Limits struct {
	MaxEvents  uint64 // handled events; default 100 000 000
	MaxTime    Time   // simulated time; default 24h
	MaxPending int    // pending events; default 10 000 000
	// LivelockEvents is how many events may run at one simulated instant
	// before the run is declared a livelock; default 1 000 000.
	LivelockEvents uint64
}

// DefaultLimits are used for zero fields of Options.Limits.
var DefaultLimits = Limits{
	MaxEvents:      100_000_000,
	MaxTime:        Time(24 * time.Hour),
	MaxPending:     10_000_000,
	LivelockEvents: 1_000_000,
}

func (l Limits) withDefaults() Limits {
	if l.MaxEvents == 0 {
		l.MaxEvents = DefaultLimits.MaxEvents
	}
	if l.MaxTime == 0 {
		l.MaxTime = DefaultLimits.MaxTime
	}
	if l.MaxPending == 0 {
		l.MaxPending = DefaultLimits.MaxPending
	}
	if l.LivelockEvents == 0 {
		l.LivelockEvents = DefaultLimits.LivelockEvents
	}
	return l
}

// LimitError ends a run that hit a limit. It is neither success nor a
// check failure.
type LimitError struct {
	Limit  string // "max_events", "max_time", "max_pending", "livelock", "wall_time"
	At     Time
	Events uint64
	Detail string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit %s reached at %v after %d events: %s", e.Limit, e.At, e.Events, e.Detail)
}

// PanicError reports a panic raised by a handler.
type PanicError struct {
	Value any
	At    Time
	Event uint64 // number of the event, counting from 1
	Node  int32
	Kind  uint16
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic at %v in event %d (node %d, kind %d): %v", e.At, e.Event, e.Node, e.Kind, e.Value)
}

// ErrInterrupted is returned when Interrupt stopped a run.
var ErrInterrupted = errors.New("run interrupted")

// World is one simulated world. It is not safe for concurrent use, except
// for Interrupt.
type World struct {
	seed    uint64
	now     Time
	q       queue
	seq     uint64
	events  uint64
	asserts *Assertions // named assertions and coverage, created on first use
	hash    uint64
	opts    Options
	limits  Limits
	sched   *rand.Rand
	streams map[string]*rand.Rand
	cur     Event
	kinds   kindCache
	rec     Record // the record passed to the sink
	// livelock detection
	sameTime   uint64
	lastTime   Time
	interrupt  atomic.Bool
	stopReason error
	stopped    bool
	budget     uint64 // RunEvents stops here

	Metrics *Metrics
}

// New returns a world for seed.
func New(seed uint64, opts Options) *World {
	w := &World{
		seed:    seed,
		opts:    opts,
		limits:  opts.Limits.withDefaults(),
		hash:    14695981039346656037,
		streams: make(map[string]*rand.Rand),
		Metrics: NewMetrics(),
		budget:  math.MaxUint64,
	}
	w.Metrics.arena = opts.Arena
	if opts.Arena != nil {
		opts.Arena.lendQueue(w)
	}
	if opts.ShuffleTies {
		w.sched = w.Rand("sched")
	}
	return w
}

// Arena returns the arena of Options.Arena, or nil: pass it to Take.
func (w *World) Arena() *Arena { return w.opts.Arena }

// Seed returns the world's seed.
func (w *World) Seed() uint64 { return w.seed }

// Now returns the current simulated time.
func (w *World) Now() Time { return w.now }

// Events returns the number of events handled so far.
func (w *World) Events() uint64 { return w.events }

// Pending returns the number of scheduled events not yet handled.
func (w *World) Pending() int { return w.q.Len() }

// TraceHash returns the running 64-bit hash of every handled event and
// trace record.
func (w *World) TraceHash() uint64 { return w.hash }

// Current returns the event being handled, for diagnostics.
func (w *World) Current() *Event { return &w.cur }

// Schedule queues e for handler h at time at (not before now). It panics if
// at is in the past, which is a bug in the caller.
func (w *World) Schedule(at Time, h Handler, e Event) {
	w.q.pushArgs(at, h, e.Kind, e.Node, e.A, e.B, e.Ptr, w.key(at))
}

// Post queues an event for h at time at, like Schedule with an Event of
// these fields, but without building and copying one: for hot paths.
func (w *World) Post(at Time, h Handler, kind uint16, node int32, a, b int64, ptr any) {
	w.q.pushArgs(at, h, kind, node, a, b, ptr, w.key(at))
}

// Reserve returns the tie-break key of an event at at that the caller
// will post later with PostReserved: it is drawn now, so the event is
// ordered as if it had been posted now. A component whose events
// complete one after the other (a disk's syncs) keeps only the next one
// in the queue, which is cheaper than keeping them all, and the run is
// the same as long as each is posted before any event that would follow
// it is handled.
func (w *World) Reserve(at Time) uint64 { return w.key(at) }

// PostReserved queues an event whose key came from Reserve.
func (w *World) PostReserved(at Time, key uint64, h Handler, kind uint16, node int32, a, b int64, ptr any) {
	if at < w.now {
		panic(fmt.Sprintf("sim: schedule at %v before now %v", at, w.now))
	}
	w.q.pushArgs(at, h, kind, node, a, b, ptr, key)
}

// key returns the tie-break key of an event scheduled at at, which must
// not be in the past.
func (w *World) key(at Time) uint64 {
	if at < w.now {
		panic(fmt.Sprintf("sim: schedule at %v before now %v", at, w.now))
	}
	w.seq++
	if w.sched != nil {
		return w.sched.Uint64()
	}
	return w.seq
}

// After queues e for h after d.
func (w *World) After(d time.Duration, h Handler, e Event) {
	at := w.now.Add(d)
	w.q.pushArgs(at, h, e.Kind, e.Node, e.A, e.B, e.Ptr, w.key(at))
}

// Interrupt asks a running world to stop at the next check (every 1024
// events). It is safe to call from another goroutine, which is how a
// wall-clock limit is enforced from outside the world.
func (w *World) Interrupt() { w.interrupt.Store(true) }

// Stop ends the run after the current event with err (nil for a normal
// stop). Use it from a handler when the scenario is done.
func (w *World) Stop(err error) {
	w.stopped = true
	w.stopReason = err
}

func mix(h, x uint64) uint64 {
	h ^= x
	h *= 1099511628211
	return h ^ (h >> 29)
}

// step handles the next event; run has checked that there is one.
func (w *World) step() {
	w.q.pop(&w.cur)
	ev := &w.cur
	if ev.At == w.lastTime {
		w.sameTime++
	} else {
		w.sameTime = 0
		w.lastTime = ev.At
	}
	w.now = ev.At
	w.events++
	w.hash = mix(mix(mix(w.hash, uint64(ev.At)), uint64(ev.Kind)<<32|uint64(uint32(ev.Node))), uint64(ev.A))
	ev.h.Handle(ev)
}

// RunUntil handles every event due at or before t, then advances the clock
// to t. It returns nil, a *LimitError, a *PanicError, ErrInterrupted, or the
// error passed to Stop.
func (w *World) RunUntil(t Time) error {
	err := w.run(t, nil)
	if err == nil && !w.stopped && w.now < t && t != Never {
		w.now = t
	}
	return err
}

// RunWhile handles events while cond() holds and events remain.
func (w *World) RunWhile(cond func() bool) error { return w.run(Never, cond) }

// Run handles events until none remain.
func (w *World) Run() error { return w.run(Never, nil) }

// RunEvents handles at most n more events: an event budget.
func (w *World) RunEvents(n uint64) error {
	saved := w.budget
	w.budget = w.events + n
	defer func() { w.budget = saved }()
	return w.run(Never, nil)
}

func (w *World) run(until Time, cond func() bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, At: w.now, Event: w.events, Node: w.cur.Node, Kind: w.cur.Kind, Stack: string(debug.Stack())}
		}
	}()
	w.stopped = false
	w.stopReason = nil
	lim := &w.limits
	for {
		n := w.q.Len()
		if n == 0 {
			return nil
		}
		next := w.q.peek()
		if next > until {
			return nil
		}
		if cond != nil && !cond() {
			return nil
		}
		if w.events >= w.budget {
			return nil
		}
		// The common case passes every limit with a few compares; the slow
		// path re-reads the queue (cond may have changed it) and reports.
		if cond != nil || w.events&1023 == 0 || w.events >= lim.MaxEvents || next > lim.MaxTime ||
			n > lim.MaxPending || w.sameTime >= lim.LivelockEvents {
			if err := w.checkLimits(); err != nil {
				return err
			}
		}
		w.step()
		if w.stopped {
			return w.stopReason
		}
	}
}

func (w *World) checkLimits() error {
	next := w.q.peek()
	switch {
	case w.events >= w.limits.MaxEvents:
		return &LimitError{Limit: "max_events", At: w.now, Events: w.events, Detail: fmt.Sprintf("handled %d events", w.events)}
	case next > w.limits.MaxTime:
		return &LimitError{Limit: "max_time", At: w.now, Events: w.events, Detail: fmt.Sprintf("next event at %v is past %v", next, w.limits.MaxTime)}
	case w.q.Len() > w.limits.MaxPending:
		return &LimitError{Limit: "max_pending", At: w.now, Events: w.events, Detail: fmt.Sprintf("%d pending events", w.q.Len())}
	case w.sameTime >= w.limits.LivelockEvents:
		return &LimitError{Limit: "livelock", At: w.now, Events: w.events, Detail: fmt.Sprintf("%d events without simulated time advancing", w.sameTime)}
	}
	if w.events&1023 == 0 && w.interrupt.Load() {
		return ErrInterrupted
	}
	return nil
}
