package pipeline

import "time"

// phase is where a request is in its life.
type phase uint8

const (
	fresh phase = iota // built, not started
	live               // started and not ended
	ended              // ended: every call is a no-op
)

// wakeAt is a one-shot wake-up: a time, armed or not.
type wakeAt struct {
	at    time.Duration
	armed bool
}

func (w *wakeAt) arm(at time.Duration) { w.at, w.armed = at, true }

func (w *wakeAt) disarm() { w.armed = false }

// due reports whether w is armed and its time has come, and disarms it if
// so.
func (w *wakeAt) due(now time.Duration) bool {
	if !w.armed || now < w.at {
		return false
	}
	w.armed = false
	return true
}

// backoff is the wait before the next retry.
type backoff struct {
	wakeAt
	prev time.Duration // the last delay, which decorrelated jitter reads
}

// queueState is what the bulkhead made of an attempt in its queue.
type queueState uint8

const (
	waiting  queueState = iota // still queued
	admitted                   // holds a slot: send it on the next OnTimer
	expired                    // the bulkhead gave up on it
)

// queueWait is the attempt waiting in the bulkhead; a is nil when none is.
type queueWait struct {
	a     *attempt
	since time.Duration
	state queueState
}

// inline is storage that saves allocations in the common case: the first
// attempts (by number), the first backing arrays of the running attempts
// and of the hedge race, and those of a Decision's Send and Cancel.
type inline struct {
	att    [3]attempt
	run    [2]*attempt
	send   [2]Send
	cancel [2]int
	race   [2]int
}
