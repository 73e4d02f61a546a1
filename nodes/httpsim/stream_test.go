package httpsim_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/idempotency"
)

// streamRun: a handler writes three chunks 10ms apart, flushing each
// (through http.Flusher, or http.ResponseController behind the
// idempotency middleware); it reads its request body a few bytes at a
// time. The client reads the response body a few bytes at a time too.
func streamRun(t testing.TB, seed uint64, controller bool) (hash uint64, got string, handlerEnd, clientGot time.Duration) {
	w, rt, hn := world(t, seed, 2, 0)
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		h := http.Handler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
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
			handlerEnd = since(r)
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
		clientGot = time.Duration(p.Now())
		var out strings.Builder
		buf := make([]byte, 5)
		for {
			n, err := resp.Body.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		got = fmt.Sprintf("%d %q request=%s", resp.StatusCode, out.String(), resp.Header.Get("X-Request-Bytes"))
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), got, handlerEnd, clientGot
}

// A flushed body arrives whole, in order, once the handler has returned:
// httpsim buffers a response body (docs/http.md, "Bodies").
func TestFlushedChunksArriveInOrderWhenTheHandlerReturns(t *testing.T) {
	for _, controller := range []bool{false, true} {
		for seed := uint64(1); seed <= 3; seed++ {
			h1, got, end, arrived := streamRun(t, seed, controller)
			if want := `200 "chunk1 chunk2 chunk3 " request=1003 1000`; got != want {
				t.Fatalf("controller=%v seed %d: got %s, want %s", controller, seed, got, want)
			}
			if end < 20*time.Millisecond || arrived <= end {
				t.Fatalf("controller=%v seed %d: handler ended at %v, response arrived at %v: want after the handler's 20ms and after its end", controller, seed, end, arrived)
			}
			h2, got2, _, _ := streamRun(t, seed, controller)
			if h1 != h2 || got != got2 {
				t.Fatalf("controller=%v seed %d: trace hashes %x and %x", controller, seed, h1, h2)
			}
		}
	}
}
