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
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/idempotency"
	"github.com/faultline/faultline/sim"
)

// read is one Read of a response body: when, and what it gave.
type read struct {
	at   time.Duration
	text string
}

// streamRun: a handler writes three chunks 10ms apart, flushing each
// (through http.Flusher, or http.ResponseController behind the
// idempotency middleware); it reads its request body a few bytes at a
// time. The client reads the response body as it comes; with
// closeAfter > 0 it closes the body after that many reads.
func streamRun(t testing.TB, seed uint64, controller bool, closeAfter int) (hash uint64, reads []read, handler ended, head time.Duration, header string) {
	w, rt, hn := world(t, seed, 2, 0)
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		h := http.Handler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			handler = ended{name: "handler", start: since(r)}
			var in bytes.Buffer
			buf := make([]byte, 7)
			for {
				n, err := r.Body.Read(buf)
				in.Write(buf[:n])
				if err != nil {
					break
				}
			}
			rw.Header().Set("X-Request-Bytes", fmt.Sprint(in.Len(), " ", strings.Count(in.String(), "x")))
			for i := 1; i <= 3; i++ {
				fmt.Fprintf(rw, "chunk%d ", i)
				if controller {
					if err := http.NewResponseController(rw).Flush(); err != nil {
						t.Errorf("ResponseController.Flush: %v", err)
					}
				} else {
					rw.(http.Flusher).Flush()
				}
				if i < 3 {
					_ = httpsim.Clock{}.Sleep(r.Context(), 10*time.Millisecond)
				}
			}
			handler.end, handler.err = since(r), r.Context().Err()
		}))
		if controller {
			idem, err := httpmw.Idempotency(httpsim.Clock{}, idempotency.Config{})
			if err != nil {
				t.Fatal(err)
			}
			h = idem(h)
		}
		return h
	}))
	add(t, rt, hn.Process(func(p *proc.P) { // n2
		// A body of unknown length, so the client cannot size it.
		body := io.MultiReader(strings.NewReader(strings.Repeat("x", 1000)), strings.NewReader("end"))
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "POST", "http://n1/stream", body)
		req.Header.Set(httpmw.IdempotencyHeader, "k1")
		resp, err := hn.Client().Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		head = time.Duration(p.Now())
		header = fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("X-Request-Bytes"))
		buf := make([]byte, 64)
		for len(reads) != closeAfter {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				reads = append(reads, read{time.Duration(p.Now()), string(buf[:n])})
			}
			if err != nil {
				reads = append(reads, read{time.Duration(p.Now()), err.Error()})
				break
			}
		}
		resp.Body.Close()
		_ = httpsim.Clock{}.Sleep(httpsim.Context(p), 50*time.Millisecond) // let the handler end
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), reads, handler, head, header
}

// Each flushed chunk reaches the client at its own simulated time, in
// order, while the handler still runs; the status and header come with
// the first flush.
func TestFlushedChunksArriveAsTheyAreFlushed(t *testing.T) {
	for _, controller := range []bool{false, true} {
		for seed := uint64(1); seed <= 3; seed++ {
			h1, reads, handler, head, header := streamRun(t, seed, controller, -1)
			if header != "200 1003 1000" {
				t.Fatalf("controller=%v seed %d: status and header %q", controller, seed, header)
			}
			var texts []string
			for _, r := range reads {
				texts = append(texts, r.text)
			}
			if got := strings.Join(texts, "|"); got != "chunk1 |chunk2 |chunk3 |EOF" {
				t.Fatalf("controller=%v seed %d: reads %q", controller, seed, got)
			}
			if head >= handler.end || reads[0].at != head {
				t.Fatalf("controller=%v seed %d: head at %v, handler ended at %v: want the head before the end", controller, seed, head, handler.end)
			}
			// 10ms apart on the server; links take 1-3ms each.
			for i := 1; i < 3; i++ {
				if gap := reads[i].at - reads[i-1].at; gap < 8*time.Millisecond || gap > 12*time.Millisecond {
					t.Fatalf("controller=%v seed %d: chunk %d came %v after the one before, want about 10ms: %v", controller, seed, i+1, gap, reads)
				}
			}
			h2, reads2, _, _, _ := streamRun(t, seed, controller, -1)
			if h1 != h2 || fmt.Sprint(reads) != fmt.Sprint(reads2) {
				t.Fatalf("controller=%v seed %d: trace hashes %x and %x", controller, seed, h1, h2)
			}
		}
	}
}

// A client that closes a streamed body before its end aborts the
// request: the handler's context is cancelled and its Sleep ends.
func TestClosingAStreamedBodyAbortsTheHandler(t *testing.T) {
	_, reads, handler, _, _ := streamRun(t, 1, false, 1)
	if len(reads) != 1 || reads[0].text != "chunk1 " {
		t.Fatalf("reads %v", reads)
	}
	if !errors.Is(handler.err, context.Canceled) || handler.end > reads[0].at+5*time.Millisecond {
		t.Fatalf("handler %v; the client closed the body at %v: want the handler cancelled one link later", handler, reads[0].at)
	}
}

// A handler reads a downstream handler's streamed body as it comes: the
// chunks reach a server node (not only a process node) and wake its
// worker.
func TestHandlerReadsAStreamedBody(t *testing.T) {
	w, rt, hn := world(t, 1, 3, 0)
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1: streams
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			for i := 1; i <= 2; i++ {
				fmt.Fprintf(rw, "part%d", i)
				rw.(http.Flusher).Flush()
				_ = httpsim.Clock{}.Sleep(r.Context(), 10*time.Millisecond)
			}
		})
	}))
	var reads []read
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n2: reads n1's body
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			ctx, cancel := httpsim.WithTimeout(r.Context(), time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/", nil)
			resp, err := hn.Client().Do(req)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			buf := make([]byte, 64)
			for {
				n, err := resp.Body.Read(buf)
				if n > 0 {
					reads = append(reads, read{since(r), string(buf[:n])})
				}
				if err != nil {
					break
				}
			}
			fmt.Fprint(rw, len(reads))
		})
	}))
	var got string
	add(t, rt, hn.Process(func(p *proc.P) { // n3
		got, _ = get(hn.Client(), p, "http://n2/")
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if got != "200 2" || len(reads) != 2 || reads[0].text != "part1" || reads[1].text != "part2" {
		t.Fatalf("got %q, reads %v", got, reads)
	}
	if gap := reads[1].at - reads[0].at; gap < 8*time.Millisecond || gap > 12*time.Millisecond {
		t.Fatalf("the second part came %v after the first, want about 10ms: %v", gap, reads)
	}
}

// burstRun: a handler flushes parts pieces at one instant and returns,
// so the head and every chunk leave together and, each with its own
// latency, may overtake one another; with dup > 0 some messages come
// twice. The client reads the body within timeout.
func burstRun(t testing.TB, seed uint64, parts int, dup float64, timeout time.Duration) (hash uint64, body string, inFlight int, err error) {
	w := sim.New(seed, sim.Options{})
	nw, nerr := network.New(w, 2, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond}, Duplicate: dup})
	if nerr != nil {
		t.Fatal(nerr)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	t.Cleanup(hn.Close)
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			for i := 0; i < parts; i++ {
				fmt.Fprint(rw, string(rune('a'+i)))
				rw.(http.Flusher).Flush()
			}
			fmt.Fprint(rw, ".")
		})
	}))
	add(t, rt, hn.Process(func(p *proc.P) { // n2
		ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/", nil)
		resp, rerr := hn.Client().Do(req)
		if rerr != nil {
			err = rerr
			return
		}
		defer resp.Body.Close()
		b, rerr := io.ReadAll(resp.Body)
		body, err = string(b), rerr
	}))
	if rerr := w.Run(); rerr != nil {
		t.Fatal(rerr)
	}
	return w.TraceHash(), body, httpsim.CallsInFlight(hn), err
}

// Chunks flushed at one instant may overtake the head and one another,
// and come twice: the body still comes whole and in order, and a run is
// a function of its seed.
func TestChunksThatOvertakeTheHeadAreKept(t *testing.T) {
	for _, tc := range []struct {
		parts int
		dup   float64
	}{{2, 0}, {3, 0}, {6, 0}, {6, 0.5}} {
		want := "abcdef"[:tc.parts] + "."
		for seed := uint64(1); seed <= 40; seed++ {
			h1, body, inFlight, err := burstRun(t, seed, tc.parts, tc.dup, time.Second)
			if body != want || err != nil {
				t.Fatalf("%+v seed %d: body %q, error %v: want %q", tc, seed, body, err, want)
			}
			if inFlight != 0 {
				t.Fatalf("%+v seed %d: %d calls still wait for a head", tc, seed, inFlight)
			}
			if seed <= 3 {
				if h2, body2, _, _ := burstRun(t, seed, tc.parts, tc.dup, time.Second); h1 != h2 || body != body2 {
					t.Fatalf("%+v seed %d: trace hashes %x and %x", tc, seed, h1, h2)
				}
			}
		}
	}
}

// A call that gives up before its head comes forgets the chunks that
// overtook the head, and drops those that come later: nothing is kept.
func TestChunksOfAFailedCallAreDropped(t *testing.T) {
	failed := 0
	for seed := uint64(1); seed <= 40; seed++ {
		// Links take 1-3ms each way: some calls end before the head.
		_, body, inFlight, err := burstRun(t, seed, 4, 0, 4*time.Millisecond)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			failed++
		case err != nil || body != "abcd.":
			t.Fatalf("seed %d: body %q, error %v", seed, body, err)
		}
		if inFlight != 0 {
			t.Fatalf("seed %d: %d calls still wait for a head", seed, inFlight)
		}
	}
	if failed == 0 || failed == 40 {
		t.Fatalf("%d of 40 calls failed: want some of each", failed)
	}
}
