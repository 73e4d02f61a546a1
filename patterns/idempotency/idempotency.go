package idempotency

import (
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Defaults.
const (
	DefaultTTL     = 24 * time.Hour
	DefaultMaxKeys = 100_000
)

// Config sets the store.
type Config struct {
	// TTL is how long a key is remembered after its first Begin.
	// If TTL is 0, 24h is used.
	TTL time.Duration
	// MaxKeys is the live keys held. If MaxKeys is 0, 100000 is used.
	MaxKeys int
}

// Params lists the keys Set accepts (without the "idempotency." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "ttl", Default: DefaultTTL.String(), Help: "how long a key is remembered"},
		{Name: "max_keys", Default: strconv.Itoa(DefaultMaxKeys), Help: "live keys held at most"},
	}
}

// Set sets one parameter by its key (without the "idempotency." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "ttl":
		c.TTL, err = params.PositiveDuration(key, value)
	case "max_keys":
		c.MaxKeys, err = params.IntRange(key, value, 1, 100_000_000)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields.
func (c Config) Validate() error {
	if c.TTL < 0 {
		return params.Errorf("ttl", "must be >= 0, got %v", c.TTL)
	}
	if c.MaxKeys < 0 {
		return params.Errorf("max_keys", "must be >= 1, got %d", c.MaxKeys)
	}
	return nil
}

// Status is the answer to Begin.
type Status int

// The statuses.
const (
	New        Status = iota // run the side effect, then Complete or Abort
	InProgress               // the first call has not finished: reject the repeat as a retryable conflict
	Done                     // the stored result is returned; do not run the side effect
	Full                     // the store is full: refuse the request
)

func (s Status) String() string { return [...]string{"new", "in-progress", "done", "full"}[s] }

type entry[R any] struct {
	created time.Duration
	done    bool
	result  R
}

type created struct {
	key string
	at  time.Duration
}

// Store is the key store. It is not safe for concurrent use.
type Store[R any] struct {
	c       Config
	entries map[string]*entry[R]
	order   []created // creation order, which is expiry order
}

// NewStore returns an empty store set by c, or an error if c is invalid.
func NewStore[R any](c Config) (*Store[R], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	return &Store[R]{c: c, entries: map[string]*entry[R]{}}, nil
}

// Config returns the configuration in use, defaults filled in.
func (s *Store[R]) Config() Config { return s.c }

// Len returns the live keys (after removing those expired at the last call).
func (s *Store[R]) Len() int { return len(s.entries) }

// expire forgets the keys whose TTL has passed at now.
func (s *Store[R]) expire(now time.Duration) {
	i := 0
	for i < len(s.order) && now-s.order[i].at >= s.c.TTL {
		if e, ok := s.entries[s.order[i].key]; ok && e.created == s.order[i].at {
			delete(s.entries, s.order[i].key)
		}
		i++
	}
	clear(s.order[:i])
	s.order = s.order[i:]
}

// Begin looks key up at now. On Done, result is the stored result.
func (s *Store[R]) Begin(now time.Duration, key string) (st Status, result R) {
	s.expire(now)
	if e, ok := s.entries[key]; ok {
		if e.done {
			return Done, e.result
		}
		return InProgress, result
	}
	if len(s.entries) >= s.c.MaxKeys {
		return Full, result
	}
	s.entries[key] = &entry[R]{created: now}
	s.order = append(s.order, created{key, now})
	return New, result
}

// Complete stores the result of the call that got New for key. It does
// nothing if the key has expired meanwhile.
func (s *Store[R]) Complete(now time.Duration, key string, result R) {
	s.expire(now)
	if e, ok := s.entries[key]; ok && !e.done {
		e.done, e.result = true, result
	}
}

// Abort forgets an in-progress key whose call failed before taking effect,
// so that a retry runs it. A completed key is kept.
func (s *Store[R]) Abort(now time.Duration, key string) {
	s.expire(now)
	if e, ok := s.entries[key]; ok && !e.done {
		delete(s.entries, key)
	}
}
