package breaker

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

const ms = time.Millisecond

// op is one step of a scripted breaker test.
type op struct {
	at      time.Duration
	call    bool // Allow, then Record with ok and latency
	ok      bool
	latency time.Duration
	want    State // state after the step
}

func runOps(t *testing.T, b *Breaker, ops []op) {
	t.Helper()
	for i, o := range ops {
		if o.call {
			if p, err := b.Allow(o.at); err == nil {
				b.Record(o.at, p, o.ok, o.latency)
			}
		}
		if got := b.State(o.at); got != o.want {
			t.Fatalf("step %d at %v: state %v, want %v", i, o.at, got, o.want)
		}
	}
}

func TestRules(t *testing.T) {
	fail := func(at time.Duration, want State) op { return op{at: at, call: true, want: want} }
	okc := func(at time.Duration, want State) op { return op{at: at, call: true, ok: true, want: want} }
	slow := func(at time.Duration, want State) op {
		return op{at: at, call: true, ok: true, latency: time.Second, want: want}
	}
	tests := []struct {
		name string
		cfg  Config
		ops  []op
		log  string
	}{
		{
			name: "consecutive failures trip, success resets count",
			cfg:  Config{FailureThreshold: 3, OpenDuration: time.Second},
			ops: []op{fail(0, Closed), fail(1, Closed), okc(2, Closed), fail(3, Closed), fail(4, Closed),
				fail(5, Open), {at: 999 * ms, want: Open}, {at: 1005 * ms, want: HalfOpen}, okc(1006*ms, Closed)},
			log: "[5ns closed->open failure-threshold 1.000000005s open->half-open open-duration-elapsed 1.006s half-open->closed probes-succeeded]",
		},
		{
			name: "failed probe reopens",
			cfg:  Config{FailureThreshold: 1, OpenDuration: time.Second},
			ops:  []op{fail(0, Open), fail(time.Second, Open), {at: 2 * time.Second, want: HalfOpen}},
			log:  "[0s closed->open failure-threshold 1s open->half-open open-duration-elapsed 1s half-open->open probe-failed 2s open->half-open open-duration-elapsed]",
		},
		{
			name: "failure rate waits for minimum calls",
			cfg:  Config{FailureRateThreshold: 0.5, MinimumCalls: 4, WindowSize: 4},
			ops:  []op{fail(0, Closed), fail(1, Closed), fail(2, Closed), okc(3, Open)},
			log:  "[3ns closed->open failure-rate]",
		},
		{
			name: "count window forgets old failures",
			cfg:  Config{FailureRateThreshold: 0.75, MinimumCalls: 4, WindowSize: 4},
			ops:  []op{fail(0, Closed), fail(1, Closed), okc(2, Closed), okc(3, Closed), okc(4, Closed), fail(5, Closed), okc(6, Closed)},
			log:  "[]",
		},
		{
			name: "slow-call rate trips",
			cfg:  Config{SlowCallRateThreshold: 0.5, SlowCallDuration: 500 * ms, MinimumCalls: 2, WindowSize: 10},
			ops:  []op{okc(0, Closed), slow(1, Open)},
			log:  "[1ns closed->open slow-call-rate]",
		},
		{
			name: "time window forgets old failures",
			cfg:  Config{Window: TimeWindow, WindowDuration: 10 * time.Second, FailureRateThreshold: 0.5, MinimumCalls: 3},
			ops:  []op{fail(0, Closed), fail(time.Second, Closed), okc(20*time.Second, Closed), okc(21*time.Second, Closed), fail(22*time.Second, Closed)},
			log:  "[]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			runOps(t, b, tt.ops)
			if got := fmtLog(b.Transitions()); got != tt.log {
				t.Fatalf("log\n got %s\nwant %s", got, tt.log)
			}
		})
	}
}

func fmtLog(ts []Transition) string {
	s := "["
	for i, tr := range ts {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%v %v->%v %s", tr.At, tr.From, tr.To, tr.Reason)
	}
	return s + "]"
}

func TestHalfOpenProbesAndStalePermits(t *testing.T) {
	var seen []Transition
	b, _ := New(Config{FailureThreshold: 1, OpenDuration: time.Second, HalfOpenProbes: 2, SuccessThreshold: 2,
		OnStateChange: func(tr Transition) { seen = append(seen, tr) }})
	stale, _ := b.Allow(0)
	p0, _ := b.Allow(0)
	b.Record(0, p0, false, 0) // trips
	if _, err := b.Allow(10 * ms); err != ErrOpen {
		t.Fatalf("open breaker admitted: %v", err)
	}
	p1, err1 := b.Allow(time.Second)
	p2, err2 := b.Allow(time.Second)
	_, err3 := b.Allow(time.Second)
	if err1 != nil || err2 != nil || err3 != ErrTooManyProbes {
		t.Fatalf("probes: %v %v %v", err1, err2, err3)
	}
	b.Record(time.Second, stale, false, 0) // from the old generation: ignored
	if b.State(time.Second) != HalfOpen {
		t.Fatal("stale failure reopened the breaker")
	}
	b.Cancel(time.Second, p2) // slot given back
	p3, err := b.Allow(time.Second)
	if err != nil {
		t.Fatalf("cancelled probe slot not returned: %v", err)
	}
	b.Record(time.Second, p1, true, 0)
	b.Record(time.Second, p3, true, 0)
	if b.State(time.Second) != Closed {
		t.Fatal("two successful probes did not close")
	}
	if len(seen) != 3 || b.Stats().Stale != 1 {
		t.Fatalf("callback saw %d transitions, stale=%d", len(seen), b.Stats().Stale)
	}
}

func TestConfig(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{{"failure_threshold", "7"}, {"failure_rate_threshold", "0.5"}, {"window", "time"}, {"open_duration", "2s"}, {"half_open_probes", "3"}, {"success_threshold", "2"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(c); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		k, v, want string
	}{
		{"window", "sliding", `window: unknown value "sliding" (accepted: count, time)`},
		{"failure_rate_threshold", "1.5", `failure_rate_threshold: bad value "1.5" (accepted: a number in [0, 1])`},
		{"open_duration", "5", `open_duration: bad duration "5" (accepted: a duration > 0 such as 100ms, 2s)`},
		{"failure_threshold", "-1", `failure_threshold: bad value "-1" (accepted: an integer in [0, 2147483647])`},
	}
	for _, tt := range bad {
		if err := c.Set(tt.k, tt.v); err == nil || err.Error() != tt.want {
			t.Errorf("Set(%s, %s) = %v, want %s", tt.k, tt.v, err, tt.want)
		}
	}
	if _, err := New(Config{HalfOpenProbes: 1, SuccessThreshold: 2}); err == nil {
		t.Error("success_threshold > half_open_probes accepted")
	}
	if _, err := New(Config{FailureRateThreshold: 0.5, WindowSize: 5, MinimumCalls: 10}); err == nil {
		t.Error("minimum_calls > window_size accepted")
	}
}

// A half-open breaker never admits more calls than its probe count, an open
// breaker admits nothing, and the transition log is a consistent path.
func TestBreakerProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			FailureThreshold:     rapid.IntRange(0, 5).Draw(t, "failure_threshold"),
			FailureRateThreshold: rapid.SampledFrom([]float64{0, 0.3, 0.5, 1}).Draw(t, "rate"),
			Window:               rapid.SampledFrom([]WindowKind{CountWindow, TimeWindow}).Draw(t, "window"),
			WindowSize:           10,
			WindowDuration:       time.Second,
			MinimumCalls:         rapid.IntRange(1, 10).Draw(t, "minimum_calls"),
			OpenDuration:         time.Duration(rapid.IntRange(1, 500).Draw(t, "open_ms")) * ms,
			HalfOpenProbes:       rapid.IntRange(1, 4).Draw(t, "probes"),
		}
		b, err := New(cfg)
		if err != nil {
			t.Skip(err)
		}
		probes := b.Config().HalfOpenProbes
		var held []Permit
		admittedHalfOpen, lastGen := 0, uint64(0)
		now := time.Duration(0)
		prev := Closed
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			now += time.Duration(rapid.IntRange(0, 100).Draw(t, "dt_ms")) * ms
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				st := b.State(now)
				p, err := b.Allow(now)
				if st == Open && err == nil {
					t.Fatalf("open breaker admitted at %v", now)
				}
				if err != nil {
					break
				}
				held = append(held, p)
				if st == HalfOpen {
					if b.gen != lastGen {
						admittedHalfOpen, lastGen = 0, b.gen
					}
					admittedHalfOpen++
					if admittedHalfOpen > probes {
						t.Fatalf("half-open admitted %d calls, probes %d", admittedHalfOpen, probes)
					}
				}
			case 1, 2:
				if len(held) == 0 {
					break
				}
				i := rapid.IntRange(0, len(held)-1).Draw(t, "which")
				if rapid.IntRange(0, 4).Draw(t, "abandon") == 0 {
					b.Abandon(now, held[i])
				} else {
					b.Record(now, held[i], rapid.Bool().Draw(t, "ok"), 0)
				}
				held = append(held[:i], held[i+1:]...)
			}
			for _, tr := range b.Transitions() {
				if tr.From != prev || tr.From == tr.To || tr.At > now {
					t.Fatalf("bad transition %+v after %v", tr, prev)
				}
				prev = tr.To
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		b, _ := New(Config{FailureRateThreshold: 0.5, MinimumCalls: 5, WindowSize: 10, OpenDuration: 100 * ms, HalfOpenProbes: 2})
		for i := range 1000 {
			now := time.Duration(i) * 7 * ms
			if p, err := b.Allow(now); err == nil {
				b.Record(now, p, i%3 != 0 && i%11 != 0, 0)
			}
		}
		return fmtLog(b.Transitions())
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("runs differ:\n%s\n%s", a, b)
	}
}

func Example() {
	b, _ := New(Config{FailureThreshold: 2, OpenDuration: time.Second})
	for i := range 3 {
		if p, err := b.Allow(0); err != nil {
			fmt.Println("call", i, err)
		} else {
			b.Record(0, p, false, 10*time.Millisecond)
		}
	}
	p, _ := b.Allow(time.Second) // the probe
	b.Record(time.Second, p, true, 10*time.Millisecond)
	for _, tr := range b.Transitions() {
		fmt.Println(tr.At, tr.From, "->", tr.To, tr.Reason)
	}
	// Output:
	// call 2 circuit breaker is open
	// 0s closed -> open failure-threshold
	// 1s open -> half-open open-duration-elapsed
	// 1s half-open -> closed probes-succeeded
}

// Abandoned probes keep their slot, and cannot leave the breaker half-open.
func TestAbandon(t *testing.T) {
	tests := []struct {
		name   string
		oks    []int // per probe: 1 success, 0 failure, -1 abandoned
		want   State
		reason string
	}{
		{"success and abandon close", []int{1, -1}, Closed, "probes-succeeded"},
		{"all abandoned reopen", []int{-1, -1}, Open, "probes-abandoned"},
		{"failure reopens", []int{-1, 0}, Open, "probe-failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := New(Config{FailureThreshold: 1, OpenDuration: time.Second, HalfOpenProbes: 2, SuccessThreshold: 2})
			p, _ := b.Allow(0)
			b.Record(0, p, false, 0)
			var ps []Permit
			for range tt.oks {
				p, err := b.Allow(time.Second)
				if err != nil {
					t.Fatal(err)
				}
				ps = append(ps, p)
			}
			if _, err := b.Allow(time.Second); err != ErrTooManyProbes {
				t.Fatalf("third probe: %v", err)
			}
			for i, ok := range tt.oks {
				switch ok {
				case -1:
					b.Abandon(time.Second, ps[i])
				default:
					b.Record(time.Second, ps[i], ok == 1, 0)
				}
			}
			trs := b.Transitions()
			if got := b.State(time.Second); got != tt.want || trs[len(trs)-1].Reason != tt.reason {
				t.Fatalf("state %v reason %s, want %v %s", got, trs[len(trs)-1].Reason, tt.want, tt.reason)
			}
		})
	}
}
