package httpsim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// bodyOf is the body the echo handler answers path /n with: n bytes, so
// that some fit in a response's inline bytes and some do not.
func bodyOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// echo answers /n with bodyOf(n), status 200+n%3, the request's
// X-Key as X-Echo, and Retry-After; it reads the request body.
func echo(w http.ResponseWriter, r *http.Request) {
	var n int
	fmt.Sscanf(r.URL.Path, "/%d", &n)
	in, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Echo", r.Header.Get("X-Key")+"/"+string(in))
	w.Header().Set("Retry-After", "2")
	w.WriteHeader(200 + n%3)
	_, _ = w.Write(bodyOf(n))
}

// echoRun runs a client that asks for bodies of several sizes, over
// links that lose, duplicate and reorder, from a handler served Inline
// or in processes; it returns what the client saw and the trace hash.
func echoRun(t *testing.T, seed uint64, inline bool) (string, uint64) {
	w := sim.New(seed, sim.Options{})
	nw, err := network.New(w, 2, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
		Loss: 0.1, Duplicate: 0.3, Reorder: 0.2, ReorderDelay: network.Const(2 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	defer hn.Close()
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		if inline {
			return httpsim.Inline(http.HandlerFunc(echo))
		}
		return http.HandlerFunc(echo)
	}))
	var log strings.Builder
	add(t, rt, hn.Process(func(p *proc.P) {
		c := hn.Client()
		for i, n := range []int{0, 3, 64, 65, 70000, 5, 1, 200, 4} {
			ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), 10*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("http://n1/%d", n), strings.NewReader(fmt.Sprint("in", i)))
			if i%2 == 0 {
				req.Header.Set("X-Key", fmt.Sprint("k", i))
			}
			resp, err := c.Do(req)
			cancel()
			if err != nil {
				fmt.Fprintf(&log, "%v %d: %v\n", p.Now(), n, err)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(b, bodyOf(n)) {
				t.Errorf("body of /%d: %d bytes %.20q, want %d", n, len(b), b, n)
			}
			fmt.Fprintf(&log, "%v %d: %s %s %s %s %d\n", p.Now(), n, resp.Status, resp.Header.Get("X-Echo"),
				resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), resp.ContentLength)
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return log.String(), w.TraceHash()
}

// A handler that does not block behaves the same Inline as in
// processes, event for event: same answers, same trace hash, under loss,
// duplication and reordering; bodies of every size arrive whole (the
// reused body buffer leaks nothing from one request to the next); and a
// seed gives the same run twice.
func TestInlineSameAsProcess(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		logP, hashP := echoRun(t, seed, false)
		logI, hashI := echoRun(t, seed, true)
		logI2, hashI2 := echoRun(t, seed, true)
		if logP != logI || hashP != hashI {
			t.Fatalf("seed %d: in processes %x, inline %x\n%s---\n%s", seed, hashP, hashI, logP, logI)
		}
		if logI != logI2 || hashI != hashI2 {
			t.Fatalf("seed %d: inline twice: %x %x", seed, hashI, hashI2)
		}
		if seed == 1 && (!strings.Contains(logP, " 0: 200 OK k0/in0 2  0\n") ||
			!strings.Contains(logP, " 70000: 201 Created k4/in4 2 text/plain; charset=utf-8 70000\n") ||
			!strings.Contains(logP, " 200: 202 Accepted /in7 2 text/plain; charset=utf-8 200\n")) {
			t.Fatalf("seed 1: unexpected answers:\n%s", logP)
		}
	}
}

// An Inline handler has the node's clock but no process: a client call
// or a sleep returns ErrInline, Clock.Now and WithTimeout work, and the
// context ends when ServeHTTP returns.
func TestInlineCannotBlock(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	var callErr, sleepErr, afterErr, dlErr error
	var now time.Time
	var ctx context.Context
	var hasDL bool
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return httpsim.Inline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx = r.Context()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/other", nil)
			_, callErr = hn.Client().Do(req)
			sleepErr = (httpsim.Clock{}).Sleep(ctx, time.Millisecond)
			now = (httpsim.Clock{}).Now(ctx)
			dctx, cancel := httpsim.WithTimeout(ctx, time.Second)
			_, hasDL = dctx.Deadline()
			dlErr = dctx.Err()
			cancel()
			if httpsim.ProcessOf(ctx) != nil {
				t.Error("an inline handler's context carries a process")
			}
			fmt.Fprint(w, "ok")
		}))
	}))
	add(t, rt, hn.Process(func(p *proc.P) {
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
		resp, err := hn.Client().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("client: %v %v", resp, err)
		}
		afterErr = ctx.Err()
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(callErr, httpsim.ErrInline) || !errors.Is(sleepErr, httpsim.ErrInline) {
		t.Errorf("client call: %v; sleep: %v; want ErrInline", callErr, sleepErr)
	}
	if got := now.Sub(httpsim.Epoch); got < time.Millisecond || got > 3*time.Millisecond {
		t.Errorf("Clock.Now in the handler: Epoch+%v, want the arrival time (1-3ms)", got)
	}
	if !hasDL || dlErr != nil {
		t.Errorf("WithTimeout in the handler: deadline %v, err %v", hasDL, dlErr)
	}
	if !errors.Is(afterErr, context.Canceled) {
		t.Errorf("the handler's context after the request: %v, want cancelled", afterErr)
	}
}

// sharedReplier answers every request with the same *httpsim.Response,
// as a handler-style node may: each client must get its own
// *http.Response.
type sharedReplier struct{ r *httpsim.Response }

func (sharedReplier) Start(*nodes.Env) {}
func (s sharedReplier) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if m, ok := msg.(*proc.Request); ok {
		proc.Reply(env, from, m, s.r)
	}
}
func (sharedReplier) Timer(*nodes.Env, nodes.TimerID, any) {}

func TestResponseBuiltByOtherMeans(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	add(t, rt, func(nodes.NodeID) nodes.Node {
		return sharedReplier{&httpsim.Response{StatusCode: 202, Header: http.Header{"X": {"y"}}, Body: []byte("same")}}
	})
	var got []*http.Response
	add(t, rt, hn.Process(func(p *proc.P) {
		for range 2 {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
			resp, err := hn.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			got = append(got, resp)
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] == got[1] {
		t.Fatalf("responses %p, want two distinct", got)
	}
	for _, resp := range got {
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 202 || string(b) != "same" {
			t.Errorf("got %d %q", resp.StatusCode, b)
		}
	}
}

// An Inline handler that waits on a real channel is reported like any
// other: with the node and the request.
func TestInlineStallReported(t *testing.T) {
	if os.Getenv("HTTPSIM_INLINE_STALL_CHILD") == "1" {
		w, rt, _ := world(t, 1, 2, 0)
		hn := httpsim.New(rt, httpsim.Options{StallTimeout: 200 * time.Millisecond})
		block := make(chan struct{})
		add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
			return httpsim.Inline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		}))
		add(t, rt, hn.Process(func(p *proc.P) {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/block", nil)
			_, _ = hn.Client().Do(req)
		}))
		_ = w.Run()
		t.Fatal("the world ran to its end")
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestInlineStallReported$")
	cmd.Env = append(os.Environ(), "HTTPSIM_INLINE_STALL_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("child: %v, want exit status 2\n%s", err, out)
	}
	if want := "httpsim: stall: n1 handling GET /block from n2 has run for 200ms"; !strings.Contains(string(out), want) {
		t.Fatalf("child output:\n%s\nwant %q", out, want)
	}
}

// A request without headers gets a map that the worker (or the Inline
// server) reuses; a handler that writes to it, against net/http's rule,
// leaks nothing into the next request.
func TestEmptyHeaderNotShared(t *testing.T) {
	for _, inline := range []bool{false, true} {
		w, rt, hn := world(t, 1, 2, 0)
		var seen []string
		add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = append(seen, fmt.Sprint(len(r.Header), r.Header.Get("X-Leak")))
				r.Header.Set("X-Leak", "1")
			})
			if inline {
				h = httpsim.Inline(h)
			}
			return h
		}))
		add(t, rt, hn.Process(func(p *proc.P) {
			for range 3 {
				req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
				if resp, err := hn.Client().Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}))
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(seen, ","); got != "0,0,0" {
			t.Errorf("inline=%v: handlers saw headers %q, want none each time", inline, got)
		}
	}
}
