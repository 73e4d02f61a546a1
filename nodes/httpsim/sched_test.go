package httpsim_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/sim"
)

// NetClock is a Scheduler; httpsim does not import httpmw, so the check
// lives here.
var _ httpmw.Scheduler = (*httpsim.NetClock)(nil)

func pipelineConfig(t testing.TB, kv ...string) pipeline.Config {
	t.Helper()
	var cfg pipeline.Config
	for i := 0; i < len(kv); i += 2 {
		if err := cfg.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func get(c *http.Client, p *proc.P, url string) (string, error) {
	req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return fmt.Sprintf("%d %s", resp.StatusCode, b), nil
}

// hedgeRun: the server's first request takes 200ms, later ones 1ms. The
// client hedges after 10ms, so its answer comes from the hedge.
func hedgeRun(t testing.TB, seed uint64, log *strings.Builder) (hash uint64, served int) {
	w, rt, hn := world(t, seed, 2, 0)
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			served++
			d := time.Millisecond
			if served == 1 {
				d = 200 * time.Millisecond
			}
			_ = httpsim.Clock{}.Sleep(r.Context(), d)
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
		c := &http.Client{Transport: tr}
		for range 3 {
			start := p.Now()
			got, err := get(c, p, "http://n1/x")
			fmt.Fprintf(log, "after %d ns: %q %v\n", p.Now()-start, got, err)
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), served
}

func TestHedgeInWorld(t *testing.T) {
	var log strings.Builder
	_, served := hedgeRun(t, 1, &log)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 requests, got:\n%s", log.String())
	}
	var took time.Duration
	var got string
	if _, err := fmt.Sscanf(lines[0], "after %d ns: %q", &took, &got); err != nil {
		t.Fatalf("%v in %q", err, lines[0])
	}
	// Without the hedge the first request would take over 200ms.
	if got != "200 answer 2" || took >= 50*time.Millisecond {
		t.Fatalf("first request: got %q after %v, want the hedge's answer within 50ms:\n%s", got, took, log.String())
	}
	if served != 4 {
		t.Fatalf("server served %d, want 4 (the slow first, its hedge, two more):\n%s", served, log.String())
	}
}

// queueRun: a front server (n1) calls the back (n2) through one
// Transport with a bulkhead of 1 and a queue of 2; two clients (n3, n4)
// call the front at once, so one back call waits for the other.
func queueRun(t testing.TB, seed uint64, log *strings.Builder) (hash uint64, starts []time.Duration, tr *httpmw.Transport) {
	w, rt, hn := world(t, seed, 4, 0)
	cfg := pipelineConfig(t, "bulkhead.max_concurrent", "1", "bulkhead.max_queue", "2")
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1: front
		var err error
		tr, err = httpmw.NewTransport(hn.Transport(), hn.Clock(), cfg, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Error(err)
		}
		c := &http.Client{Transport: tr}
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			req, _ := http.NewRequestWithContext(r.Context(), "GET", "http://n2/work", nil)
			resp, err := c.Do(req)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadGateway)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(rw, "front: %s", b)
		})
	}))
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n2: back
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			starts = append(starts, time.Duration(httpsim.Clock{}.Now(r.Context()).Sub(httpsim.Epoch)))
			inFlight, queued := tr.Bulkhead()
			_ = httpsim.Clock{}.Sleep(r.Context(), 50*time.Millisecond)
			fmt.Fprintf(rw, "done (in flight %d, queued %d)", inFlight, queued)
		})
	}))
	for range 2 { // n3, n4
		add(t, rt, hn.Process(func(p *proc.P) {
			got, err := get(hn.Client(), p, "http://n1/")
			fmt.Fprintf(log, "%s at %v: %q %v\n", p.Name(), time.Duration(p.Now()), got, err)
		}))
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash(), starts, tr
}

func TestQueuedBulkheadInWorld(t *testing.T) {
	var log strings.Builder
	_, starts, tr := queueRun(t, 1, &log)
	if n := strings.Count(log.String(), `"200 front: done`); n != 2 {
		t.Fatalf("want both requests answered, got:\n%s", log.String())
	}
	// The second back call was queued while the first ran, then went on.
	if !strings.Contains(log.String(), "in flight 1, queued 1") {
		t.Fatalf("no back call saw another one queued:\n%s", log.String())
	}
	if len(starts) != 2 || starts[1]-starts[0] < 50*time.Millisecond {
		t.Fatalf("back calls started at %v, want the second at least 50ms after the first:\n%s", starts, log.String())
	}
	if inFlight, queued := tr.Bulkhead(); inFlight != 0 || queued != 0 {
		t.Fatalf("after the run: %d in flight, %d queued, want 0 and 0", inFlight, queued)
	}
}

func TestSchedulerDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var a, b strings.Builder
		h1, _ := hedgeRun(t, seed, &a)
		h2, _ := hedgeRun(t, seed, &b)
		q1, _, _ := queueRun(t, seed, &a)
		q2, _, _ := queueRun(t, seed, &b)
		if h1 != h2 || q1 != q2 || a.String() != b.String() {
			t.Fatalf("seed %d: trace hashes %x/%x and %x/%x, logs:\n%s\n---\n%s", seed, h1, h2, q1, q2, a.String(), b.String())
		}
	}
}

// On the plain Clock a hedge or a queue is refused, and the error names
// the clock that can run them.
func TestPlainClockRefusesHedgeAndQueue(t *testing.T) {
	for _, kv := range [][]string{{"hedge.delay", "10ms"}, {"bulkhead.max_queue", "1"}} {
		_, err := httpmw.NewTransport(http.DefaultTransport, httpsim.Clock{}, pipelineConfig(t, kv...), rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), "Net.Clock()") {
			t.Errorf("%s: got %v, want a refusal naming Net.Clock()", kv[0], err)
		}
	}
}

// A client crashes while its request and the hedge are out: the crash
// stops the hedge's process with the client's, and after the restart the
// late answers to the old attempts are ignored.
func TestHedgeAcrossACrash(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	served := 0
	add(t, rt, hn.Server(func(env *nodes.Env) http.Handler { // n1
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			served++
			if served <= 2 {
				_ = httpsim.Clock{}.Sleep(r.Context(), 300*time.Millisecond)
			}
			fmt.Fprintf(rw, "answer %d", served)
		})
	}))
	var log strings.Builder
	add(t, rt, hn.Process(func(p *proc.P) { // n2
		cfg := pipelineConfig(t, "retry.max_attempts", "2", "hedge.delay", "10ms")
		tr, err := httpmw.NewTransport(hn.Transport(), hn.Clock(), cfg, p.Rand())
		if err != nil {
			t.Error(err)
			return
		}
		got, err := get(&http.Client{Transport: tr}, p, "http://n1/")
		fmt.Fprintf(&log, "%v: %q %v\n", p.Now(), got, err)
	}))
	w.Schedule(sim.At(20*time.Millisecond), sim.HandlerFunc(func(*sim.Event) { rt.Crash(1) }), sim.Event{Node: -1})
	w.Schedule(sim.At(50*time.Millisecond), sim.HandlerFunc(func(*sim.Event) { rt.Restart(1) }), sim.Event{Node: -1})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, `"200 answer 3"`) {
		t.Fatalf("want one answer, from the restarted client's attempt; got:\n%s", got)
	}
}
