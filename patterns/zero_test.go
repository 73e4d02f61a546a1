package patterns_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/budget"
	"github.com/faultline/faultline/patterns/hedge"
	"github.com/faultline/faultline/patterns/idempotency"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/patterns/throttle"
)

// TestZeroIsNeverSilentlyReplaced: a value Set accepts is the value in use.
// Where a Config's zero field means "the default", Set("0") must either
// store what makes 0 take effect, or refuse 0 with an error; it must never
// accept 0 and quietly run with the default.
func TestZeroIsNeverSilentlyReplaced(t *testing.T) {
	tests := []struct {
		key string
		// set applies Set(key, "0"); inUse reports the value in use after
		// New, and whether New succeeded.
		set   func() error
		inUse func() (any, error)
		zero  any
	}{}
	add := func(key string, zero any, set func() error, inUse func() (any, error)) {
		tests = append(tests, struct {
			key   string
			set   func() error
			inUse func() (any, error)
			zero  any
		}{key, set, inUse, zero})
	}
	{
		var c breaker.Config
		add("breaker.failure_threshold", 0, func() error { return c.Set("failure_threshold", "0") },
			func() (any, error) { b, err := breaker.New(c); return tripsAfter(b, 100), err })
	}
	for _, k := range []string{"slow_call_duration", "window_duration", "open_duration"} {
		var c breaker.Config
		add("breaker."+k, time.Duration(0), func() error { return c.Set(k, "0") },
			func() (any, error) {
				b, err := breaker.New(c)
				if err != nil {
					return nil, err
				}
				m := map[string]time.Duration{"slow_call_duration": b.Config().SlowCallDuration,
					"window_duration": b.Config().WindowDuration, "open_duration": b.Config().OpenDuration}
				return m[k], nil
			})
	}
	{
		var c budget.Config
		add("budget.ttl", time.Duration(0), func() error { return c.Set("ttl", "0") },
			func() (any, error) {
				b, err := budget.New(c)
				return cfgOr(b, func(b *budget.Budget) any { return b.Config().TTL }), err
			})
	}
	{
		var c hedge.Config
		add("hedge.delay", time.Duration(0), func() error { return c.Set("delay", "0") },
			func() (any, error) {
				h, err := hedge.New(c)
				return cfgOr(h, func(h *hedge.Hedger) any { return h.Delay() }), err
			})
	}
	for _, k := range []string{"base", "cap"} {
		var c retry.BackoffConfig
		add("backoff."+k, time.Duration(0), func() error { return c.Set(k, "0") },
			func() (any, error) {
				b, err := retry.NewBackoff(c)
				if k == "base" {
					return b.Config().Base, err
				}
				return b.Config().Cap, err
			})
	}
	{
		var c shed.Config
		add("shed.interval", time.Duration(0), func() error { return c.Set("interval", "0") },
			func() (any, error) {
				s, err := shed.New[int](c)
				return cfgOr(s, func(s *shed.Shedder[int]) any { return s.Config().Interval }), err
			})
	}
	{
		var c throttle.Config
		add("throttle.window", time.Duration(0), func() error { return c.Set("window", "0") },
			func() (any, error) {
				th, err := throttle.New(c)
				return cfgOr(th, func(t *throttle.Throttle) any { return t.Config().Window }), err
			})
	}
	{
		var c idempotency.Config
		add("idempotency.ttl", time.Duration(0), func() error { return c.Set("ttl", "0") },
			func() (any, error) {
				s, err := idempotency.NewStore[int](c)
				return cfgOr(s, func(s *idempotency.Store[int]) any { return s.Config().TTL }), err
			})
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if err := tt.set(); err != nil {
				return // refused: fine, the user is told
			}
			got, err := tt.inUse()
			if err != nil {
				t.Fatalf("Set accepted 0 but New refused it: %v", err)
			}
			if got != tt.zero {
				t.Errorf("Set accepted 0 but %v is in use", got)
			}
		})
	}
}

func cfgOr[T any](v *T, f func(*T) any) any {
	if v == nil {
		return nil
	}
	return f(v)
}

// tripsAfter returns the consecutive failures after which b opened, or 0
// if it stayed closed for n of them.
func tripsAfter(b *breaker.Breaker, n int) int {
	if b == nil {
		return -1
	}
	for i := 1; i <= n; i++ {
		p, err := b.Allow(0)
		if err != nil {
			return i - 1
		}
		b.Record(0, p, false, 0)
	}
	return 0
}
