package window

import "time"

// Slots is the number of independent counters each bucket holds.
const Slots = 4

type bucket struct {
	epoch int64 // the bucket's index in time (now / width); -1 when unused
	count [Slots]int64
}

// Window counts events per slot over the last Length of virtual time.
type Window struct {
	width   time.Duration
	buckets []bucket
}

// New returns a window of the given length split into n buckets. length must
// be > 0; n < 1 is treated as 1, and the width is at least 1ns.
func New(length time.Duration, n int) *Window {
	if n < 1 {
		n = 1
	}
	width := max(length/time.Duration(n), 1)
	w := &Window{width: width, buckets: make([]bucket, n)}
	for i := range w.buckets {
		w.buckets[i].epoch = -1
	}
	return w
}

func (w *Window) epoch(now time.Duration) int64 { return int64(now / w.width) }

// Add adds delta to slot at time now.
func (w *Window) Add(now time.Duration, slot int, delta int64) {
	e := w.epoch(now)
	b := &w.buckets[int(e%int64(len(w.buckets)))]
	if b.epoch != e {
		*b = bucket{epoch: e}
	}
	b.count[slot] += delta
}

// Sum returns the total of slot over the buckets still in the window at now.
func (w *Window) Sum(now time.Duration, slot int) int64 {
	e := w.epoch(now)
	oldest := e - int64(len(w.buckets)) + 1
	var s int64
	for i := range w.buckets {
		b := &w.buckets[i]
		if b.epoch >= oldest && b.epoch <= e {
			s += b.count[slot]
		}
	}
	return s
}

// Reset forgets every event.
func (w *Window) Reset() {
	for i := range w.buckets {
		w.buckets[i] = bucket{epoch: -1}
	}
}
