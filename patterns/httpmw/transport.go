package httpmw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
)

// ErrRejected wraps the error of a request refused on the client before
// any attempt reached the server: breaker open, bulkhead full, throttled.
var ErrRejected = errors.New("httpmw: rejected locally")

// Transport is an http.RoundTripper that runs each request through a
// patterns/pipeline: fallback(retry+budget+hedge(throttle(breaker(bulkhead(timeout(next)))))).
// Build it with NewTransport. It is safe for concurrent use.
//
// On a clock that is a Scheduler (Real, or httpsim's Net.Clock in a
// world), patterns/pipeline/drive runs the requests, as it does for the
// simulator's services: a hedge is a concurrent attempt of the same
// RoundTrip (the first success wins, the others are cancelled when the
// request ends), and a request may wait in the bulkhead's queue. On a
// plain Clock (httpsim.Clock) RoundTrip runs one attempt at a time in the
// caller's process, and NewTransport refuses hedging and a bulkhead queue.
//
// An attempt fails with class timeout (no answer within its timeout, or
// 408), unavailable (a transport error, 502, 504), overloaded (429, 503;
// Retry-After is honoured) or internal (500 and other 5xx). Other status
// codes are answers, not failures: a 404 is the server working.
//
// When every attempt failed, RoundTrip returns the last response if there
// was one (so the caller sees the final 503 and its Retry-After), or else
// the last error. A fallback answers 200 with the fallback value as body
// and the header Faultline-Fallback naming the reason.
type Transport struct {
	next  http.RoundTripper
	clock Clock

	mu sync.Mutex // guards p, t0 and h's driver
	p  *pipeline.Pipeline
	t0 since
	h  *host // set when clock is a Scheduler
}

// NewTransport wraps next. cfg is the pipeline configuration, set with
// the same keys faultline's scenarios take (cfg.Set("retry.max_attempts",
// "3")). rng draws the backoff jitter: in a world pass a seeded stream
// (env.Rand()); in production any *rand.Rand.
func NewTransport(next http.RoundTripper, clock Clock, cfg pipeline.Config, rng *rand.Rand) (*Transport, error) {
	switch {
	case next == nil:
		return nil, errors.New("httpmw: NewTransport: next is nil")
	case clock == nil:
		return nil, errors.New("httpmw: NewTransport: clock is nil: pass httpmw.Real or httpsim.Clock{}")
	case rng == nil:
		return nil, errors.New("httpmw: NewTransport: rng is nil: pass a seeded *rand.Rand")
	}
	sched, concurrent := clock.(Scheduler)
	switch {
	case !concurrent && cfg.Hedge != nil:
		return nil, errors.New("httpmw: NewTransport: hedge needs a clock that is a Scheduler (httpmw.Real, or httpsim's Net.Clock() in a world): it sends concurrent attempts in one RoundTrip")
	case !concurrent && cfg.Bulkhead != nil && cfg.Bulkhead.MaxQueue > 0:
		return nil, errors.New("httpmw: NewTransport: bulkhead.max_queue > 0 needs a clock that is a Scheduler (httpmw.Real, or httpsim's Net.Clock() in a world): a queued request is woken by another one")
	}
	p, err := pipeline.New(cfg, rng)
	if err != nil {
		return nil, fmt.Errorf("httpmw: NewTransport: %w", err)
	}
	t := &Transport{next: next, clock: clock, p: p}
	if concurrent {
		t.h = newHost(t, sched)
	}
	return t, nil
}

// Pipeline returns the shared pipeline, for its breaker, budget and
// bulkhead state. Read it only while no request is in flight.
func (t *Transport) Pipeline() *pipeline.Pipeline { return t.p }

// Bulkhead returns the bulkhead's attempts in flight and requests queued,
// read under the Transport's lock; both are 0 when that stage is off.
func (t *Transport) Bulkhead() (inFlight, queued int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.p.Bulkhead(); b != nil {
		return b.InFlight(), b.Queued()
	}
	return 0, 0
}

func (t *Transport) now(ctx context.Context) time.Duration {
	return t.t0.at(t.clock.Now(ctx))
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	body, err := bufferBody(req)
	if err != nil {
		return nil, err
	}
	if t.h != nil {
		return t.h.roundTrip(req, body)
	}
	t.mu.Lock()
	r := t.p.NewRequest()
	d := r.Start(t.now(ctx))
	t.mu.Unlock()

	var last *http.Response
	var lastErr error
	for !d.Done {
		switch {
		case len(d.Send) > 0:
			s := d.Send[0]
			last, lastErr = t.attempt(ctx, req, body, s.Timeout)
			o := classify(ctx, t.clock, last, lastErr)
			t.mu.Lock()
			// Always report: an attempt left open would hold its breaker
			// permit (a half-open probe) or bulkhead slot for ever.
			d = r.OnResult(t.now(ctx), s.Attempt, o)
			t.mu.Unlock()
			if err := ctx.Err(); err != nil && last == nil && !d.Done {
				// The caller's own deadline or cancellation: no attempt
				// can succeed any more, so do not spend the rest.
				return nil, fmt.Errorf("httpmw: %s %s: %w", req.Method, req.URL, lastErr)
			}
		case d.HasWake:
			t.mu.Lock()
			wait := d.WakeAt - t.now(ctx)
			t.mu.Unlock()
			if err := t.clock.Sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("httpmw: %s %s: waiting to retry: %w", req.Method, req.URL, err)
			}
			t.mu.Lock()
			d = r.OnTimer(t.now(ctx))
			t.mu.Unlock()
		default:
			return nil, fmt.Errorf("httpmw: %s %s: the pipeline neither sent nor waited (a bug)", req.Method, req.URL)
		}
	}
	return t.finish(req, d.Result, last, lastErr)
}

// attempt sends one attempt with its own timeout and reads the whole
// response body, so the attempt's context can end here.
func (t *Transport) attempt(ctx context.Context, req *http.Request, body []byte, timeout time.Duration) (*http.Response, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		actx, cancel = t.clock.WithTimeout(ctx, timeout)
	}
	defer cancel()
	areq := req.Clone(actx)
	if body != nil {
		areq.Body = io.NopCloser(bytes.NewReader(body))
		areq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := t.next.RoundTrip(areq)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("httpmw: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

func (t *Transport) finish(req *http.Request, res pipeline.Result, last *http.Response, lastErr error) (*http.Response, error) {
	switch res.Status {
	case pipeline.Success:
		return last, nil
	case pipeline.Fallback:
		h := http.Header{}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Faultline-Fallback", string(res.Reason))
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(bytes.NewReader([]byte(res.Value))), ContentLength: int64(len(res.Value)), Request: req,
		}, nil
	case pipeline.Rejected:
		return nil, fmt.Errorf("%w: %s %s: %s", ErrRejected, req.Method, req.URL, res.Reason)
	}
	if last != nil {
		return last, nil
	}
	if lastErr == nil {
		lastErr = errors.New(string(res.Reason))
	}
	return nil, fmt.Errorf("httpmw: %s %s: %s after %d attempts: %w", req.Method, req.URL, res.Reason, res.Attempts, lastErr)
}

// classify turns an attempt's response or error into the pipeline's
// Outcome.
func classify(ctx context.Context, clock Clock, resp *http.Response, err error) retry.Outcome {
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return retry.Outcome{Class: retry.Timeout}
		}
		return retry.Outcome{Class: retry.Unavailable}
	}
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout:
		return retry.Outcome{Class: retry.Timeout}
	case c == http.StatusTooManyRequests || c == http.StatusServiceUnavailable:
		return retry.Outcome{Class: retry.Overloaded, RetryAfter: RetryAfter(resp.Header, clock.Now(ctx))}
	case c == http.StatusBadGateway || c == http.StatusGatewayTimeout:
		return retry.Outcome{Class: retry.Unavailable}
	case c >= 500:
		return retry.Outcome{Class: retry.Internal}
	}
	return retry.Outcome{OK: true}
}

// maxRetryAfterSec caps a delay-seconds value so that it fits a
// time.Duration (about 31 years).
const maxRetryAfterSec = 1_000_000_000

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (counted from now). It returns 0 when the header is absent or
// malformed.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, maxRetryAfterSec)) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// bufferBody reads the request body once so that every attempt can send
// it.
func bufferBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("httpmw: %s %s: reading the request body: %w", req.Method, req.URL, err)
	}
	return b, nil
}
