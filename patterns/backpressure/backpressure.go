package backpressure

import (
	"strconv"

	"github.com/faultline/faultline/patterns/params"
)

// DefaultCapacity is used when Config.Capacity is 0.
const DefaultCapacity = 100

// Config sets the queue.
type Config struct {
	// Capacity is the items the queue holds. If Capacity is 0, 100 is used.
	Capacity int
}

// Params lists the keys Set accepts (without the "backpressure." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{{Name: "capacity", Default: strconv.Itoa(DefaultCapacity), Help: "items the queue holds"}}
}

// Set sets one parameter by its key (without the "backpressure." prefix).
func (c *Config) Set(key, value string) error {
	if key != "capacity" {
		return params.UnknownKey(key, c.Params())
	}
	var err error
	c.Capacity, err = params.IntRange(key, value, 1, 1_000_000)
	return err
}

// Validate checks the fields.
func (c Config) Validate() error {
	if c.Capacity < 0 {
		return params.Errorf("capacity", "must be >= 1, got %d", c.Capacity)
	}
	return nil
}

// Producer names a producer; the driver picks the IDs.
type Producer uint64

// Result is the answer to Offer.
type Result int

// The results.
const (
	Accepted       Result = iota // the item is in the queue
	Blocked                      // the queue is full: suspend the producer until Take wakes it
	AlreadyBlocked               // the producer is already suspended; the item was not taken
)

func (r Result) String() string { return [...]string{"accepted", "blocked", "already-blocked"}[r] }

type pending[T any] struct {
	p Producer
	v T
}

// Queue is the bounded queue. It is not safe for concurrent use.
type Queue[T any] struct {
	c       Config
	items   []T
	blocked []pending[T] // FIFO
}

// New returns an empty queue set by c, or an error if c is invalid.
func New[T any](c Config) (*Queue[T], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	return &Queue[T]{c: c}, nil
}

// Len returns the items in the queue (not counting those of blocked producers).
func (q *Queue[T]) Len() int { return len(q.items) }

// Blocked returns the producers suspended.
func (q *Queue[T]) Blocked() int { return len(q.blocked) }

// Offer puts v from producer p into the queue, or blocks p when it is full.
func (q *Queue[T]) Offer(p Producer, v T) Result {
	for _, b := range q.blocked {
		if b.p == p {
			return AlreadyBlocked
		}
	}
	if len(q.items) >= q.c.Capacity || len(q.blocked) > 0 {
		q.blocked = append(q.blocked, pending[T]{p, v})
		return Blocked
	}
	q.items = append(q.items, v)
	return Accepted
}

// Take removes the oldest item. If a producer was blocked, its item takes
// the freed slot and woken names it (at most one producer per Take).
func (q *Queue[T]) Take() (v T, ok bool, woken []Producer) {
	if len(q.items) == 0 {
		return v, false, nil
	}
	v = q.items[0]
	var zero T
	q.items[0] = zero
	q.items = q.items[1:]
	if len(q.blocked) > 0 {
		b := q.blocked[0]
		q.blocked = q.blocked[1:]
		q.items = append(q.items, b.v)
		woken = []Producer{b.p}
	}
	return v, true, woken
}

// Cancel withdraws blocked producer p (it crashed or gave up) and returns
// the item it was offering.
func (q *Queue[T]) Cancel(p Producer) (v T, ok bool) {
	for i, b := range q.blocked {
		if b.p == p {
			q.blocked = append(q.blocked[:i], q.blocked[i+1:]...)
			return b.v, true
		}
	}
	return v, false
}
