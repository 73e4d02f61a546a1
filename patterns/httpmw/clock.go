package httpmw

import (
	"context"
	"sync"
	"time"
)

// Clock is where middleware reads time and waits. Each method takes the
// request's context because a simulated clock belongs to the process
// serving the request.
type Clock interface {
	// Now returns the current time.
	Now(ctx context.Context) time.Time
	// Sleep waits d, or until ctx is done; it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout is context.WithTimeout on this clock.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// Scheduler is a Clock that can also run code later and concurrently, as
// the wall clock can. A Transport on a Scheduler drives its requests with
// patterns/pipeline/drive, so attempts of one request may run at once
// (hedging) and a request may wait in the bulkhead's queue until another
// one frees a slot. Real is one; httpsim's Net.Clock is the simulated one,
// where "later" is a timer of the node and "concurrently" is another
// process of the node. ctx names the caller, whose clock and node are
// used.
type Scheduler interface {
	Clock
	// AfterFunc runs f after d unless stop is called first; stop reports
	// whether it prevented f.
	AfterFunc(ctx context.Context, d time.Duration, f func()) (stop func() bool)
	// Go runs f concurrently, with a context like ctx (same deadline,
	// values and cancellation) that belongs to the new strand of work.
	Go(ctx context.Context, f func(ctx context.Context))
	// Waiter lets the caller of ctx wait for its request to end. wait
	// blocks until wake was called, or until ctx is done, and then
	// returns ctx.Err() if wake was not called; with ignoreCtx it waits
	// for wake only. wake ends a wait, before or while it waits; it may
	// be called with the Transport's lock held, from any strand. (Plain
	// func types, so that a simulated clock can implement Scheduler
	// without importing this package.)
	Waiter(ctx context.Context) (wait func(ignoreCtx bool) error, wake func())
}

// Canceller is what a Scheduler offers when context.WithCancel's cancel
// would not reach its strands while they wait (a simulated clock, whose
// strands cannot watch a context from a goroutine). WithCancel is then
// context.WithCancel on this scheduler: a hedge's losing attempt stops,
// and its server is told. A Scheduler without it gets context.WithCancel.
type Canceller interface {
	WithCancel(ctx context.Context) (context.Context, context.CancelFunc)
}

// withCancel is s's WithCancel if it has one, else context.WithCancel.
func withCancel(s Scheduler, ctx context.Context) (context.Context, context.CancelFunc) {
	if c, ok := s.(Canceller); ok {
		return c.WithCancel(ctx)
	}
	return context.WithCancel(ctx)
}

// Real is the wall clock. It is a Scheduler.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now(context.Context) time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return ctx.Err()
}

func (realClock) AfterFunc(_ context.Context, d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

func (realClock) Go(ctx context.Context, f func(context.Context)) { go f(ctx) }

func (realClock) Waiter(ctx context.Context) (func(bool) error, func()) {
	w := &realWaiter{ctx: ctx, done: make(chan struct{})}
	return w.Wait, w.Wake
}

type realWaiter struct {
	ctx  context.Context
	once sync.Once
	done chan struct{}
}

func (w *realWaiter) Wait(ignoreCtx bool) error {
	if ignoreCtx {
		<-w.done
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-w.ctx.Done():
		select {
		case <-w.done: // both: Wake wins, as the request has ended
			return nil
		default:
		}
		return w.ctx.Err()
	}
}

func (w *realWaiter) Wake() { w.once.Do(func() { close(w.done) }) }

func (realClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// since turns clock readings into the durations the patterns take,
// counted from the first reading.
type since struct {
	base    time.Time
	started bool
}

func (s *since) at(t time.Time) time.Duration {
	if !s.started {
		s.base, s.started = t, true
	}
	return t.Sub(s.base)
}
