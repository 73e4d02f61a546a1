package pipeline

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/breaker"
	"github.com/faultline/faultline/patterns/retry"
	"pgregory.net/rapid"
)

const ms = time.Millisecond

func mustConfig(t testing.TB, kv ...string) Config {
	t.Helper()
	var c Config
	for i := 0; i < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestScenarios(t *testing.T) {
	ok := Outcome{OK: true}
	tests := []struct {
		name     string
		cfg      []string
		srv      func() server
		starts   []time.Duration // request start times
		want     []string        // per request: status/reason/attempts@done
		wantSend int             // total attempts sent, -1 to skip
	}{
		{
			name:   "plain call",
			srv:    func() server { return always(10*ms, ok) },
			starts: []time.Duration{0},
			want:   []string{"success//1@10ms"},
		},
		{
			name: "retry after per-attempt timeout",
			cfg:  []string{"timeout.per_attempt", "100ms", "retry.backoff", "constant", "backoff.base", "50ms"},
			srv: func() server {
				return func(_ *Request, n int, _ time.Duration) (time.Duration, Outcome) {
					if n == 1 {
						return time.Second, ok
					}
					return 10 * ms, ok
				}
			},
			starts: []time.Duration{0},
			want:   []string{"success//2@160ms"},
		},
		{
			name:   "not retryable",
			cfg:    []string{"retry.max_attempts", "5"},
			srv:    func() server { return always(10*ms, Outcome{Class: retry.Invalid}) },
			starts: []time.Duration{0},
			want:   []string{"failure/failure/1@10ms"},
		},
		{
			name:   "retry-after honoured",
			cfg:    []string{"retry.backoff", "none"},
			srv:    func() server { return always(10*ms, Outcome{Class: retry.Overloaded, RetryAfter: 300 * ms}) },
			starts: []time.Duration{0},
			want:   []string{"failure/failure/3@630ms"},
		},
		{
			name:   "overall deadline spans retries",
			cfg:    []string{"timeout.per_attempt", "100ms", "timeout.overall", "250ms", "retry.max_attempts", "10", "retry.backoff", "constant", "backoff.base", "100ms"},
			srv:    func() server { return always(time.Second, ok) },
			starts: []time.Duration{0},
			want:   []string{"failure/deadline/2@250ms"},
		},
		{
			name:     "breaker opens and rejects",
			cfg:      []string{"breaker.failure_threshold", "2", "breaker.open_duration", "1s"},
			srv:      func() server { return always(10*ms, Outcome{Class: retry.Unavailable}) },
			starts:   []time.Duration{0, 20 * ms, 40 * ms, 60 * ms},
			want:     []string{"failure/failure/1@10ms", "failure/failure/1@30ms", "rejected/breaker-open/1@40ms", "rejected/breaker-open/1@60ms"},
			wantSend: 2,
		},
		{
			name:   "fallback when the breaker is open",
			cfg:    []string{"breaker.failure_threshold", "1", "fallback.on", "breaker-open", "fallback.value", "cached"},
			srv:    func() server { return always(10*ms, Outcome{Class: retry.Unavailable}) },
			starts: []time.Duration{0, 20 * ms},
			want:   []string{"failure/failure/1@10ms", "fallback/breaker-open/1@20ms"},
		},
		{
			name:   "bulkhead queues then rejects",
			cfg:    []string{"bulkhead.max_concurrent", "1", "bulkhead.max_queue", "1"},
			srv:    func() server { return always(100*ms, ok) },
			starts: []time.Duration{0, 10 * ms, 20 * ms},
			want:   []string{"success//1@100ms", "success//1@200ms", "rejected/bulkhead-full/1@20ms"},
		},
		{
			name:   "bulkhead queue wait expires",
			cfg:    []string{"bulkhead.max_concurrent", "1", "bulkhead.max_queue", "5", "bulkhead.max_wait", "50ms"},
			srv:    func() server { return always(100*ms, ok) },
			starts: []time.Duration{0, 10 * ms},
			want:   []string{"success//1@100ms", "rejected/bulkhead-full/1@60ms"},
		},
		{
			name: "hedge wins, loser cancelled",
			cfg:  []string{"hedge.delay", "50ms"},
			srv: func() server {
				return func(_ *Request, n int, _ time.Duration) (time.Duration, Outcome) {
					if n == 1 {
						return 500 * ms, ok
					}
					return 10 * ms, ok
				}
			},
			starts: []time.Duration{0},
			want:   []string{"success//2@60ms"},
		},
		{
			name:   "per-request attempt cap stops retries",
			cfg:    []string{"retry.max_attempts", "10", "retry.backoff", "none", "budget.kind", "none", "budget.max_attempts_per_request", "2"},
			srv:    func() server { return always(10*ms, Outcome{Class: retry.Unavailable}) },
			starts: []time.Duration{0},
			want:   []string{"failure/budget-exhausted/2@20ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(mustConfig(t, tt.cfg...), rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			d := newDriver(tt.srv())
			var reqs []*Request
			for _, at := range tt.starts {
				r := p.NewRequest()
				reqs = append(reqs, r)
				d.startAt(r, at)
			}
			d.run(10000)
			for i, r := range reqs {
				res := d.results[r]
				got := fmt.Sprintf("%v/%s/%d@%v", res.Status, res.Reason, res.Attempts, d.doneAt[r])
				if got != tt.want[i] {
					t.Errorf("request %d: got %s, want %s\n%s", i+1, got, tt.want[i], strings.Join(d.log, "\n"))
				}
			}
			if tt.wantSend > 0 {
				total := 0
				for _, n := range d.sends {
					total += n
				}
				if total != tt.wantSend {
					t.Errorf("sent %d attempts, want %d", total, tt.wantSend)
				}
			}
		})
	}
}

func TestThrottleRejectsUnderOverload(t *testing.T) {
	p, _ := New(mustConfig(t, "throttle.k", "1.5"), rand.New(rand.NewPCG(2, 2)))
	d := newDriver(always(5*ms, Outcome{Class: retry.Overloaded}))
	for i := range 200 {
		d.startAt(p.NewRequest(), time.Duration(i)*10*ms)
	}
	d.run(100000)
	throttled := 0
	for _, res := range d.results {
		if res.Reason == "throttled" {
			throttled++
		}
	}
	if throttled < 100 {
		t.Fatalf("only %d of 200 requests throttled by an always-overloaded backend", throttled)
	}
}

func TestConfigSet(t *testing.T) {
	var c Config
	if err := c.Set("breaker.failure_threshold", "5"); err != nil || c.Breaker == nil || c.Breaker.FailureThreshold != 5 {
		t.Fatalf("breaker.failure_threshold: %v %+v", err, c.Breaker)
	}
	if err := c.Set("backoff.base", "20ms"); err != nil || c.Retry == nil || c.Retry.Backoff.Base != 20*ms {
		t.Fatalf("backoff.base: %v", err)
	}
	if err := c.Set("breaker.enabled", "false"); err != nil || c.Breaker != nil {
		t.Fatalf("breaker.enabled=false: %v", err)
	}
	errs := []struct{ k, v, want string }{
		{"retry.backoff", "fulljitter", `retry.backoff: unknown value "fulljitter" (accepted: none, constant, linear, exponential, full-jitter, equal-jitter, decorrelated-jitter)`},
		{"breaker.failure_rate_threshold", "2", `breaker.failure_rate_threshold: bad value "2" (accepted: a number in [0, 1])`},
		{"timeout.overall", "10", `timeout.overall: bad duration "10" (accepted: a duration >= 0 such as 100ms, 2s)`},
		{"bulkhead.max_queue", "-1", `bulkhead.max_queue: bad value "-1" (accepted: an integer in [0, 1000000])`},
		{"hedge.enabled", "maybe", `hedge.enabled: bad value "maybe" (accepted: true, false)`},
	}
	for _, e := range errs {
		if err := c.Set(e.k, e.v); err == nil || err.Error() != e.want {
			t.Errorf("Set(%s=%s) = %v\nwant %s", e.k, e.v, err, e.want)
		}
	}
	if err := c.Set("nosuch.key", "1"); err == nil || !strings.HasPrefix(err.Error(), "nosuch.key: unknown parameter (accepted: fallback.enabled, fallback.on,") {
		t.Errorf("unknown key: %v", err)
	}
	if err := c.Set("breaker.nope", "1"); err == nil || !strings.HasPrefix(err.Error(), "breaker.nope: unknown parameter (accepted: failure_threshold,") {
		t.Errorf("unknown breaker key: %v", err)
	}
	// Relationships are checked at construction.
	bad := mustConfig(t, "backoff.base", "2s", "backoff.cap", "1s")
	if _, err := New(bad, nil); err == nil || err.Error() != "retry.backoff.base: must be <= cap (1s), got 2s" {
		t.Errorf("base > cap: %v", err)
	}
}

func TestParams(t *testing.T) {
	var c Config
	ps := c.Params()
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			t.Errorf("duplicate key %s", p.Name)
		}
		seen[p.Name] = true
		if p.Help == "" {
			t.Errorf("%s has no help", p.Name)
		}
	}
	for _, k := range []string{"retry.max_attempts", "retry.backoff", "backoff.base", "backoff.cap", "budget.kind", "breaker.failure_threshold",
		"breaker.half_open_probes", "bulkhead.max_concurrent", "timeout.per_attempt", "timeout.overall", "hedge.quantile", "throttle.k", "fallback.on", "hedge.enabled"} {
		if !seen[k] {
			t.Errorf("Params lacks %s", k)
		}
	}
	// Every listed key is settable with its default.
	for _, p := range ps {
		if p.Default == "" || p.Name == "breaker.success_threshold" {
			continue
		}
		var c2 Config
		if err := c2.Set(p.Name, p.Default); err != nil {
			t.Errorf("Set(%s, default %q): %v", p.Name, p.Default, err)
		}
	}
	if c.Breaker != nil {
		t.Error("Params turned a stage on")
	}
}

// genConfig draws a pipeline configuration with any subset of stages.
func genConfig(t *rapid.T) Config {
	var kv []string
	set := func(k, v string) { kv = append(kv, k, v) }
	if rapid.Bool().Draw(t, "retry") {
		set("retry.max_attempts", fmt.Sprint(rapid.IntRange(1, 5).Draw(t, "max_attempts")))
		set("retry.backoff", rapid.SampledFrom(retry.Kinds).Draw(t, "backoff"))
		set("backoff.base", fmt.Sprint(rapid.IntRange(1, 50).Draw(t, "base_ms"), "ms"))
		set("backoff.jitter", "0.2")
		set("retry.retry_on", "timeout,unavailable,overloaded,rejected")
	}
	if rapid.Bool().Draw(t, "timeout") {
		set("timeout.per_attempt", fmt.Sprint(rapid.IntRange(0, 100).Draw(t, "per_attempt_ms"), "ms"))
		set("timeout.overall", fmt.Sprint(rapid.IntRange(1, 400).Draw(t, "overall_ms"), "ms"))
	}
	if rapid.Bool().Draw(t, "breaker") {
		set("breaker.failure_threshold", fmt.Sprint(rapid.IntRange(1, 5).Draw(t, "failure_threshold")))
		set("breaker.open_duration", fmt.Sprint(rapid.IntRange(1, 200).Draw(t, "open_ms"), "ms"))
		set("breaker.half_open_probes", fmt.Sprint(rapid.IntRange(1, 3).Draw(t, "probes")))
	}
	if rapid.Bool().Draw(t, "bulkhead") {
		set("bulkhead.max_concurrent", fmt.Sprint(rapid.IntRange(1, 4).Draw(t, "max_concurrent")))
		q := rapid.IntRange(0, 4).Draw(t, "max_queue")
		set("bulkhead.max_queue", fmt.Sprint(q))
		if q > 0 {
			set("bulkhead.max_wait", fmt.Sprint(rapid.IntRange(0, 100).Draw(t, "max_wait_ms"), "ms"))
		}
	}
	if rapid.Bool().Draw(t, "hedge") {
		set("hedge.delay", fmt.Sprint(rapid.IntRange(1, 50).Draw(t, "hedge_ms"), "ms"))
		set("hedge.max_hedges", fmt.Sprint(rapid.IntRange(1, 2).Draw(t, "max_hedges")))
	}
	if rapid.Bool().Draw(t, "budget") {
		set("budget.kind", rapid.SampledFrom([]string{"token", "ratio", "none"}).Draw(t, "budget_kind"))
	}
	if rapid.Bool().Draw(t, "throttle") {
		set("throttle.window", "1s")
	}
	if rapid.Bool().Draw(t, "retry_breaker") {
		set("retry_breaker.window_size", fmt.Sprint(rapid.IntRange(1, 10).Draw(t, "rb_window")))
		set("retry_breaker.minimum_calls", "1")
		set("retry_breaker.failure_rate_threshold", fmt.Sprint(rapid.Float64Range(0.01, 1).Draw(t, "rb_threshold")))
	}
	if rapid.Bool().Draw(t, "fallback") {
		set("fallback.enabled", "true")
	}
	var c Config
	for i := 0; i < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatalf("%s=%s: %v", kv[i], kv[i+1], err)
		}
	}
	return c
}

// Under any configuration and any server: every request ends; no request
// outlives its overall deadline (the sum of its attempts and waits stays
// within it); no request sends more attempts than allowed; the bulkhead's
// limit holds for attempts in flight; and a half-open breaker admits at most
// its probes.
func TestPipelineProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		seed := rapid.Uint64().Draw(t, "seed")
		p, err := New(cfg, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		srvRng := rand.New(rand.NewPCG(seed, 2))
		d := newDriver(random(srvRng, rapid.Float64Range(0, 1).Draw(t, "fail_p"), 150*ms))
		n := rapid.IntRange(1, 30).Draw(t, "requests")
		var reqs []*Request
		for i := range n {
			r := p.NewRequest()
			reqs = append(reqs, r)
			d.startAt(r, time.Duration(i)*time.Duration(rapid.IntRange(0, 30).Draw(t, "gap_ms"))*ms)
		}
		d.run(100000)
		maxAttempts := 1
		if cfg.Retry != nil {
			maxAttempts = cfg.Retry.MaxAttempts
		}
		if cfg.Hedge != nil {
			maxAttempts += cfg.Hedge.MaxHedges
		}
		for _, r := range reqs {
			res, done := r.Done()
			if !done {
				t.Fatalf("request %d never ended\n%s", r.ID(), strings.Join(d.log, "\n"))
			}
			if cfg.Timeout != nil {
				if took := d.doneAt[r] - d.started[r]; took > cfg.Timeout.Overall {
					t.Fatalf("request %d took %v, deadline %v\n%s", r.ID(), took, cfg.Timeout.Overall, strings.Join(d.log, "\n"))
				}
			}
			if d.sends[r] > maxAttempts || res.Attempts > maxAttempts {
				t.Fatalf("request %d sent %d (counted %d), max %d", r.ID(), d.sends[r], res.Attempts, maxAttempts)
			}
		}
		if cfg.Bulkhead != nil && d.maxIn > cfg.Bulkhead.MaxConcurrent {
			t.Fatalf("%d attempts in flight, bulkhead max %d", d.maxIn, cfg.Bulkhead.MaxConcurrent)
		}
		if b := p.Breaker(); b != nil {
			checkProbes(t, b.Transitions(), d.log, cfg.Breaker.HalfOpenProbes)
		}
	})
}

// checkProbes counts the sends made while half-open, from the driver log
// and the breaker's transitions.
func checkProbes(t *rapid.T, trs []breaker.Transition, log []string, probes int) {
	for i, tr := range trs {
		if tr.To != breaker.HalfOpen {
			continue
		}
		end := time.Duration(1 << 62)
		if i+1 < len(trs) {
			end = trs[i+1].At
		}
		sent := 0
		for _, line := range log {
			var at time.Duration
			var rest string
			at, rest = parseLog(line)
			if at >= tr.At && at < end && strings.Contains(rest, " send ") {
				sent++
			}
		}
		if sent > probes {
			t.Fatalf("half-open from %v to %v sent %d attempts, probes %d\n%s", tr.At, end, sent, probes, strings.Join(log, "\n"))
		}
	}
}

func parseLog(line string) (time.Duration, string) {
	f, rest, _ := strings.Cut(line, " ")
	d, _ := time.ParseDuration(f)
	return d, " " + rest
}

// The same seed gives the same sequence of decisions.
func TestDeterminism(t *testing.T) {
	cfg := mustConfig(t,
		"retry.max_attempts", "4", "retry.backoff", "decorrelated-jitter", "backoff.base", "10ms",
		"timeout.per_attempt", "150ms", "timeout.overall", "600ms",
		"breaker.failure_rate_threshold", "0.6", "breaker.minimum_calls", "5", "breaker.open_duration", "100ms",
		"bulkhead.max_concurrent", "12", "bulkhead.max_queue", "4", "bulkhead.max_wait", "40ms",
		"hedge.quantile", "0.5", "hedge.min_samples", "5", "budget.kind", "ratio",
		"fallback.on", "breaker-open")
	run := func() string {
		p, err := New(cfg, rand.New(rand.NewPCG(42, 7)))
		if err != nil {
			t.Fatal(err)
		}
		d := newDriver(random(rand.New(rand.NewPCG(42, 8)), 0.25, 120*ms))
		for i := range 200 {
			d.startAt(p.NewRequest(), time.Duration(i)*7*ms)
		}
		d.run(1_000_000)
		return strings.Join(d.log, "\n")
	}
	a, b := run(), run()
	if a != b {
		t.Fatal("two runs with the same seed differ")
	}
	if !strings.Contains(a, "hedge=true") || !strings.Contains(a, "fallback") || !strings.Contains(a, "cancel") {
		t.Fatal("determinism run does not exercise hedging, fallback and cancellation")
	}
}

// TestInitRequestReuse checks that a Request reinitialised after it ended
// behaves as a fresh one from NewRequest.
func TestInitRequestReuse(t *testing.T) {
	cfg := mustConfig(t, "retry.max_attempts", "3", "timeout.per_attempt", "50ms", "hedge.delay", "10ms")
	fresh, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	reused, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	for i := range 3 {
		now := time.Duration(i) * 100 * ms
		a := fresh.NewRequest()
		reused.InitRequest(&r)
		if a.ID() != r.ID() {
			t.Fatalf("request %d: ids %d and %d", i, a.ID(), r.ID())
		}
		steps := []func(*Request) Decision{
			func(q *Request) Decision { return q.Start(now) },
			func(q *Request) Decision { return q.OnTimer(now + 10*ms) },
			func(q *Request) Decision { return q.OnResult(now+20*ms, 1, Outcome{Class: retry.Timeout}) },
			func(q *Request) Decision { return q.OnResult(now+30*ms, 2, Outcome{OK: true}) },
		}
		for j, step := range steps {
			if da, dr := fmt.Sprint(step(a)), fmt.Sprint(step(&r)); da != dr {
				t.Fatalf("request %d step %d: fresh %s, reused %s", i, j, da, dr)
			}
		}
		if _, done := r.Done(); !done {
			t.Fatalf("request %d did not end", i)
		}
	}
}

// TestAbandon: a request whose caller gave up cancels what it sent,
// leaves the bulkhead's queue, and ends without a retry.
func TestAbandon(t *testing.T) {
	p, err := New(mustConfig(t, "bulkhead.max_concurrent", "1", "bulkhead.max_queue", "1", "retry.max_attempts", "3"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.NewRequest(), p.NewRequest()
	if d := a.Start(0); len(d.Send) != 1 {
		t.Fatalf("a: %+v, want one send", d)
	}
	if d := b.Start(0); len(d.Send) != 0 || p.Bulkhead().Queued() != 1 {
		t.Fatalf("b: %+v, want it queued", d)
	}
	d := b.Abandon(time.Millisecond)
	if !d.Done || d.Result.Status != Rejected || d.Result.Detail != "abandoned" || p.Bulkhead().Queued() != 0 {
		t.Fatalf("b abandoned: %+v, queued %d; want rejected, abandoned, queue empty", d, p.Bulkhead().Queued())
	}
	d = a.Abandon(2 * time.Millisecond)
	if !d.Done || d.Result.Status != Failure || !slices.Equal(d.Cancel, []int{1}) || p.Bulkhead().InFlight() != 0 {
		t.Fatalf("a abandoned: %+v, in flight %d; want failure, attempt 1 cancelled, slot free", d, p.Bulkhead().InFlight())
	}
	if d := a.Abandon(3 * time.Millisecond); d.Done || len(d.Cancel) != 0 {
		t.Fatalf("abandoning an ended request: %+v, want nothing", d)
	}
}
