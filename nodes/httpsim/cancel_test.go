package httpsim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
)

// ended is what a handler saw: when it started and ended, on the
// simulated clock, and its context's error at the end.
type ended struct {
	name       string
	start, end time.Duration
	err        error
}

func (e ended) String() string {
	return fmt.Sprintf("%s %v-%v %v", e.name, e.start, e.end, e.err)
}

func since(r *http.Request) time.Duration {
	return httpsim.Clock{}.Now(r.Context()).Sub(httpsim.Epoch)
}

// hedgeLoserRun: the first request takes 200ms, its hedge (sent after
// 10ms) 1ms. The hedge wins; the first attempt must then be cut short:
// the client stops waiting for it and sends an Abort, and its handler's
// Sleep ends with the context cancelled.
func hedgeLoserRun(t testing.TB, seed uint64) (hash uint64, log []ended, answer string) {
	w, rt, hn := world(t, seed, 2, 0)
	served := 0
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			served++
			e := ended{name: fmt.Sprint("request ", served), start: since(r)}
			d := time.Millisecond
			if served == 1 {
				d = 200 * time.Millisecond
			}
			_ = httpsim.Clock{}.Sleep(r.Context(), d)
			e.end, e.err = since(r), r.Context().Err()
			log = append(log, e)
			fmt.Fprintf(rw, "answer %d", served)
		})
	}))
	add(t, rt, hn.Process(func(p *proc.P) { // n2
		cfg := pipelineConfig(t, "retry.max_attempts", "2", "hedge.delay", "10ms", "timeout.per_attempt", "500ms")
		tr, err := httpmw.NewTransport(hn.Transport(), hn.Clock(), cfg, p.Rand())
		if err != nil {
			t.Error(err)
			return
		}
		answer, err = get(&http.Client{Transport: tr}, p, "http://n1/x")
		if err != nil {
			answer = err.Error()
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), log, answer
}

func TestHedgeLoserCancelled(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		h1, log, answer := hedgeLoserRun(t, seed)
		if answer != "200 answer 2" {
			t.Fatalf("seed %d: got %q, want the hedge's answer", seed, answer)
		}
		if len(log) != 2 {
			t.Fatalf("seed %d: want two handlers, got %v", seed, log)
		}
		// The hedge wins after about 10ms + two links (1-3ms each) + 1ms;
		// the Abort takes one more link.
		loser := log[1]
		if loser.name != "request 1" || !errors.Is(loser.err, context.Canceled) || loser.end > 30*time.Millisecond {
			t.Fatalf("seed %d: the losing attempt's handler: %v; want request 1 cancelled within 30ms (not after its 200ms)", seed, loser)
		}
		if log[0].err != nil {
			t.Fatalf("seed %d: the winning handler's context: %v during ServeHTTP, want nil", seed, log[0].err)
		}
		h2, log2, _ := hedgeLoserRun(t, seed)
		if h1 != h2 || fmt.Sprint(log) != fmt.Sprint(log2) {
			t.Fatalf("seed %d: trace hashes %x and %x, logs %v and %v", seed, h1, h2, log, log2)
		}
	}
}

// abortChainRun: a client (n4) calls A (n1) with a deadline of 30ms, or
// cancels its request after 20ms through httpsim.WithCancel; A calls B
// (n2), B calls C (n3), C would take a second. When the client gives up
// each hop's context must end in turn, one link later, down to C.
func abortChainRun(t testing.TB, seed uint64, explicit bool) (hash uint64, log []ended, clientErr error) {
	w, rt, hn := world(t, seed, 4, 0)
	client := hn.Client()
	hop := func(name, next string) nodes.Constructor {
		return hn.Server(func(env *nodes.Env) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				e := ended{name: name, start: since(r)}
				if next == "" {
					_ = httpsim.Clock{}.Sleep(r.Context(), time.Second)
				} else {
					req, _ := http.NewRequestWithContext(r.Context(), "GET", next, nil)
					if resp, err := client.Do(req); err == nil {
						resp.Body.Close()
					}
				}
				e.end, e.err = since(r), r.Context().Err()
				log = append(log, e)
			})
		})
	}
	add(t, rt, hop("A", "http://n2/"))
	add(t, rt, hop("B", "http://n3/"))
	add(t, rt, hop("C", ""))
	add(t, rt, hn.Process(func(p *proc.P) { // n4
		ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), 30*time.Millisecond)
		if explicit {
			ctx, cancel = httpsim.WithCancel(httpsim.Context(p))
			hn.Clock().AfterFunc(ctx, 20*time.Millisecond, cancel)
		}
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientErr = err
		log = append(log, ended{name: "client", end: time.Duration(p.Now()), err: err})
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), log, clientErr
}

func TestAbortReachesTheWholeChain(t *testing.T) {
	for _, explicit := range []bool{false, true} {
		giveUp, want := 30*time.Millisecond, context.DeadlineExceeded
		if explicit {
			giveUp, want = 20*time.Millisecond, context.Canceled
		}
		for seed := uint64(1); seed <= 4; seed++ {
			h1, log, cerr := abortChainRun(t, seed, explicit)
			if !errors.Is(cerr, want) {
				t.Fatalf("explicit=%v seed %d: client got %v, want %v", explicit, seed, cerr, want)
			}
			if len(log) != 4 {
				t.Fatalf("explicit=%v seed %d: want 4 entries, got %v", explicit, seed, log)
			}
			order := ""
			for _, e := range log {
				order += e.name + " "
				// Three links of at most 3ms each separate the client's
				// giving up from C's context ending.
				if e.end > giveUp+10*time.Millisecond {
					t.Fatalf("explicit=%v seed %d: %v ended late; all: %v", explicit, seed, e, log)
				}
				if e.name != "client" && !errors.Is(e.err, context.Canceled) {
					t.Fatalf("explicit=%v seed %d: %v: context not cancelled; all: %v", explicit, seed, e, log)
				}
			}
			if order != "client A B C " {
				t.Fatalf("explicit=%v seed %d: ended in order %q, want client A B C", explicit, seed, order)
			}
			h2, log2, _ := abortChainRun(t, seed, explicit)
			if h1 != h2 || fmt.Sprint(log) != fmt.Sprint(log2) {
				t.Fatalf("explicit=%v seed %d: trace hashes %x and %x", explicit, seed, h1, h2)
			}
		}
	}
}

// A context.WithCancel child is not followed at once (the context package
// would tell of it from a goroutine): the wait sees it when it ends. The
// test pins that documented limit, so a change to it is noticed.
func TestStdlibCancelNoticedWhenTheWaitEnds(t *testing.T) {
	w, rt, hn := world(t, 1, 1, 0)
	var slept time.Duration
	var err error
	add(t, rt, hn.Process(func(p *proc.P) {
		ctx, cancel := context.WithCancel(httpsim.Context(p))
		hn.Clock().AfterFunc(httpsim.Context(p), 5*time.Millisecond, cancel)
		start := p.Now()
		err = httpsim.Clock{}.Sleep(ctx, 50*time.Millisecond)
		slept = time.Duration(p.Now() - start)
	}))
	if e := w.Run(); e != nil {
		t.Fatal(e)
	}
	if slept != 50*time.Millisecond || !errors.Is(err, context.Canceled) {
		t.Fatalf("slept %v with %v, want the whole 50ms and then context.Canceled", slept, err)
	}
}

// The same with httpsim.WithCancel ends the Sleep when cancel is called.
func TestWithCancelEndsASleep(t *testing.T) {
	w, rt, hn := world(t, 1, 1, 0)
	var slept time.Duration
	var err error
	add(t, rt, hn.Process(func(p *proc.P) {
		ctx, cancel := httpsim.WithCancel(httpsim.Context(p))
		inner, cancelInner := httpsim.WithTimeout(ctx, time.Second) // a child follows
		defer cancelInner()
		hn.Clock().AfterFunc(ctx, 5*time.Millisecond, cancel)
		start := p.Now()
		err = httpsim.Clock{}.Sleep(inner, 50*time.Millisecond)
		slept = time.Duration(p.Now() - start)
	}))
	if e := w.Run(); e != nil {
		t.Fatal(e)
	}
	if slept != 5*time.Millisecond || !errors.Is(err, context.Canceled) {
		t.Fatalf("slept %v with %v, want 5ms and context.Canceled", slept, err)
	}
	if !strings.Contains(fmt.Sprint(err), "canceled") {
		t.Fatalf("error %q", err)
	}
}

// An Abort that overtakes its request (two messages: the network may
// reorder them, where a connection's close cannot overtake its data) is
// kept: the request, when it comes, is served with its context already
// cancelled. The client sends the request 5ms after the Abort, so the
// Abort arrives first.
func TestAbortBeforeItsRequest(t *testing.T) {
	for _, inline := range []bool{false, true} {
		w, rt, hn := world(t, 1, 2, 0)
		var seen []string
		add(t, rt, hn.Server(func(*nodes.Env) http.Handler { // n1
			var h http.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				seen = append(seen, fmt.Sprint(r.URL.Path, " ", r.Context().Err()))
			})
			if inline {
				h = httpsim.Inline(h)
			}
			return h
		}))
		add(t, rt, hn.Process(func(p *proc.P) { // n2
			p.Send(0, &httpsim.Abort{Seq: 7}, 40)
			p.Sleep(5 * time.Millisecond) // arrives first
			for _, r := range []*httpsim.Request{{Method: "GET", Target: "/aborted", Seq: 7}, {Method: "GET", Target: "/other", Seq: 8}} {
				if _, err := p.Call(0, r, 0); err != nil {
					t.Error(err)
				}
			}
		}))
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(seen, ", "); got != "/aborted context canceled, /other <nil>" {
			t.Errorf("inline=%v: handlers saw %q", inline, got)
		}
	}
}
