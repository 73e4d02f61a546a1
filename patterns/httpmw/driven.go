package httpmw

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/pipeline/drive"
)

// roundTrip is one RoundTrip on a Scheduler: what its attempts need, and
// what the driver hands back.
type roundTrip struct {
	ctx     context.Context // the caller's, cancelled when the request ends
	cancel  context.CancelFunc
	req     *http.Request
	body    []byte
	last    *http.Response // the last awaited attempt's answer
	lastErr error
	res     pipeline.Result
	wait    func(ignoreCtx bool) error
	wake    func() // called when res is set
}

// host runs a Transport's requests on a Scheduler. Every method runs with
// the Transport's mu held, as the driver is called only under it.
type host struct {
	t      *Transport
	s      Scheduler
	d      *drive.Driver[*roundTrip]
	nextID drive.TimerID
	timers map[drive.TimerID]func() bool // pending, by id; looked up only
	ctx    context.Context               // the last request's: it names the caller's node for AfterFunc
}

func newHost(t *Transport, s Scheduler) *host {
	h := &host{t: t, s: s, timers: map[drive.TimerID]func() bool{}}
	h.d = drive.New(t.p, h, drive.Options[*roundTrip]{})
	return h
}

func (h *host) Now() time.Duration { return h.t.t0.at(h.s.Now(h.ctx)) }

// Send runs the attempt concurrently and reports its outcome under the lock.
func (h *host) Send(c *drive.Call[*roundTrip], id uint64, s pipeline.Send) {
	rt := c.Data
	h.s.Go(rt.ctx, func(ctx context.Context) {
		resp, err := h.t.attempt(ctx, rt.req, rt.body, s.Timeout)
		o := classify(ctx, h.t.clock, resp, err)
		h.t.mu.Lock()
		defer h.t.mu.Unlock()
		if h.d.Pending(id) == nil {
			return // late: timed out, cancelled, or the request ended
		}
		rt.last, rt.lastErr = resp, err
		h.d.Result(id, o)
	})
}

func (h *host) SetTimer(in time.Duration, t *drive.Timer) drive.TimerID {
	h.nextID++
	id := h.nextID
	h.timers[id] = h.s.AfterFunc(h.ctx, in, func() {
		h.t.mu.Lock()
		defer h.t.mu.Unlock()
		if _, ok := h.timers[id]; !ok {
			return // cancelled while it fired
		}
		delete(h.timers, id)
		t.Fire(id)
	})
	return id
}

func (h *host) CancelTimer(id drive.TimerID) {
	if stop, ok := h.timers[id]; ok {
		stop()
		delete(h.timers, id)
	}
}

func (h *host) Done(c *drive.Call[*roundTrip], res pipeline.Result) {
	rt := c.Data
	rt.res = res
	rt.wake()
}

// roundTrip runs req through the driver and waits for its end, or for the
// caller to give up, which abandons the request.
func (h *host) roundTrip(req *http.Request, body []byte) (*http.Response, error) {
	ctx, cancel := withCancel(h.s, req.Context())
	defer cancel() // attempts still running (a hedge's loser) stop here
	rt := &roundTrip{ctx: ctx, cancel: cancel, req: req, body: body}
	rt.wait, rt.wake = h.s.Waiter(req.Context())
	h.t.mu.Lock()
	h.ctx = req.Context()
	c := h.d.New()
	c.Data = rt
	h.d.Start(c)
	h.t.mu.Unlock()
	if err := rt.wait(false); err != nil {
		h.t.mu.Lock()
		if c.Data == rt && rt.res.Status == pipeline.Pending {
			h.d.Abandon(c) // c is still this request's: it has not ended
		}
		h.t.mu.Unlock()
		_ = rt.wait(true)
		if rt.res.Detail == "abandoned" {
			return nil, fmt.Errorf("httpmw: %s %s: %w", req.Method, req.URL, req.Context().Err())
		}
	}
	if rt.last == nil && rt.lastErr == nil && (rt.res.Reason == fallback.Timeout || rt.res.Reason == fallback.Deadline) {
		// The driver's timer ended the attempt before its context did.
		rt.lastErr = context.DeadlineExceeded
	}
	return h.t.finish(req, rt.res, rt.last, rt.lastErr)
}
