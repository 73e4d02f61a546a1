package httpsim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// world builds n nodes on 1ms links with loss, and an httpsim.Net.
func world(t testing.TB, seed uint64, n int, loss float64) (*sim.World, *nodes.Runtime, *httpsim.Net) {
	t.Helper()
	w := sim.New(seed, sim.Options{})
	nw, err := network.New(w, n, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond}, Loss: loss})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	t.Cleanup(hn.Close)
	return w, rt, hn
}

func add(t testing.TB, rt *nodes.Runtime, c nodes.Constructor) {
	t.Helper()
	if _, err := rt.Add(c); err != nil {
		t.Fatal(err)
	}
}

// chain is A→B→C: the client calls front (n1), which calls back (n2)
// with the client's headers, each request in its own process.
func chain(t testing.TB, seed uint64, loss float64, log *strings.Builder) uint64 {
	w, rt, hn := world(t, seed, 3, loss)
	hn.Host("back", 1)
	client := hn.Client()
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1: front
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			ctx, cancel := httpsim.WithTimeout(r.Context(), 20*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://back/item?id="+r.URL.Query().Get("id"), nil)
			resp, err := client.Do(req)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			rw.Header().Set("X-Back-Status", resp.Status)
			fmt.Fprintf(rw, "front(%s)", b)
		})
	}))
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n2: back
		mux := http.NewServeMux()
		mux.HandleFunc("GET /item", func(rw http.ResponseWriter, r *http.Request) {
			if err := (httpsim.Clock{}).Sleep(r.Context(), 5*time.Millisecond); err != nil {
				t.Errorf("sleep: %v", err)
			}
			rw.Header().Set("Retry-After", "3")
			rw.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(rw, "item %s", r.URL.Query().Get("id"))
		})
		return mux
	}))
	add(t, rt, hn.Process(func(p *proc.P) { // n3: client
		for i := range 5 {
			ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), 50*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/x?id="+fmt.Sprint(i), nil)
			resp, err := client.Do(req)
			cancel()
			if err != nil {
				fmt.Fprintf(log, "%v %d: error %v timeout=%v\n", p.Now(), i, err, errors.Is(err, context.DeadlineExceeded))
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(log, "%v %d: %d %s [%s]\n", p.Now(), i, resp.StatusCode, b, resp.Header.Get("X-Back-Status"))
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash()
}

func TestChain(t *testing.T) {
	var log strings.Builder
	chain(t, 1, 0, &log)
	want := "front(item 0) [202 Accepted]"
	if !strings.Contains(log.String(), want) || strings.Count(log.String(), "front(") != 5 {
		t.Fatalf("log:\n%s\nwant 5 answers like %q", log.String(), want)
	}
}

func TestChainUnderLossTimesOut(t *testing.T) {
	var log strings.Builder
	chain(t, 3, 0.3, &log)
	if !strings.Contains(log.String(), "timeout=true") && !strings.Contains(log.String(), "502") {
		t.Fatalf("no timeout under 30%% loss:\n%s", log.String())
	}
}

func TestDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		var a, b strings.Builder
		h1, h2 := chain(t, seed, 0.2, &a), chain(t, seed, 0.2, &b)
		if h1 != h2 || a.String() != b.String() {
			t.Fatalf("seed %d: hashes %x %x\n%s\n---\n%s", seed, h1, h2, a.String(), b.String())
		}
	}
}

// What a handler writes is what the client reads: status, repeated and
// odd headers, Retry-After, a binary body; and what the client sends is
// what the handler sees.
func TestFidelity(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	body := []byte{0, 1, 2, 0xff, '\n', 'x'}
	var seen *http.Request
	var seenBody []byte
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r
			seenBody, _ = io.ReadAll(r.Body)
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(body)
		})
	}))
	var resp *http.Response
	var got []byte
	add(t, rt, hn.Process(func(p *proc.P) {
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "PUT", "http://n1/a/b?x=1&y=%20z", strings.NewReader("payload"))
		req.Header.Set("Idempotency-Key", "k-1")
		req.Header.Add("Accept", "text/plain")
		req.Header.Add("Accept", "application/json")
		var err error
		if resp, err = hn.Client().Do(req); err != nil {
			t.Error(err)
			return
		}
		got, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if seen == nil || resp == nil {
		t.Fatal("no exchange")
	}
	if seen.Method != "PUT" || seen.URL.Path != "/a/b" || seen.URL.Query().Get("y") != " z" || seen.Host != "n1" ||
		seen.Header.Get("Idempotency-Key") != "k-1" || strings.Join(seen.Header.Values("Accept"), ",") != "text/plain,application/json" ||
		string(seenBody) != "payload" || seen.RemoteAddr != "n2" || seen.ContentLength != 7 {
		t.Errorf("handler saw %s %s host %s headers %v body %q from %s", seen.Method, seen.URL, seen.Host, seen.Header, seenBody, seen.RemoteAddr)
	}
	if resp.StatusCode != 429 || resp.Status != "429 Too Many Requests" || resp.Header.Get("Retry-After") != "7" ||
		strings.Join(resp.Header.Values("X-Multi"), ",") != "a,b" || !bytes.Equal(got, body) || resp.ContentLength != int64(len(body)) {
		t.Errorf("client got %s headers %v body %q", resp.Status, resp.Header, got)
	}
}

// Requests on one node run at once, each in its own process: five
// clients whose requests each sleep 10ms are all answered by about 12ms,
// not 50ms; and the workers are reused afterwards.
func TestConcurrentRequests(t *testing.T) {
	w := sim.New(1, sim.Options{})
	nw, err := network.New(w, 6, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	defer hn.Close()
	inFlight, most := 0, 0
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight++
			most = max(most, inFlight)
			_ = (httpsim.Clock{}).Sleep(r.Context(), 10*time.Millisecond)
			inFlight--
		})
	}))
	var done []time.Duration
	for range 5 {
		add(t, rt, hn.Process(func(p *proc.P) {
			for range 2 {
				req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
				if resp, err := hn.Client().Do(req); err == nil {
					resp.Body.Close()
				}
				done = append(done, time.Duration(p.Now()))
			}
		}))
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if most != 5 || len(done) != 10 || done[4] != 12*time.Millisecond || done[9] != 24*time.Millisecond {
		t.Fatalf("at most %d in flight, answered at %v; want 5 at once, by 12ms then 24ms", most, done)
	}
}

// A client that gives up sends an Abort, as closing the connection does:
// the handler's r.Context() is cancelled when it arrives. And a context
// derived from r.Context() ends when ServeHTTP returns, as in net/http.
func TestClientAbortCancelsHandler(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	var errAt time.Duration
	var handlerErr, derivedErr error
	var derived context.Context
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var cancel context.CancelFunc
			derived, cancel = context.WithCancel(r.Context())
			_ = cancel // left running on purpose: the request's end must end it
			p := httpsim.ProcessOf(r.Context())
			for r.Context().Err() == nil && p.Now() < sim.Time(time.Second) {
				p.Sleep(time.Millisecond)
			}
			handlerErr, errAt = r.Context().Err(), time.Duration(p.Now())
		})
	}))
	add(t, rt, hn.Process(func(p *proc.P) {
		ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), 10*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/slow", nil)
		if _, err := hn.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("client: %v, want its deadline", err)
		}
		p.Sleep(100 * time.Millisecond)
		derivedErr = derived.Err()
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(handlerErr, context.Canceled) || errAt < 10*time.Millisecond || errAt > 20*time.Millisecond {
		t.Fatalf("handler saw %v at %v; want cancelled soon after the client's 10ms deadline", handlerErr, errAt)
	}
	if !errors.Is(derivedErr, context.Canceled) {
		t.Fatalf("a context derived from r.Context() after the request: %v, want cancelled", derivedErr)
	}
}
