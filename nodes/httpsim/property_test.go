package httpsim_test

import (
	"fmt"
	"net/http"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/pipeline"
)

// retryable reports whether the Transport retries after this status by
// default (timeout, unavailable and overloaded classes).
func retryable(code int) bool {
	switch code {
	case 408, 429, 502, 503, 504:
		return true
	}
	return false
}

// TestTransportRetriesProperty: whatever statuses the server answers in
// turn, the Transport makes at most max_attempts attempts, stops at the
// first answer it does not retry, and hands the caller the last
// response it got.
func TestTransportRetriesProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		codes := rapid.SliceOfN(rapid.SampledFrom([]int{200, 201, 204, 400, 404, 408, 409, 429, 500, 502, 503, 504}), 1, 8).Draw(rt, "codes")
		maxAttempts := rapid.IntRange(1, 6).Draw(rt, "max_attempts")
		seed := rapid.Uint64().Draw(rt, "seed")

		w, r, hn := world(t, seed, 2, 0)
		hits := 0
		add(t, r, hn.Server(func(*nodes.Env) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				code := codes[min(hits, len(codes)-1)]
				hits++
				w.WriteHeader(code)
			})
		}))
		var got int
		var callErr error
		add(t, r, hn.Process(func(p *proc.P) {
			var cfg pipeline.Config
			for _, kv := range [][2]string{{"retry.max_attempts", fmt.Sprint(maxAttempts)}, {"backoff.base", "1ms"}, {"retry.backoff", "full-jitter"}, {"timeout.per_attempt", "50ms"}} {
				if err := cfg.Set(kv[0], kv[1]); err != nil {
					rt.Fatal(err)
				}
			}
			tr, err := httpmw.NewTransport(hn.Transport(), httpsim.Clock{}, cfg, p.Rand())
			if err != nil {
				rt.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				callErr = err
				return
			}
			resp.Body.Close()
			got = resp.StatusCode
		}))
		if err := w.Run(); err != nil {
			rt.Fatal(err)
		}
		if callErr != nil {
			rt.Fatalf("error %v; the server always answers", callErr)
		}
		want := 0 // attempts the policy must make
		for want < maxAttempts {
			c := codes[min(want, len(codes)-1)]
			want++
			if !retryable(c) { // an answer, or 500 (internal: not retried by default)
				break
			}
		}
		if hits != want {
			rt.Fatalf("server saw %d attempts, want %d (codes %v, max %d)", hits, want, codes, maxAttempts)
		}
		if last := codes[min(hits-1, len(codes)-1)]; got != last {
			rt.Fatalf("caller got %d, want the last answer %d", got, last)
		}
	})
}
