package drive_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/pipeline/drive"
	"github.com/faultline/faultline/patterns/retry"
	"pgregory.net/rapid"
)

func mustConfig(t testing.TB, kv ...string) pipeline.Config {
	t.Helper()
	var cfg pipeline.Config
	for i := 0; i < len(kv); i += 2 {
		if err := cfg.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

// flaky is a loop whose server draws latencies and failures from rng.
type flaky struct {
	loop
	rng *rand.Rand
}

func (f *flaky) run() {
	for len(f.due) > 0 {
		e := f.due[0]
		f.due = f.due[1:]
		f.now = e.at
		if e.timer != nil {
			e.timer.Fire(e.id)
			continue
		}
		o := pipeline.Outcome{OK: true}
		if f.rng.Float64() < 0.3 {
			o = pipeline.Outcome{Class: []retry.Class{retry.Overloaded, retry.Unavailable, retry.Internal}[f.rng.IntN(3)]}
		}
		if f.d.Result(e.reply, o) {
			f.log = append(f.log, fmt.Sprintf("%v result %d %+v", f.now, e.reply, o))
		}
	}
}

// runSeed drives 200 requests with every stage that needs the driver's
// help on, and returns a hash of what the host saw.
func runSeed(t *testing.T, seed uint64) (uint64, string) {
	cfg := mustConfig(t, "hedge.delay", "15ms", "hedge.max_hedges", "2", "timeout.per_attempt", "60ms",
		"timeout.overall", "400ms", "retry.max_attempts", "4", "bulkhead.max_concurrent", "3",
		"bulkhead.max_queue", "4", "bulkhead.max_wait", "80ms", "breaker.failure_threshold", "8")
	p, err := pipeline.New(cfg, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	f := &flaky{rng: rng}
	f.latency = func(int) time.Duration { return time.Duration(rng.Int64N(int64(100 * time.Millisecond))) }
	f.d = drive.New(p, f, drive.Options[string]{})
	for i := range 200 {
		f.now = time.Duration(i) * 3 * time.Millisecond
		c := f.d.New()
		c.Data = fmt.Sprint("r", i)
		f.d.Start(c)
		// Deliver what is due before the next arrival.
		next := f.now + 3*time.Millisecond
		for len(f.due) > 0 && f.due[0].at < next {
			e := f.due[0]
			f.due = append(f.due[:0:0], f.due[1:]...)
			f.now = e.at
			if e.timer != nil {
				e.timer.Fire(e.id)
			} else if f.d.Result(e.reply, pipeline.Outcome{OK: rng.Float64() > 0.3, Class: retry.Overloaded}) {
				f.log = append(f.log, fmt.Sprintf("%v result %d", f.now, e.reply))
			}
		}
	}
	f.run()
	h := fnv.New64a()
	log := strings.Join(f.log, "\n")
	h.Write([]byte(log))
	return h.Sum64(), log
}

// TestDeterminism runs the same seed twice and compares hashes of the
// host's log; other seeds must give other logs.
func TestDeterminism(t *testing.T) {
	a, log := runSeed(t, 7)
	b, _ := runSeed(t, 7)
	if a != b {
		t.Fatalf("seed 7: hashes %x and %x differ", a, b)
	}
	for _, want := range []string{"hedge=true", "success", "failure", "rejected"} {
		if !strings.Contains(log, want) {
			t.Errorf("the run never shows %q: the test no longer covers it", want)
		}
	}
	if c, _ := runSeed(t, 8); c == a {
		t.Fatalf("seeds 7 and 8 gave the same hash %x", a)
	}
}

// TestQueuedBulkheadWakes: with one slot and a queue, the second request
// waits and is sent when the first ends, woken by the driver from the
// first request's decision.
func TestQueuedBulkheadWakes(t *testing.T) {
	p, err := pipeline.New(mustConfig(t, "bulkhead.max_concurrent", "1", "bulkhead.max_queue", "1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &loop{latency: func(int) time.Duration { return 10 * time.Millisecond }}
	l.d = drive.New(p, l, drive.Options[string]{})
	for _, name := range []string{"a", "b", "c"} {
		c := l.d.New()
		c.Data = name
		l.d.Start(c)
	}
	l.run()
	got := strings.Join(l.log, "\n")
	want := strings.Join([]string{
		"0s a: send attempt 1 hedge=false",
		"0s c: rejected after 1 attempts",
		"10ms a: success after 1 attempts",
		"10ms b: send attempt 1 hedge=false",
		"20ms b: success after 1 attempts",
	}, "\n")
	if got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
}

// TestStaleTimersAndLateResults: a timer fired after it was cancelled, or
// for a call that was reused, and an answer after a timeout, do nothing.
func TestStaleTimersAndLateResults(t *testing.T) {
	p, err := pipeline.New(mustConfig(t, "timeout.per_attempt", "10ms"), nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &loop{latency: func(int) time.Duration { return 50 * time.Millisecond }}
	l.d = drive.New(p, l, drive.Options[string]{})
	c := l.d.New()
	c.Data = "a"
	l.d.Start(c)
	timeout := l.due[0] // the attempt's timeout comes first
	if timeout.timer == nil {
		t.Fatalf("first due event is not the timeout: %+v", timeout)
	}
	l.run()
	if got := strings.Join(l.log, "\n"); !strings.HasSuffix(got, "10ms a: failure after 1 attempts") {
		t.Fatalf("log:\n%s", got)
	}
	if c.LastClass() != "" {
		t.Fatalf("an ended call is not cleared for reuse: last class %q", c.LastClass())
	}
	// The same storage, reused by the next request.
	c2 := l.d.New()
	if c2 != c {
		t.Fatalf("the ended call was not reused")
	}
	c2.Data = "b"
	l.d.Start(c2)
	n := len(l.log)
	// The payload now belongs to b's attempt; only its old id tells the
	// two apart (a host that passes 0 relies on cancelled timers never
	// firing).
	timeout.timer.Fire(timeout.id)
	if l.d.Result(1, pipeline.Outcome{OK: true}) {
		t.Fatal("a late answer to attempt 1 was taken")
	}
	if len(l.log) != n {
		t.Fatalf("stale timer or late answer acted: %v", l.log[n:])
	}
}

// quiet is a host that allocates nothing: one attempt on the wire at a
// time, timers counted but never fired.
type quiet struct {
	sent  uint64
	timer drive.TimerID
	ended int
}

func (q *quiet) Now() time.Duration                                  { return 0 }
func (q *quiet) Send(_ *drive.Call[int], id uint64, _ pipeline.Send) { q.sent = id }
func (q *quiet) SetTimer(time.Duration, *drive.Timer) drive.TimerID  { q.timer++; return q.timer }
func (q *quiet) CancelTimer(drive.TimerID)                           {}
func (q *quiet) Done(*drive.Call[int], pipeline.Result)              { q.ended++ }

// TestSteadyStateAllocs: once warm, a request with a timeout and a retry
// costs the driver no allocation.
func TestSteadyStateAllocs(t *testing.T) {
	p, err := pipeline.New(mustConfig(t, "timeout.per_attempt", "1s", "retry.max_attempts", "2", "retry.backoff", "none"), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := &quiet{}
	d := drive.New(p, q, drive.Options[int]{})
	step := func() {
		d.Start(d.New())
		d.Result(q.sent, pipeline.Outcome{Class: retry.Unavailable})
		d.Result(q.sent, pipeline.Outcome{OK: true})
	}
	for range 1000 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocs per request, want 0", n)
	}
	if q.ended != 1000+1001 {
		t.Fatalf("%d requests ended, want %d", q.ended, 2001)
	}
}

// TestTableMatchesMap checks the id table against a map through the
// driver: answers to random attempt ids are taken exactly when the
// attempt is on the wire.
func TestTableMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, _ := pipeline.New(pipeline.Config{}, nil)
		q := &quiet{}
		d := drive.New(p, q, drive.Options[int]{})
		live := map[uint64]bool{}
		var ids []uint64
		for range rapid.IntRange(0, 6000).Draw(t, "ops") {
			if rapid.IntRange(0, 2).Draw(t, "op") < 2 {
				d.Start(d.New())
				live[q.sent] = true
				ids = append(ids, q.sent)
				continue
			}
			if len(ids) == 0 {
				continue
			}
			// Mostly recent ids, so some attempts live long.
			i := len(ids) - 1 - rapid.IntRange(0, min(len(ids)-1, 5000)).Draw(t, "age")
			id := ids[i]
			if got := d.Pending(id) != nil; got != live[id] {
				t.Fatalf("Pending(%d) = %v, want %v", id, got, live[id])
			}
			if got := d.Result(id, pipeline.Outcome{OK: true}); got != live[id] {
				t.Fatalf("Result(%d) = %v, want %v", id, got, live[id])
			}
			delete(live, id)
		}
	})
}
