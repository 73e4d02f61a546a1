package shed

import (
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Order is the service order.
type Order string

// The orders.
const (
	FIFO         Order = "fifo"
	LIFO         Order = "lifo"
	AdaptiveLIFO Order = "adaptive-lifo"
)

var orders = []string{string(FIFO), string(LIFO), string(AdaptiveLIFO)}

// Defaults.
const (
	DefaultMaxQueue = 100
	DefaultInterval = 100 * time.Millisecond
)

// Config sets a load shedder.
type Config struct {
	// MaxQueue is the items that may wait. If MaxQueue is 0, 100 is used.
	MaxQueue int
	// Order is the service order. If Order is "", FIFO is used.
	Order Order
	// TargetDelay is the longest wait under overload. If TargetDelay is 0,
	// no item is shed for its delay (only offers to a full queue are).
	TargetDelay time.Duration
	// Interval is the longest wait without overload and the time the queue
	// must stay non-empty to count as overloaded. If Interval is 0, 100ms is used.
	Interval time.Duration
}

// Params lists the keys Set accepts (without the "shed." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "max_queue", Default: strconv.Itoa(DefaultMaxQueue), Help: "items waiting; offers beyond are rejected"},
		{Name: "order", Default: string(FIFO), Help: "service order: fifo, lifo, adaptive-lifo"},
		{Name: "target_delay", Default: "0s", Help: "longest wait under overload (0 = no delay shedding)"},
		{Name: "interval", Default: DefaultInterval.String(), Help: "longest wait otherwise, and the overload window"},
	}
}

// Set sets one parameter by its key (without the "shed." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "max_queue":
		c.MaxQueue, err = params.IntRange(key, value, 1, 1_000_000)
	case "order":
		var o string
		o, err = params.Enum(key, value, orders)
		c.Order = Order(o)
	case "target_delay":
		c.TargetDelay, err = params.Duration(key, value)
	case "interval":
		c.Interval, err = params.PositiveDuration(key, value)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and that target_delay <= interval.
func (c Config) Validate() error {
	if c.MaxQueue < 0 {
		return params.Errorf("max_queue", "must be >= 1, got %d", c.MaxQueue)
	}
	if c.Order != "" {
		if _, err := params.Enum("order", string(c.Order), orders); err != nil {
			return err
		}
	}
	if c.TargetDelay < 0 || c.Interval < 0 {
		return params.Errorf("target_delay", "target_delay and interval must be >= 0")
	}
	iv := c.Interval
	if iv == 0 {
		iv = DefaultInterval
	}
	if c.TargetDelay > iv {
		return params.Errorf("target_delay", "must be <= interval (%v), got %v", iv, c.TargetDelay)
	}
	return nil
}

type item[T any] struct {
	v  T
	at time.Duration
}

// Shedder is a bounded queue of T with shedding. It is not safe for
// concurrent use.
type Shedder[T any] struct {
	c         Config
	q         []item[T] // oldest first
	lastEmpty time.Duration
	rejected  int
	shed      int
}

// New returns an empty shedder set by c, or an error if c is invalid.
func New[T any](c Config) (*Shedder[T], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.MaxQueue == 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	if c.Order == "" {
		c.Order = FIFO
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	return &Shedder[T]{c: c}, nil
}

// Config returns the configuration in use, defaults filled in.
func (s *Shedder[T]) Config() Config { return s.c }

// Len returns the items waiting.
func (s *Shedder[T]) Len() int { return len(s.q) }

// Rejected and Shed count offers refused because the queue was full, and
// items dropped for waiting too long.
func (s *Shedder[T]) Rejected() int { return s.rejected }

// Shed counts items dropped for waiting too long.
func (s *Shedder[T]) Shed() int { return s.shed }

// Overloaded reports whether the queue has stayed non-empty for longer than
// interval at now.
func (s *Shedder[T]) Overloaded(now time.Duration) bool {
	if len(s.q) == 0 {
		s.lastEmpty = now
		return false
	}
	return now-s.lastEmpty > s.c.Interval
}

// Limit returns the longest an item may wait at now, and false when delay
// shedding is off.
func (s *Shedder[T]) Limit(now time.Duration) (time.Duration, bool) {
	if s.c.TargetDelay == 0 {
		return 0, false
	}
	if s.Overloaded(now) {
		return s.c.TargetDelay, true
	}
	return s.c.Interval, true
}

// Offer enqueues v at now; it returns false (rejected) when the queue is full.
func (s *Shedder[T]) Offer(now time.Duration, v T) bool {
	if len(s.q) == 0 {
		s.lastEmpty = now
	}
	if len(s.q) >= s.c.MaxQueue {
		s.rejected++
		return false
	}
	s.q = append(s.q, item[T]{v, now})
	return true
}

// Take removes the next item to serve at now. Items that waited past the
// limit are removed first and returned as shed, oldest first.
func (s *Shedder[T]) Take(now time.Duration) (v T, ok bool, shed []T) {
	if limit, on := s.Limit(now); on {
		kept := s.q[:0]
		for _, it := range s.q {
			if now-it.at > limit {
				shed = append(shed, it.v)
			} else {
				kept = append(kept, it)
			}
		}
		clear(s.q[len(kept):])
		s.q = kept
		s.shed += len(shed)
	}
	if len(s.q) == 0 {
		s.lastEmpty = now
		return v, false, shed
	}
	lifo := s.c.Order == LIFO || (s.c.Order == AdaptiveLIFO && s.Overloaded(now))
	var it item[T]
	if lifo {
		it = s.q[len(s.q)-1]
		s.q = s.q[:len(s.q)-1]
	} else {
		it = s.q[0]
		s.q = s.q[1:]
	}
	if len(s.q) == 0 {
		s.lastEmpty = now
	}
	return it.v, true, shed
}
