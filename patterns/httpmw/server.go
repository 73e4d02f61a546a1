package httpmw

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/patterns/idempotency"
	"github.com/faultline/faultline/patterns/ratelimit"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain wraps h in mws, the first outermost: Chain(h, a, b) is a(b(h)).
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// retryAfterHeader writes d as delay-seconds, rounded up to at least 1.
func retryAfterHeader(w http.ResponseWriter, d time.Duration) {
	s := max(int64(math.Ceil(d.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
}

// RateLimit answers 429 Too Many Requests, with Retry-After, to requests
// beyond a token bucket (patterns/ratelimit) shared by all clients.
func RateLimit(clock Clock, cfg ratelimit.Config) (Middleware, error) {
	l, err := ratelimit.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("httpmw: RateLimit: %w", err)
	}
	var mu sync.Mutex
	var t0 since
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			now := t0.at(clock.Now(r.Context()))
			ok := l.Allow(now)
			var wait time.Duration
			if !ok {
				// Until the next whole token; Reserve would take it.
				wait = time.Duration((1 - l.Tokens(now)) / l.Config().RatePerSec * float64(time.Second))
			}
			mu.Unlock()
			if !ok {
				retryAfterHeader(w, wait)
				http.Error(w, "rate limited", http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// Shed answers 503 Service Unavailable, with Retry-After retryAfter, to
// a request that arrives while maxInFlight requests are being served.
func Shed(maxInFlight int, retryAfter time.Duration) (Middleware, error) {
	if maxInFlight < 1 {
		return nil, fmt.Errorf("httpmw: Shed: max in flight must be >= 1, got %d", maxInFlight)
	}
	var mu sync.Mutex
	inFlight := 0
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			full := inFlight >= maxInFlight
			if !full {
				inFlight++
			}
			mu.Unlock()
			if full {
				retryAfterHeader(w, retryAfter)
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
				return
			}
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
			next.ServeHTTP(w, r)
		})
	}, nil
}

// IdempotencyHeader is the request header Idempotency reads.
const IdempotencyHeader = "Idempotency-Key"

// recorded is a response kept for replay.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// Idempotency runs a request with an Idempotency-Key header once per key
// (patterns/idempotency): a repeat of a finished request gets the stored
// response again, with the header Idempotent-Replayed: true; a repeat
// that arrives while the first is still running gets 409 Conflict with
// Retry-After: 1. A response with status 5xx is not stored, so a retry
// runs the handler again. Requests without the header pass through.
//
// The store lives in the returned middleware's memory: a restarted
// service forgets its keys unless it keeps the middleware somewhere that
// survives (in a world, env.Disk()).
func Idempotency(clock Clock, cfg idempotency.Config) (Middleware, error) {
	store, err := idempotency.NewStore[recorded](cfg)
	if err != nil {
		return nil, fmt.Errorf("httpmw: Idempotency: %w", err)
	}
	var mu sync.Mutex
	var t0 since
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(IdempotencyHeader)
			if key == "" {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			st, rec := store.Begin(t0.at(clock.Now(r.Context())), key)
			mu.Unlock()
			switch st {
			case idempotency.Done:
				for k, vs := range rec.header { // copying a header: order does not matter
					w.Header()[k] = append([]string(nil), vs...)
				}
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(rec.status)
				_, _ = w.Write(rec.body)
				return
			case idempotency.InProgress:
				w.Header().Set("Retry-After", "1")
				http.Error(w, "a request with this Idempotency-Key is in progress", http.StatusConflict)
				return
			case idempotency.Full:
				retryAfterHeader(w, time.Second)
				http.Error(w, "idempotency store full", http.StatusServiceUnavailable)
				return
			}
			rw := &capture{ResponseWriter: w}
			done := false
			defer func() {
				if !done { // the handler panicked: let a retry run it again
					mu.Lock()
					store.Abort(t0.at(clock.Now(r.Context())), key)
					mu.Unlock()
				}
			}()
			next.ServeHTTP(rw, r)
			done = true
			mu.Lock()
			now := t0.at(clock.Now(r.Context()))
			if rw.status() >= 500 {
				store.Abort(now, key)
			} else {
				store.Complete(now, key, recorded{status: rw.status(), header: w.Header().Clone(), body: rw.body.Bytes()})
			}
			mu.Unlock()
		})
	}, nil
}

// capture passes a response through and keeps a copy.
type capture struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (c *capture) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer's Flush.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *capture) status() int {
	if c.code == 0 {
		return http.StatusOK
	}
	return c.code
}

// Health answers GET and HEAD on path with 200 "ok", or 503 and the
// error's text when check returns an error; other requests pass through.
// check may be nil (always healthy).
func Health(path string, check func(r *http.Request) error) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			if check != nil {
				if err := check(r); err != nil {
					http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
					return
				}
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
		})
	}
}

// ChaosConfig sets Chaos. The zero ChaosConfig injects nothing.
type ChaosConfig struct {
	// ErrorRate is the fraction of requests answered with ErrorStatus
	// instead of reaching the handler.
	ErrorRate float64
	// ErrorStatus is the injected status. If it is 0, 503 is used.
	ErrorStatus int
	// DelayRate is the fraction of requests delayed by Delay first.
	DelayRate float64
	Delay     time.Duration
	// Skip lists paths never touched (e.g. the health endpoint).
	Skip []string
}

// Chaos injects errors and delays into a share of requests, drawn from
// rng (in a world, a seeded stream, so the same seed picks the same
// requests).
func Chaos(clock Clock, rng *rand.Rand, cfg ChaosConfig) (Middleware, error) {
	switch {
	case rng == nil:
		return nil, fmt.Errorf("httpmw: Chaos: rng is nil: pass a seeded *rand.Rand")
	case cfg.ErrorRate < 0 || cfg.ErrorRate > 1:
		return nil, fmt.Errorf("httpmw: Chaos: error rate must be in [0,1], got %v", cfg.ErrorRate)
	case cfg.DelayRate < 0 || cfg.DelayRate > 1:
		return nil, fmt.Errorf("httpmw: Chaos: delay rate must be in [0,1], got %v", cfg.DelayRate)
	case cfg.Delay < 0:
		return nil, fmt.Errorf("httpmw: Chaos: delay must be >= 0, got %v", cfg.Delay)
	case cfg.ErrorStatus != 0 && (cfg.ErrorStatus < 100 || cfg.ErrorStatus > 999):
		return nil, fmt.Errorf("httpmw: Chaos: error status must be in 100-999, got %d", cfg.ErrorStatus)
	}
	status := cfg.ErrorStatus
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	var mu sync.Mutex
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, p := range cfg.Skip {
				if r.URL.Path == p {
					next.ServeHTTP(w, r)
					return
				}
			}
			mu.Lock()
			delay := cfg.DelayRate > 0 && rng.Float64() < cfg.DelayRate
			fail := cfg.ErrorRate > 0 && rng.Float64() < cfg.ErrorRate
			mu.Unlock()
			if delay {
				if err := clock.Sleep(r.Context(), cfg.Delay); err != nil {
					return // the caller gave up
				}
			}
			if fail {
				w.Header().Set("Faultline-Chaos", "injected")
				http.Error(w, "chaos: injected failure", status)
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}
