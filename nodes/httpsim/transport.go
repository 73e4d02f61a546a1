package httpsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/faultline/faultline/nodes/proc"
)

// ErrRealDeadline is returned by a Transport whose request context has a
// deadline on the real clock (context.WithTimeout, context.WithDeadline or
// http.Client.Timeout): inside a world only simulated deadlines
// (WithTimeout, Clock.WithTimeout) can be honoured.
var ErrRealDeadline = errors.New("httpsim: the request's context has a real-clock deadline (context.WithTimeout, context.WithDeadline or http.Client.Timeout); in a world use httpsim.WithTimeout or an httpmw.Clock")

// ErrUnknownHost is returned for a URL host that names no node.
var ErrUnknownHost = errors.New("httpsim: unknown host")

// Transport is an http.RoundTripper over the simulated network. Build it
// with Net.Transport. RoundTrip blocks the process found in the request's
// context (see ProcessOf) until the response arrives or the context's
// simulated deadline passes; without a deadline it waits for ever, as a
// client without a timeout does.
type Transport struct {
	net *Net
}

// timeoutError is what a call that hit its deadline returns: a
// net.Error whose Timeout is true, and errors.Is context.DeadlineExceeded.
type timeoutError struct{ what string }

func (e *timeoutError) Error() string   { return "httpsim: " + e.what + ": context deadline exceeded" }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
func (e *timeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := ProcessOf(ctx)
	if p == nil {
		closeBody(req)
		if simOf(ctx) != nil {
			return nil, ErrInline
		}
		return nil, ErrNoProcess
	}
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("httpsim: malformed request: nil URL")
	}
	what := func() string { return req.Method + " " + req.URL.String() } // for errors only
	timeout, err := remaining(ctx, p, what)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	peer, ok := t.net.resolve(req.URL.Host)
	if !ok {
		closeBody(req)
		return nil, fmt.Errorf("%w %q in %s: use a node name (n1, n2, ...) or one given to Net.Host", ErrUnknownHost, req.URL.Host, what())
	}
	msg, err := wireRequest(req)
	if err != nil {
		return nil, fmt.Errorf("httpsim: %s: %w", what(), err)
	}
	t.net.seq++
	msg.Seq = t.net.seq
	t.net.expect(msg.Seq, peer)
	defer t.net.forget(msg.Seq) // however the call ends, a stop included
	w := watch(ctx, p)
	msg.msg.Body = msg
	body, err := p.CallWith(peer, &msg.msg, timeout)
	w.stop()
	switch {
	case errors.Is(err, proc.ErrTimeout):
		ctx.Err()                              // let the context notice its own expiry
		p.Send(peer, &Abort{Seq: msg.Seq}, 40) // as a real client closes the connection
		return nil, &timeoutError{what: what()}
	case errors.Is(err, proc.ErrInterrupted):
		// The context was cancelled while the request was out: give up
		// now, and tell the server, as net/http closes the connection.
		p.Send(peer, &Abort{Seq: msg.Seq}, 40)
		cerr := ctx.Err()
		if cerr == nil {
			cerr = context.Canceled
		}
		return nil, fmt.Errorf("httpsim: %s: %w", what(), cerr)
	}
	resp, ok := body.(*Response)
	if !ok {
		return nil, fmt.Errorf("httpsim: malformed response to %s from %s: got %T, want *httpsim.Response", what(), req.URL.Host, body)
	}
	hr, err := resp.toHTTP(req)
	if err == nil {
		t.streamed(hr, resp, p, ctx, peer, msg.Seq, what)
	}
	return hr, err
}

// remaining is the time left before ctx's deadline on p's clock: 0 when
// there is no deadline, an error when it has passed or is not simulated.
func remaining(ctx context.Context, p *proc.P, what func() string) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, &timeoutError{what: what()}
		}
		return 0, fmt.Errorf("httpsim: %s: %w", what(), err)
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	if realDeadline(ctx, dl) {
		return 0, fmt.Errorf("%w: %s", ErrRealDeadline, what())
	}
	left := dl.Sub(Epoch) - time.Duration(p.Now())
	if left <= 0 {
		return 0, &timeoutError{what: what()}
	}
	return left, nil
}

// simKey finds the nearest simulated context under a context: the
// context package's wrappers (WithCancel, WithValue) pass Value through.
type simKey struct{}

func wireRequest(req *http.Request) (*Request, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := readBody(req.Body, req.ContentLength)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		body = b
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	// A copy of the header: the caller may reuse req once RoundTrip
	// returns, and a duplicate of the message may arrive after that. An
	// empty header travels as nil (the server gives the handler a map).
	var h http.Header
	if len(req.Header) > 0 {
		h = req.Header.Clone()
	}
	return &Request{Method: method, Host: host, Target: req.URL.RequestURI(), Header: h, Body: body}, nil
}

// readBody reads r to its end. n, the declared length if positive, sizes
// the buffer: io.ReadAll alone would start at 512 bytes and grow.
func readBody(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 || n > 1<<20 {
		return io.ReadAll(r)
	}
	b := make([]byte, n, n+1)
	if k, err := io.ReadFull(r, b); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return b[:k], nil // shorter than declared: what there was
		}
		return nil, err
	}
	// Longer than declared: read the rest too.
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		k, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
