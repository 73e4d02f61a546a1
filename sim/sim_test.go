package sim

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// gossip is a small workload: each event schedules 0–2 more at random
// delays, traced, until a budget is spent.
type gossip struct {
	w      *World
	rng    *rand.Rand
	budget int
}

func (g *gossip) Handle(ev *Event) {
	g.w.Trace(Record{Kind: "tick", Node: ev.Node, Peer: -1, ID: uint64(ev.A)})
	if g.budget <= 0 {
		return
	}
	for range g.rng.IntN(3) {
		g.budget--
		g.w.After(time.Duration(g.rng.IntN(5))*time.Millisecond, g, Event{Kind: 1, Node: int32(g.rng.IntN(8)), A: ev.A + 1})
	}
}

func runGossip(seed uint64, opts Options) (*World, error) {
	w := New(seed, opts)
	g := &gossip{w: w, rng: w.Rand("gossip"), budget: 500}
	for i := range 4 {
		w.Schedule(0, g, Event{Node: int32(i)})
	}
	return w, w.Run()
}

func TestSameSeedSameHash(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		a, err := runGossip(seed, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := runGossip(seed, Options{})
		if a.TraceHash() != b.TraceHash() || a.Events() != b.Events() {
			t.Fatalf("seed %d: hashes %x and %x differ", seed, a.TraceHash(), b.TraceHash())
		}
	}
}

func TestDifferentSeedsDiffer(t *testing.T) {
	seen := map[uint64]uint64{}
	for seed := uint64(0); seed < 50; seed++ {
		w, _ := runGossip(seed, Options{})
		if prev, ok := seen[w.TraceHash()]; ok {
			t.Fatalf("seeds %d and %d share hash %x", prev, seed, w.TraceHash())
		}
		seen[w.TraceHash()] = seed
	}
}

func TestSinkDoesNotChangeHash(t *testing.T) {
	a, _ := runGossip(3, Options{})
	var buf bytes.Buffer
	s := NewJSONLSink(&buf)
	b, _ := runGossip(3, Options{Sink: s})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if a.TraceHash() != b.TraceHash() {
		t.Fatal("a trace sink changed the hash")
	}
	if buf.Len() == 0 {
		t.Fatal("sink wrote nothing")
	}
}

func TestShuffleTiesChangesOrderDeterministically(t *testing.T) {
	order := func(shuffle bool, seed uint64) []int32 {
		w := New(seed, Options{ShuffleTies: shuffle})
		var got []int32
		h := HandlerFunc(func(ev *Event) { got = append(got, ev.Node) })
		for i := range 20 {
			w.Schedule(5, h, Event{Node: int32(i)})
		}
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	plain := order(false, 1)
	for i, n := range plain {
		if int(n) != i {
			t.Fatalf("without shuffle, ties must run in insertion order: %v", plain)
		}
	}
	s1, s2 := order(true, 1), order(true, 1)
	if !equal(s1, s2) {
		t.Fatal("shuffled order differs between runs of one seed")
	}
	if equal(s1, plain) {
		t.Fatal("shuffle left 20 ties in insertion order")
	}
}

func equal(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreamsAreIndependent(t *testing.T) {
	w1 := New(9, Options{})
	w2 := New(9, Options{})
	_ = w2.Rand("other").Uint64() // a draw in another stream
	w2.Rand("other").Uint64()
	for range 100 {
		if w1.Rand("net").Uint64() != w2.Rand("net").Uint64() {
			t.Fatal("a draw in stream other shifted stream net")
		}
	}
	if NewStream(9, "a").Uint64() == NewStream(9, "b").Uint64() {
		t.Fatal("streams a and b start alike")
	}
}

func TestEventOrder(t *testing.T) {
	w := New(1, Options{})
	var got []Time
	h := HandlerFunc(func(ev *Event) { got = append(got, w.Now()) })
	for _, at := range []Time{30, 10, 20, 10, 0} {
		w.Schedule(at, h, Event{})
	}
	if err := w.RunUntil(15); err != nil {
		t.Fatal(err)
	}
	if w.Now() != 15 || len(got) != 3 {
		t.Fatalf("RunUntil(15): now %v, handled %v", w.Now(), got)
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := []Time{0, 10, 10, 20, 30}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestLimits(t *testing.T) {
	self := func(w *World, d time.Duration) Handler {
		var h HandlerFunc
		h = func(ev *Event) { w.After(d, h, Event{}) }
		return h
	}
	tests := []struct {
		name   string
		limits Limits
		delay  time.Duration
		want   string
	}{
		{"events", Limits{MaxEvents: 100}, time.Millisecond, "max_events"},
		{"time", Limits{MaxTime: Time(time.Second)}, time.Millisecond, "max_time"},
		{"livelock", Limits{LivelockEvents: 1000}, 0, "livelock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(1, Options{Limits: tt.limits})
			w.Schedule(0, self(w, tt.delay), Event{})
			err := w.Run()
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tt.want {
				t.Fatalf("got %v, want limit %s", err, tt.want)
			}
		})
	}
	t.Run("pending", func(t *testing.T) {
		w := New(1, Options{Limits: Limits{MaxPending: 10}})
		var h HandlerFunc
		h = func(ev *Event) { w.After(1, h, Event{}); w.After(1, h, Event{}) }
		w.Schedule(0, h, Event{})
		var le *LimitError
		if err := w.Run(); !errors.As(err, &le) || le.Limit != "max_pending" {
			t.Fatalf("got %v", err)
		}
	})
}

func TestInterrupt(t *testing.T) {
	w := New(1, Options{})
	var h HandlerFunc
	h = func(ev *Event) {
		if w.Events() == 5000 {
			w.Interrupt()
		}
		w.After(1, h, Event{})
	}
	w.Schedule(0, h, Event{})
	if err := w.Run(); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v", err)
	}
}

func TestPanicIsReported(t *testing.T) {
	w := New(4, Options{})
	w.Schedule(Time(time.Second), HandlerFunc(func(ev *Event) { panic("boom") }), Event{Node: 3, Kind: 7})
	err := w.Run()
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Node != 3 || pe.Kind != 7 || pe.At != Time(time.Second) || pe.Event != 1 || pe.Stack == "" {
		t.Fatalf("bad report %+v", pe)
	}
}

func TestScheduleInPastPanics(t *testing.T) {
	w := New(1, Options{})
	w.Schedule(10, HandlerFunc(func(ev *Event) { w.Schedule(5, nil, Event{}) }), Event{})
	var pe *PanicError
	if err := w.Run(); !errors.As(err, &pe) {
		t.Fatalf("scheduling in the past: got %v", err)
	}
}

func TestEngineSteadyStateAllocs(t *testing.T) {
	w := New(1, Options{Limits: Limits{MaxEvents: 1 << 62}})
	c := &chain{w: w, rng: w.Rand("a")}
	for range 1000 {
		w.After(1, c, Event{})
	}
	_ = w.RunUntil(Time(time.Second)) // warm up the heap's capacity
	if !w.q.on {
		t.Fatal("the calendar is off with 1 000 events pending; this test means to cover it")
	}
	allocs := testing.AllocsPerRun(10, func() {
		_ = w.RunUntil(w.Now().Add(10 * time.Millisecond))
	})
	if allocs > 0 {
		t.Fatalf("%.1f allocations per run of events, want 0", allocs)
	}
}

func TestRunEventsBudget(t *testing.T) {
	w := New(1, Options{})
	c := &chain{w: w, rng: w.Rand("a")}
	w.After(1, c, Event{})
	if err := w.RunEvents(10); err != nil || w.Events() != 10 {
		t.Fatalf("events %d, err %v", w.Events(), err)
	}
	if err := w.RunEvents(5); err != nil || w.Events() != 15 {
		t.Fatalf("events %d, err %v", w.Events(), err)
	}
}

// Post is Schedule without the Event: the same events in the same order
// give the same trace hash.
func TestPostIsSchedule(t *testing.T) {
	run := func(post bool) uint64 {
		w := New(3, Options{ShuffleTies: true})
		var h HandlerFunc
		h = func(ev *Event) {
			if ev.A < 200 {
				at := w.Now().Add(time.Duration(ev.A % 7))
				if post {
					w.Post(at, h, 2, ev.Node, ev.A+1, ev.B, ev.Ptr)
				} else {
					w.Schedule(at, h, Event{Kind: 2, Node: ev.Node, A: ev.A + 1, B: ev.B, Ptr: ev.Ptr})
				}
			}
		}
		for i := range 5 {
			w.Schedule(Time(i), h, Event{Kind: 1, Node: int32(i), A: int64(i)})
		}
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return w.TraceHash()
	}
	if a, b := run(false), run(true); a != b {
		t.Fatalf("Schedule gave hash %x, Post %x", a, b)
	}
	w := New(1, Options{})
	_ = w.RunUntil(10)
	defer func() {
		if recover() == nil {
			t.Fatal("Post in the past did not panic")
		}
	}()
	w.Post(5, HandlerFunc(func(*Event) {}), 0, 0, 0, 0, nil)
}
