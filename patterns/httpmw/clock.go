package httpmw

import (
	"context"
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
// one frees a slot.
type Scheduler interface {
	Clock
	// AfterFunc runs f after d unless stop is called first; stop reports
	// whether it prevented f.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
	// Go runs f concurrently.
	Go(f func())
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

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

func (realClock) Go(f func()) { go f() }

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
