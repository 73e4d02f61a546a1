package bulkhead

import (
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// DefaultMaxConcurrent is used when Config.MaxConcurrent is 0.
const DefaultMaxConcurrent = 10

// Config sets a bulkhead.
type Config struct {
	// MaxConcurrent is the calls in flight at once. If it is 0, 10 is used.
	MaxConcurrent int
	// MaxQueue is the calls that may wait for a slot. If MaxQueue is 0, a
	// call is rejected when every slot is taken.
	MaxQueue int
	// MaxWait is the longest a call waits in the queue. If MaxWait is 0,
	// it waits until a slot frees up or it is withdrawn.
	MaxWait time.Duration
}

// Params lists the keys Set accepts (without the "bulkhead." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "max_concurrent", Default: strconv.Itoa(DefaultMaxConcurrent), Help: "calls in flight at once"},
		{Name: "max_queue", Default: "0", Help: "calls waiting for a slot (0 = reject when full)"},
		{Name: "max_wait", Default: "0s", Help: "longest wait in the queue (0 = no limit)"},
	}
}

// Set sets one parameter by its key (without the "bulkhead." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "max_concurrent":
		c.MaxConcurrent, err = params.IntRange(key, value, 1, 1_000_000)
	case "max_queue":
		c.MaxQueue, err = params.IntRange(key, value, 0, 1_000_000)
	case "max_wait":
		c.MaxWait, err = params.Duration(key, value)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields.
func (c Config) Validate() error {
	switch {
	case c.MaxConcurrent < 0:
		return params.Errorf("max_concurrent", "must be >= 1, got %d", c.MaxConcurrent)
	case c.MaxQueue < 0:
		return params.Errorf("max_queue", "must be >= 0, got %d", c.MaxQueue)
	case c.MaxWait < 0:
		return params.Errorf("max_wait", "must be >= 0, got %v", c.MaxWait)
	case c.MaxWait > 0 && c.MaxQueue == 0:
		return params.Errorf("max_wait", "needs max_queue > 0, got max_wait %v with no queue", c.MaxWait)
	}
	return nil
}

// Result is the answer to Acquire.
type Result int

// The results.
const (
	Admitted Result = iota
	Queued
	Rejected
)

func (r Result) String() string {
	return [...]string{"admitted", "queued", "rejected"}[r]
}

// Ticket names one call in the bulkhead. Tickets are never 0.
type Ticket uint64

type waiter struct {
	t  Ticket
	at time.Duration
}

// Bulkhead is the state machine. It is not safe for concurrent use.
type Bulkhead struct {
	c        Config
	next     Ticket
	inFlight map[Ticket]bool
	queue    []waiter // FIFO
	expired  []Ticket // skipped by Release, returned by the next Expire
	maxSeen  int
}

// New returns an empty bulkhead set by c, or an error if c is invalid.
func New(c Config) (*Bulkhead, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	return &Bulkhead{c: c, inFlight: map[Ticket]bool{}}, nil
}

// Config returns the configuration in use, defaults filled in.
func (b *Bulkhead) Config() Config { return b.c }

// InFlight returns the calls holding a slot.
func (b *Bulkhead) InFlight() int { return len(b.inFlight) }

// Queued returns the calls waiting.
func (b *Bulkhead) Queued() int { return len(b.queue) }

// MaxInFlight returns the most calls ever in flight at once.
func (b *Bulkhead) MaxInFlight() int { return b.maxSeen }

func (b *Bulkhead) ticket() Ticket {
	b.next++
	return b.next
}

func (b *Bulkhead) admit(t Ticket) {
	b.inFlight[t] = true
	b.maxSeen = max(b.maxSeen, len(b.inFlight))
}

// Acquire asks for a slot at now. An Admitted ticket holds a slot until
// Release; a Queued ticket waits for Release to return it; a Rejected call
// gets ticket 0 and holds nothing.
func (b *Bulkhead) Acquire(now time.Duration) (Ticket, Result) {
	if len(b.inFlight) < b.c.MaxConcurrent && len(b.queue) == 0 {
		t := b.ticket()
		b.admit(t)
		return t, Admitted
	}
	if len(b.queue) < b.c.MaxQueue {
		t := b.ticket()
		b.queue = append(b.queue, waiter{t, now})
		return t, Queued
	}
	return 0, Rejected
}

// TryAcquire takes a slot only if one is free now; it never queues.
func (b *Bulkhead) TryAcquire(now time.Duration) (Ticket, bool) {
	if len(b.inFlight) < b.c.MaxConcurrent && len(b.queue) == 0 {
		t := b.ticket()
		b.admit(t)
		return t, true
	}
	return 0, false
}

// Release ends ticket t at now: an admitted call frees its slot, a queued
// call leaves the queue. It returns the queued tickets admitted as a result,
// in arrival order. Releasing an unknown ticket does nothing.
func (b *Bulkhead) Release(now time.Duration, t Ticket) []Ticket {
	if !b.inFlight[t] {
		for i, w := range b.queue {
			if w.t == t {
				b.queue = append(b.queue[:i], b.queue[i+1:]...)
				return nil
			}
		}
		for i, e := range b.expired {
			if e == t {
				b.expired = append(b.expired[:i], b.expired[i+1:]...)
				return nil
			}
		}
		return nil
	}
	delete(b.inFlight, t)
	var admitted []Ticket
	for len(b.inFlight) < b.c.MaxConcurrent && len(b.queue) > 0 {
		w := b.queue[0]
		b.queue = b.queue[1:]
		if b.c.MaxWait > 0 && now-w.at >= b.c.MaxWait {
			b.expired = append(b.expired, w.t)
			continue
		}
		b.admit(w.t)
		admitted = append(admitted, w.t)
	}
	return admitted
}

// Expire removes and returns the queued tickets that have waited max_wait or
// longer at now, oldest first.
func (b *Bulkhead) Expire(now time.Duration) []Ticket {
	out := b.expired
	b.expired = nil
	if b.c.MaxWait == 0 {
		return out
	}
	i := 0
	for i < len(b.queue) && now-b.queue[i].at >= b.c.MaxWait {
		out = append(out, b.queue[i].t)
		i++
	}
	b.queue = b.queue[i:]
	return out
}

// NextExpiry returns when the oldest queued ticket will expire, if any.
func (b *Bulkhead) NextExpiry() (time.Duration, bool) {
	if len(b.expired) > 0 {
		return 0, true
	}
	if b.c.MaxWait == 0 || len(b.queue) == 0 {
		return 0, false
	}
	return b.queue[0].at + b.c.MaxWait, true
}
