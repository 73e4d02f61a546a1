package httpsim_test

import (
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
	"github.com/faultline/faultline/patterns/pipeline"
)

// The production middleware on the simulated clock: a chaos server
// behind idempotency keys, a client with timeout, jittered retries and a
// breaker. Each key is charged at most once, and the run is the same
// twice.
func middlewareRun(t *testing.T, seed uint64, log *strings.Builder) (uint64, map[string]int) {
	w, rt, hn := world(t, seed, 2, 0.1)
	charges := map[string]int{}
	clock := httpsim.Clock{}
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		idem, err := httpmw.Idempotency(clock, idempotency.Config{})
		if err != nil {
			t.Fatal(err)
		}
		chaos, err := httpmw.Chaos(clock, env.Rand(), httpmw.ChaosConfig{ErrorRate: 0.2, DelayRate: 0.2, Delay: 30 * time.Millisecond, Skip: []string{"/health"}})
		if err != nil {
			t.Fatal(err)
		}
		return httpmw.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			charges[r.Header.Get(httpmw.IdempotencyHeader)]++
			fmt.Fprint(w, "charged")
		}), httpmw.Health("/health", nil), chaos, idem)
	}))
	add(t, rt, hn.Process(func(p *proc.P) { // n2
		var cfg pipeline.Config
		for _, kv := range [][2]string{{"timeout.per_attempt", "20ms"}, {"retry.max_attempts", "4"}, {"retry.backoff", "full-jitter"}, {"backoff.base", "5ms"}, {"breaker.failure_threshold", "5"}, {"breaker.open_duration", "50ms"}} {
			if err := cfg.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		tr, err := httpmw.NewTransport(hn.Transport(), clock, cfg, p.Rand())
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: tr}
		for i := range 20 {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "POST", "http://n1/charge", strings.NewReader("10"))
			req.Header.Set(httpmw.IdempotencyHeader, fmt.Sprint("order-", i))
			resp, err := c.Do(req)
			if err != nil {
				fmt.Fprintf(log, "%v %d: %v\n", p.Now(), i, err)
				_ = clock.Sleep(httpsim.Context(p), 100*time.Millisecond) // let an open breaker cool down
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(log, "%v %d: %d %s replayed=%s\n", p.Now(), i, resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed"))
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), charges
}

func TestMiddlewareInWorld(t *testing.T) {
	replayed := 0
	for seed := uint64(1); seed <= 10; seed++ {
		var log strings.Builder
		_, charges := middlewareRun(t, seed, &log)
		if ok := strings.Count(log.String(), " 200 charged"); ok < 14 {
			t.Fatalf("seed %d: only %d of 20 charges answered:\n%s", seed, ok, log.String())
		}
		replayed += strings.Count(log.String(), "replayed=true")
		for k, n := range charges {
			if n > 1 {
				t.Errorf("seed %d: %s charged %d times", seed, k, n)
			}
		}
	}
	if replayed == 0 {
		t.Errorf("in 10 seeds no retry was answered from the idempotency store")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		var a, b strings.Builder
		h1, _ := middlewareRun(t, seed, &a)
		h2, _ := middlewareRun(t, seed, &b)
		if h1 != h2 || a.String() != b.String() {
			t.Fatalf("seed %d not deterministic: %x vs %x\n%s---\n%s", seed, h1, h2, a.String(), b.String())
		}
	}
}
