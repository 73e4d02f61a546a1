package httpmw_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/idempotency"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/ratelimit"
)

func config(t *testing.T, kv ...string) pipeline.Config {
	t.Helper()
	var cfg pipeline.Config
	for i := 0; i < len(kv); i += 2 {
		if err := cfg.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func client(t *testing.T, kv ...string) (*http.Client, *httpmw.Transport) {
	t.Helper()
	tr, err := httpmw.NewTransport(http.DefaultTransport, httpmw.Real, config(t, kv...), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}, tr
}

// The per-attempt timeout cuts a slow server off on the real clock, and
// the retry policy tries max_attempts times.
func TestRealTimeoutAndRetry(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	c, _ := client(t, "timeout.per_attempt", "50ms", "retry.max_attempts", "3", "backoff.base", "10ms", "retry.backoff", "full-jitter")
	start := time.Now()
	_, err := c.Get(srv.URL)
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "3 attempts") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout after 3 attempts", err)
	}
	if hits.Load() != 3 {
		t.Fatalf("server saw %d attempts, want 3", hits.Load())
	}
	if elapsed < 150*time.Millisecond || elapsed > 1500*time.Millisecond {
		t.Fatalf("took %v, want about 3×50ms plus backoff", elapsed)
	}
}

// A 503 with Retry-After: 1 makes the client wait a second, then succeed.
func TestRealRetryAfter(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "done")
	}))
	defer srv.Close()
	c, _ := client(t, "retry.max_attempts", "2", "backoff.base", "1ms")
	start := time.Now()
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "done" || time.Since(start) < time.Second {
		t.Fatalf("got %q after %v, want done after >= 1s", b, time.Since(start))
	}
}

// Out of attempts, the caller sees the server's last response, headers
// included.
func TestRealLastResponseKept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "-1") // asks not to retry
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, _ := client(t, "retry.max_attempts", "3")
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "-1" {
		t.Fatalf("got %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// After failure_threshold failures the breaker opens, and the next call
// is refused without reaching the server.
func TestRealBreakerOpens(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, _ := client(t, "breaker.failure_threshold", "2", "breaker.open_duration", "1m")
	for range 2 {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	_, err := c.Get(srv.URL)
	if !errors.Is(err, httpmw.ErrRejected) || hits.Load() != 2 {
		t.Fatalf("err = %v, hits %d; want rejected after 2 hits", err, hits.Load())
	}
}

// The server middleware on a real server: rate limit, shed, idempotency,
// health, chaos.
func TestRealServerMiddleware(t *testing.T) {
	var effects atomic.Int32
	rl, err := httpmw.RateLimit(httpmw.Real, ratelimit.Config{RatePerSec: 0.5, Burst: 3})
	if err != nil {
		t.Fatal(err)
	}
	idem, err := httpmw.Idempotency(httpmw.Real, idempotency.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := httpmw.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		effects.Add(1)
		w.Header().Set("X-Charge", "1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "charged")
	}), httpmw.Health("/health", nil), rl, idem)
	srv := httptest.NewServer(h)
	defer srv.Close()

	get := func(path, key string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("x"))
		if key != "" {
			req.Header.Set(httpmw.IdempotencyHeader, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/pay", "k1"); r.StatusCode != 201 {
		t.Fatalf("first: %d", r.StatusCode)
	}
	if r := get("/pay", "k1"); r.StatusCode != 201 || r.Header.Get("Idempotent-Replayed") != "true" || r.Header.Get("X-Charge") != "1" {
		t.Fatalf("replay: %d %v", r.StatusCode, r.Header)
	}
	if effects.Load() != 1 {
		t.Fatalf("effects %d, want 1", effects.Load())
	}
	get("/pay", "k2")
	r := get("/pay", "k3")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("rate limit: %d Retry-After %q, want 429 and 2", r.StatusCode, r.Header.Get("Retry-After"))
	}
	resp, err := http.Get(srv.URL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestShedRealConcurrency(t *testing.T) {
	release := make(chan struct{})
	shed, err := httpmw.Shed(1, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	srv := httptest.NewServer(shed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})))
	defer srv.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if resp, err := http.Get(srv.URL); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	resp, err := http.Get(srv.URL)
	close(release)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("got %d Retry-After %q, want 503 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// plainClock hides the Scheduler methods of its Clock.
type plainClock struct{ httpmw.Clock }

func TestBadConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hedged := config(t, "hedge.delay", "10ms")
	for name, err := range map[string]error{
		"nil rng": func() error {
			_, err := httpmw.NewTransport(http.DefaultTransport, httpmw.Real, pipeline.Config{}, nil)
			return err
		}(),
		"nil clock": func() error {
			_, err := httpmw.NewTransport(http.DefaultTransport, nil, pipeline.Config{}, rng)
			return err
		}(),
		"hedge without a scheduler": func() error {
			_, err := httpmw.NewTransport(http.DefaultTransport, plainClock{httpmw.Real}, hedged, rng)
			return err
		}(),
		"queue without a scheduler": func() error {
			_, err := httpmw.NewTransport(http.DefaultTransport, plainClock{httpmw.Real}, config(t, "bulkhead.max_queue", "1"), rng)
			return err
		}(),
		"shed 0":  func() error { _, err := httpmw.Shed(0, time.Second); return err }(),
		"chaos 2": func() error { _, err := httpmw.Chaos(httpmw.Real, rng, httpmw.ChaosConfig{ErrorRate: 2}); return err }(),
		"rate -1": func() error { _, err := httpmw.RateLimit(httpmw.Real, ratelimit.Config{RatePerSec: -1}); return err }(),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "httpmw: ") {
			t.Errorf("%s: err = %v, want an httpmw error", name, err)
		}
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-2", 0}, {"soon", 0},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Retry-After", tc.v)
		}
		if got := httpmw.RetryAfter(h, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

// The package imports only the standard library and patterns/.
func TestImportsOnlyPatterns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/faultline/faultline/patterns/httpmw").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, "github.com/faultline/faultline/") {
			if strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
				t.Errorf("imports a module outside the standard library: %s", pkg)
			}
			continue
		}
		n++
		rest := strings.TrimPrefix(pkg, "github.com/faultline/faultline/")
		if rest != "httpmw" && !strings.HasPrefix(rest, "patterns/") {
			t.Errorf("imports %s: only patterns/ is allowed", pkg)
		}
	}
	if n < 3 {
		t.Fatalf("go list gave %d project packages; the guard would prove nothing:\n%s", n, out)
	}
}

// When every attempt fails, the fallback answers 200 with its value.
func TestRealFallback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, _ := client(t, "retry.max_attempts", "2", "backoff.base", "1ms", "retry.retry_on", "internal", "fallback.value", "cached")
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "cached" || resp.Header.Get("Faultline-Fallback") == "" {
		t.Fatalf("got %d %q %v, want the fallback", resp.StatusCode, b, resp.Header)
	}
}

// A bulkhead of one refuses a second concurrent request at once.
func TestRealBulkhead(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}))
	defer srv.Close()
	c, _ := client(t, "bulkhead.max_concurrent", "1")
	done := make(chan error)
	go func() {
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-entered
	_, err := c.Get(srv.URL)
	close(release)
	if first := <-done; first != nil {
		t.Fatal(first)
	}
	if !errors.Is(err, httpmw.ErrRejected) {
		t.Fatalf("second request: %v, want rejected", err)
	}
}

// The caller's own deadline ends the retries: no attempt after it.
func TestRealCallerDeadlineStopsRetries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, _ := client(t, "retry.max_attempts", "5", "backoff.base", "1ms")
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	_, err := c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || hits.Load() != 1 {
		t.Fatalf("err %v after %d attempts; want the deadline after 1", err, hits.Load())
	}
}

// A caller that gives up during the breaker's half-open probe must not
// keep the probe for ever: once the breaker has cooled down again, calls
// reach the server.
func TestRealCancelledProbeReleased(t *testing.T) {
	var slow atomic.Bool
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if slow.Load() {
			<-r.Context().Done()
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, _ := client(t, "breaker.failure_threshold", "1", "breaker.open_duration", "20ms")
	get := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	_ = get(time.Second) // 500: the breaker opens
	time.Sleep(40 * time.Millisecond)
	slow.Store(true)
	if err := get(30 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) { // the probe, abandoned by its caller
		t.Fatalf("probe: %v", err)
	}
	slow.Store(false)
	time.Sleep(40 * time.Millisecond)
	before := hits.Load()
	_ = get(time.Second)
	if hits.Load() == before {
		t.Fatal("the breaker still refuses every call: the abandoned probe was never released")
	}
}

// Chaos fails every request at rate 1, except the paths it skips; a
// repeat of a key still running gets 409 with Retry-After.
func TestRealChaosAndInProgress(t *testing.T) {
	chaos, err := httpmw.Chaos(httpmw.Real, rand.New(rand.NewPCG(3, 4)), httpmw.ChaosConfig{ErrorRate: 1, ErrorStatus: 502, Skip: []string{"/health"}})
	if err != nil {
		t.Fatal(err)
	}
	idem, err := httpmw.Idempotency(httpmw.Real, idempotency.Config{})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	slow := httpmw.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}), idem)
	mux := http.NewServeMux()
	mux.Handle("/slow", slow)
	mux.Handle("/", httpmw.Chain(http.NotFoundHandler(), httpmw.Health("/health", nil), chaos))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for path, want := range map[string]int{"/x": 502, "/health": 200} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", srv.URL+"/slow", nil)
		req.Header.Set(httpmw.IdempotencyHeader, "k")
		return http.DefaultClient.Do(req)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := post(); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	resp, err := post()
	close(release)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("repeat during the first: %d Retry-After %q, want 409 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// httpmw.Real reads the wall clock. It is production code: no package
// that runs inside a world (the engine, the network, the node runtime and
// its adapters, the checks, the runner) may link it, so real time cannot
// reach a simulation through it.
func TestNoWorldImportsTheWallClock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/faultline/faultline/sim/...", "github.com/faultline/faultline/network/...",
		"github.com/faultline/faultline/nodes/...", "github.com/faultline/faultline/checks/...",
		"github.com/faultline/faultline/scenarios").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/faultline/faultline/nodes/httpsim") {
		t.Fatalf("go list did not reach nodes/httpsim; the guard would prove nothing:\n%s", out)
	}
	if slices.Contains(deps, "github.com/faultline/faultline/patterns/httpmw") {
		t.Fatal("a package that runs in a world imports patterns/httpmw, whose Real clock reads the wall clock")
	}
}
