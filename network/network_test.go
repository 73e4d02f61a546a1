package network

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// TestRates sends 100 000 messages over one link and checks that each
// fault happens at its configured rate, ± 0.5 percentage points.
func TestRates(t *testing.T) {
	const sent = 100_000
	tests := []struct {
		name string
		link Link
		rate func(s LinkStats, r *recv) float64
		want float64
	}{
		{"loss", Link{Loss: 0.1}, func(s LinkStats, _ *recv) float64 { return float64(s.Dropped[CauseLoss]) }, 0.1},
		{"no loss", Link{}, func(s LinkStats, _ *recv) float64 { return float64(s.DroppedTotal()) }, 0},
		{"duplicate", Link{Duplicate: 0.1}, func(s LinkStats, r *recv) float64 {
			if int(s.Delivered) != len(r.got) || s.Delivered != s.Sent+s.Duplicated {
				return math.NaN()
			}
			return float64(s.Duplicated)
		}, 0.1},
		{"corrupt", Link{Corrupt: 0.02}, func(s LinkStats, r *recv) float64 {
			flagged := 0
			for _, m := range r.got {
				if m.Corrupted {
					flagged++
				}
			}
			if uint64(flagged) != s.Corrupted {
				return math.NaN()
			}
			return float64(s.Corrupted)
		}, 0.02},
		{"loss and duplicate", Link{Loss: 0.3, Duplicate: 0.05, Latency: Dist{Kind: Uniform, Min: ms(1), Max: ms(5)}},
			func(s LinkStats, _ *recv) float64 { return float64(s.Dropped[CauseLoss]) }, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, nw, r := newNet(t, 7, 2, tt.link)
			for range sent {
				nw.Send(0, 1, nil, 10)
			}
			run(t, w)
			s := nw.Stats(0, 1)
			balanced(t, tt.name, s)
			got := tt.rate(s, r) / sent
			if !(math.Abs(got-tt.want) <= 0.005) {
				t.Fatalf("rate %.4f, want %.3f ± 0.005 (stats %+v)", got, tt.want, s)
			}
		})
	}
}

// outOfOrder counts deliveries of a message after a later one.
func outOfOrder(ids []uint64) int {
	n := 0
	var top uint64
	for _, id := range ids {
		if id < top {
			n++
		}
		top = max(top, id)
	}
	return n
}

func TestReorder(t *testing.T) {
	const count = 100_000
	tests := []struct {
		name     string
		link     Link
		min, max float64 // fraction of out-of-order deliveries
	}{
		{"reorder 5% on a constant link", Link{Latency: Const(ms(1)), Reorder: 0.05}, 0.045, 0.055},
		{"reorder 20% with a reorder delay", Link{Latency: Const(ms(1)), Reorder: 0.2, ReorderDelay: Const(ms(2))}, 0.19, 0.21},
		{"no reorder on a constant link", Link{Latency: Const(ms(1))}, 0, 0},
		{"latency spread alone reorders", Link{Latency: Dist{Kind: Uniform, Min: ms(1), Max: ms(5)}}, 0.5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, nw, r := newNet(t, 3, 2, tt.link)
			sendEvery(w, nw, 0, 1, count, 100*time.Microsecond, 10)
			run(t, w)
			if len(r.got) != count {
				t.Fatalf("delivered %d of %d", len(r.got), count)
			}
			got := float64(outOfOrder(r.ids())) / count
			if got < tt.min || got > tt.max {
				t.Fatalf("out-of-order fraction %.4f, want [%v, %v]", got, tt.min, tt.max)
			}
			if tt.link.Reorder > 0 {
				if f := float64(nw.Stats(0, 1).Reordered) / count; math.Abs(f-tt.link.Reorder) > 0.005 {
					t.Fatalf("reordered counter %.4f, want %v", f, tt.link.Reorder)
				}
			}
		})
	}
}

func TestBandwidth(t *testing.T) {
	t.Run("serialization delay is size/bandwidth", func(t *testing.T) {
		w, nw, r := newNet(t, 1, 2, Link{Latency: Const(ms(10)), BandwidthBytesPerSec: 1000})
		nw.Send(0, 1, nil, 500) // 0.5 s on the wire, then 10 ms
		nw.Send(0, 1, nil, 250) // waits for the first: done at 0.75 s
		run(t, w)
		want := []sim.Time{sim.At(510 * time.Millisecond), sim.At(760 * time.Millisecond)}
		if !slices.Equal(r.at, want) {
			t.Fatalf("arrivals %v, want %v", r.at, want)
		}
	})
	t.Run("queue full drops", func(t *testing.T) {
		w, nw, r := newNet(t, 1, 2, Link{Latency: Const(ms(10)), BandwidthBytesPerSec: 1000, QueueBytes: 3000})
		for range 5 {
			nw.Send(0, 1, nil, 1000) // the queue holds three
		}
		if err := w.RunUntil(sim.At(2500 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		nw.Send(0, 1, nil, 1000) // 500 bytes still queued: fits, done at 4 s
		nw.Send(0, 1, nil, 2000) // 1500 + 2000 > 3000: dropped
		run(t, w)
		s := nw.Stats(0, 1)
		balanced(t, "queue", s)
		if s.Dropped[CauseQueueFull] != 3 || s.Delivered != 4 {
			t.Fatalf("queue_full %d, delivered %d; want 3 and 4", s.Dropped[CauseQueueFull], s.Delivered)
		}
		want := []sim.Time{sim.At(1010 * time.Millisecond), sim.At(2010 * time.Millisecond), sim.At(3010 * time.Millisecond), sim.At(4010 * time.Millisecond)}
		if !slices.Equal(r.at, want) {
			t.Fatalf("arrivals %v, want %v", r.at, want)
		}
	})
	t.Run("a message larger than the queue never fits", func(t *testing.T) {
		w, nw, _ := newNet(t, 1, 2, Link{BandwidthBytesPerSec: 1000, QueueBytes: 100})
		nw.Send(0, 1, nil, 101)
		run(t, w)
		if s := nw.Stats(0, 1); s.Dropped[CauseQueueFull] != 1 {
			t.Fatalf("stats %+v, want one queue_full drop", s)
		}
	})
}

func TestTxTime(t *testing.T) {
	tests := []struct {
		size, bw int64
		want     time.Duration
	}{
		{0, 1, 0},
		{1, 1, time.Second},
		{1000, 1_000_000, time.Millisecond},
		{1, 3, 333_333_334 * time.Nanosecond}, // rounded up
		{math.MaxInt64, 1, time.Hour},         // capped, no overflow
		{math.MaxInt64, math.MaxInt64, time.Second},
	}
	for _, tt := range tests {
		if got := txTime(tt.size, tt.bw); got != tt.want {
			t.Errorf("txTime(%d, %d) = %v, want %v", tt.size, tt.bw, got, tt.want)
		}
	}
}

func TestClog(t *testing.T) {
	w, nw, r := newNet(t, 1, 3, Link{Latency: Const(ms(10))})
	if err := nw.Clog(0, 1, 5, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	nw.Send(0, 1, nil, 1) // clogged: 50 ms
	nw.Send(1, 0, nil, 1) // the other direction is not: 10 ms
	if err := w.RunUntil(sim.At(150 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if f := nw.Clogged(0, 1); f != 1 {
		t.Fatalf("factor after the period %v, want 1", f)
	}
	nw.Send(0, 1, nil, 1) // unclogged: arrives at 160 ms
	// A manual clog with no period lasts until Unclog.
	if err := nw.ClogNode(2, 3, 0); err != nil {
		t.Fatal(err)
	}
	nw.Send(2, 0, nil, 1) // 30 ms: 180 ms
	if err := w.RunUntil(sim.At(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := nw.Unclog(2, 0); err != nil {
		t.Fatal(err)
	}
	nw.Send(2, 0, nil, 1) // 1.01 s
	nw.Send(0, 2, nil, 1) // still clogged into n3: 1.03 s
	run(t, w)
	want := []sim.Time{sim.At(ms(10)), sim.At(ms(50)), sim.At(ms(160)), sim.At(ms(180)), sim.At(ms(1010)), sim.At(ms(1030))}
	if !slices.Equal(r.at, want) {
		t.Fatalf("arrivals %v, want %v", r.at, want)
	}
	for _, bad := range []struct {
		f float64
		d time.Duration
	}{{0, time.Second}, {-1, time.Second}, {math.NaN(), 0}, {math.Inf(1), 0}, {2, -time.Second}} {
		if err := nw.Clog(0, 1, bad.f, bad.d); err == nil {
			t.Errorf("Clog(factor %v, duration %v) accepted", bad.f, bad.d)
		}
	}
	if err := nw.Clog(0, 7, 2, 0); err == nil {
		t.Error("Clog of a node out of range accepted")
	}
}

// TestClogRenewed checks that the unclog of an earlier clog does not end a
// later one.
func TestClogRenewed(t *testing.T) {
	w, nw, _ := newNet(t, 1, 2, Link{})
	_ = nw.Clog(0, 1, 2, 100*time.Millisecond)
	_ = w.RunUntil(sim.At(ms(50)))
	_ = nw.Clog(0, 1, 4, 100*time.Millisecond)
	_ = w.RunUntil(sim.At(ms(120)))
	if f := nw.Clogged(0, 1); f != 4 {
		t.Fatalf("factor at 120 ms %v, want 4 (the second clog runs to 150 ms)", f)
	}
	_ = w.RunUntil(sim.At(ms(151)))
	if f := nw.Clogged(0, 1); f != 1 {
		t.Fatalf("factor at 151 ms %v, want 1", f)
	}
}

func TestHoldRelease(t *testing.T) {
	w, nw, r := newNet(t, 1, 2, Link{Latency: Const(ms(1))})
	if err := nw.Hold(0, 1); err != nil {
		t.Fatal(err)
	}
	a := nw.Send(0, 1, "a", 1)
	b := nw.Send(0, 1, "b", 1)
	c := nw.Send(0, 1, "c", 1)
	back := nw.Send(1, 0, "back", 1) // the other direction is not held
	run(t, w)
	if got := r.ids(); !slices.Equal(got, []uint64{back}) {
		t.Fatalf("delivered %v before any release, want only %d", got, back)
	}
	held := nw.Held(0, 1)
	if len(held) != 3 || held[0].ID != a || held[1].ID != b || held[2].ID != c || held[1].Payload != "b" {
		t.Fatalf("held %+v, want a, b, c", held)
	}
	balanced(t, "held", nw.Stats(0, 1))
	if err := nw.ReleaseOne(0, 1, b); err != nil {
		t.Fatal(err)
	}
	if err := nw.ReleaseOne(0, 1, b); err == nil {
		t.Fatal("releasing b twice succeeded")
	}
	run(t, w)
	if got := r.ids(); !slices.Equal(got, []uint64{back, b}) {
		t.Fatalf("after ReleaseOne(b): delivered %v", got)
	}
	d := nw.Send(0, 1, "d", 1) // still held
	run(t, w)
	if n := nw.ReleaseAll(0, 1); n != 3 {
		t.Fatalf("ReleaseAll released %d, want 3", n)
	}
	e := nw.Send(0, 1, "e", 1) // the hold has ended
	run(t, w)
	if got := r.ids(); !slices.Equal(got, []uint64{back, b, a, c, d, e}) {
		t.Fatalf("delivered %v, want back, b, a, c, d, e", got)
	}
	s := nw.Stats(0, 1)
	balanced(t, "released", s)
	if s.Delivered != 5 || s.Held != 0 || s.InFlight != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestLateDuplicateAfterRetry aims a fault the way a test of idempotency
// needs it: the first attempt of a request is held, the retry gets
// through, and then the first attempt arrives late, as a duplicate.
func TestLateDuplicateAfterRetry(t *testing.T) {
	w, nw, r := newNet(t, 1, 2, Link{Latency: Const(ms(2))})
	_ = nw.Hold(0, 1)
	first := nw.Send(0, 1, "put k=1 (attempt 1)", 20)
	_ = w.RunUntil(sim.At(ms(50))) // the client's timeout
	retry := nw.Send(0, 1, "put k=1 (attempt 2)", 20)
	_ = w.RunUntil(sim.At(ms(100)))
	if err := nw.ReleaseOne(0, 1, retry); err != nil {
		t.Fatal(err)
	}
	_ = w.RunUntil(sim.At(ms(200)))
	if n := nw.ReleaseAll(0, 1); n != 1 {
		t.Fatalf("released %d late messages, want 1", n)
	}
	run(t, w)
	if got := r.ids(); !slices.Equal(got, []uint64{retry, first}) {
		t.Fatalf("arrival order %v, want the retry %d then the late first attempt %d", got, retry, first)
	}
	if r.at[1] != sim.At(ms(200)) {
		t.Fatalf("late attempt arrived at %v, want 200ms", r.at[1])
	}
}

func TestRules(t *testing.T) {
	type want struct {
		delivered int
		arrival   sim.Time // of the first delivery
		rule      uint64   // drops by rule
	}
	tests := []struct {
		name  string
		rules []func(m *Message) Verdict
		want  want
	}{
		{"no rules", nil, want{2, sim.At(ms(1)), 0}},
		{"pass", []func(*Message) Verdict{func(*Message) Verdict { return Pass }}, want{2, sim.At(ms(1)), 0}},
		{"drop to n2", []func(*Message) Verdict{func(m *Message) Verdict {
			if m.To == 1 {
				return Drop
			}
			return Pass
		}}, want{1, sim.At(ms(1)), 1}},
		{"drop by payload", []func(*Message) Verdict{func(m *Message) Verdict {
			if m.Payload == "x" {
				return Drop
			}
			return Pass
		}}, want{1, sim.At(ms(1)), 1}},
		{"delays add up", []func(*Message) Verdict{
			func(*Message) Verdict { return Delay(ms(5)) },
			func(*Message) Verdict { return Delay(ms(3)) },
		}, want{2, sim.At(ms(9)), 0}},
		{"first drop ends the chain", []func(*Message) Verdict{
			func(*Message) Verdict { return Drop },
			func(*Message) Verdict { panic("rule after a drop ran") },
		}, want{0, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, nw, r := newNet(t, 1, 3, Link{Latency: Const(ms(1))})
			var undos []func()
			for _, f := range tt.rules {
				undos = append(undos, nw.AddRule(f))
			}
			nw.Send(0, 1, "x", 1)
			nw.Send(0, 2, "y", 1)
			run(t, w)
			tot := nw.Totals()
			balanced(t, tt.name, tot)
			if len(r.got) != tt.want.delivered || tot.Dropped[CauseRule] != tt.want.rule {
				t.Fatalf("delivered %d, rule drops %d; want %+v", len(r.got), tot.Dropped[CauseRule], tt.want)
			}
			if len(r.at) > 0 && r.at[0] != tt.want.arrival {
				t.Fatalf("first arrival at %v, want %v", r.at[0], tt.want.arrival)
			}
			// Undo restores a perfect path.
			for _, u := range undos {
				u()
				u() // twice is harmless
			}
			if nw.Rules() != 0 {
				t.Fatalf("%d rules left after undo", nw.Rules())
			}
			start := w.Now()
			before := len(r.got)
			nw.Send(0, 1, "x", 1)
			run(t, w)
			if len(r.got) != before+1 || r.at[before] != start.Add(ms(1)) {
				t.Fatalf("after undo: delivered %d (want %d) at %v", len(r.got)-before, 1, r.at[len(r.at)-1])
			}
		})
	}
}

func TestUndoRemovesOnlyItsRule(t *testing.T) {
	w, nw, r := newNet(t, 1, 2, Link{})
	var order []int
	u1 := nw.AddRule(func(*Message) Verdict { order = append(order, 1); return Pass })
	nw.AddRule(func(*Message) Verdict { order = append(order, 2); return Pass })
	nw.AddRule(func(*Message) Verdict { order = append(order, 3); return Pass })
	nw.Send(0, 1, nil, 1)
	u1()
	nw.Send(0, 1, nil, 1)
	run(t, w)
	if !slices.Equal(order, []int{1, 2, 3, 2, 3}) || len(r.got) != 2 {
		t.Fatalf("rules ran in order %v, delivered %d", order, len(r.got))
	}
}

func TestDownReceiverAndInFlightPartition(t *testing.T) {
	w, nw, r := newNet(t, 1, 3, Link{Latency: Const(ms(10))})
	r.down[2] = true
	nw.Send(0, 2, nil, 1) // dropped on arrival: down
	nw.Send(0, 1, nil, 1) // dropped on arrival: partitioned while in flight
	_ = w.RunUntil(sim.At(ms(5)))
	g, _ := Isolate(3, 1)
	if err := nw.SetGrudge(g, "isolate n2"); err != nil {
		t.Fatal(err)
	}
	run(t, w)
	tot := nw.Totals()
	balanced(t, "totals", tot)
	if tot.Dropped[CauseDown] != 1 || tot.Dropped[CausePartition] != 1 || len(r.got) != 0 {
		t.Fatalf("totals %+v, delivered %d", tot, len(r.got))
	}
}

// TestTrace checks that every kind of fault leaves a trace record with
// the node ids and, for drops, the cause.
func TestTrace(t *testing.T) {
	sink := &sim.MemorySink{}
	w := sim.New(1, sim.Options{Sink: sink})
	nw, _ := New(w, 3, Link{Latency: Const(ms(1)), Duplicate: 1, Corrupt: 1, Reorder: 1})
	nw.SetReceiver(&recv{w: w})
	nw.Send(0, 1, nil, 1)
	g, _ := OneWay(3, []NodeID{0}, []NodeID{2})
	_ = nw.SetGrudge(g, "n1 -/-> n3")
	nw.Send(0, 2, nil, 1)
	nw.Heal()
	_ = nw.Clog(1, 2, 2, ms(1))
	_ = nw.Hold(1, 2)
	nw.Send(1, 2, nil, 1)
	_ = w.RunUntil(sim.At(ms(50)))
	nw.ReleaseAll(1, 2)
	undo := nw.AddRule(func(*Message) Verdict { return Delay(ms(1)) })
	nw.Send(2, 0, nil, 1)
	undo()
	run(t, w)
	kinds := map[string]int{}
	for _, rec := range sink.Records {
		kinds[rec.Kind]++
		if rec.Kind == "drop" && (rec.Detail != CausePartition || rec.Node != 0 || rec.Peer != 2) {
			t.Errorf("drop record %+v, want n1 -> n3 with cause partition", rec)
		}
	}
	for _, k := range []string{"send", "drop", "duplicate", "corrupt", "reorder", "partition", "heal", "clog", "unclog", "hold", "held", "release", "rule", "delay"} {
		if kinds[k] == 0 {
			t.Errorf("no %q record in %v", k, kinds)
		}
	}
}

// workload drives a mix of every fault through a 5-node network and
// returns the world's trace hash and the network's totals.
func workload(t testing.TB, seed uint64, recycle bool) (uint64, LinkStats) {
	w, nw, r := newNet(t, seed, 5, Link{Latency: Dist{Kind: LogNormal, Mean: ms(2), Sigma: 0.5}, Loss: 0.05, Duplicate: 0.02, Reorder: 0.05, Corrupt: 0.01})
	nw.Recycle(recycle)
	if err := nw.SetLink(0, 1, Link{Latency: Dist{Kind: Pareto, Min: ms(1), Alpha: 1.5}, BandwidthBytesPerSec: 100_000, QueueBytes: 2000}); err != nil {
		t.Fatal(err)
	}
	r.down[4] = true
	rng := sim.NewStream(seed, "test")
	var tick sim.HandlerFunc
	tick = func(ev *sim.Event) {
		i := ev.A
		from := NodeID(rng.IntN(5))
		nw.Send(from, NodeID((int(from)+1+rng.IntN(4))%5), i, 100+rng.IntN(400))
		switch i {
		case 200:
			g, _ := MajorityRing(5)
			_ = nw.SetGrudge(g, "ring")
		case 400:
			nw.Heal()
			_ = nw.Clog(2, 3, 10, ms(20))
		case 600:
			_ = nw.Hold(3, 0)
		case 700:
			nw.ReleaseAll(3, 0)
			nw.AddRule(func(m *Message) Verdict {
				if m.Size > 400 {
					return Drop
				}
				return Pass
			})
		}
		if i < 1000 {
			w.After(time.Duration(rng.IntN(200))*time.Microsecond, tick, sim.Event{Node: -1, A: i + 1})
		}
	}
	w.After(0, tick, sim.Event{Node: -1})
	run(t, w)
	tot := nw.Totals()
	balanced(t, "workload", tot)
	for _, lc := range nw.LinkCosts() {
		balanced(t, LinkName(lc.From, lc.To), lc.LinkStats)
	}
	return w.TraceHash(), tot
}

func TestDeterminism(t *testing.T) {
	h1, s1 := workload(t, 42, false)
	h2, s2 := workload(t, 42, false)
	if h1 != h2 || fmt.Sprint(s1) != fmt.Sprint(s2) {
		t.Fatalf("same seed, different runs: %x %v vs %x %v", h1, s1, h2, s2)
	}
	if h3, _ := workload(t, 43, false); h3 == h1 {
		t.Fatalf("seeds 42 and 43 gave the same trace hash %x", h1)
	}
	// Metamorphic: recycling messages must not change the history.
	if h4, _ := workload(t, 42, true); h4 != h1 {
		t.Fatalf("recycling changed the trace hash: %x vs %x", h4, h1)
	}
	// Nor must the link storage (dense slice or map, which frees idle
	// states), nor the totals kept without per-link counting.
	defer func(d int) { denseMax = d }(denseMax)
	denseMax = 0
	if h5, s5 := workload(t, 42, false); h5 != h1 || fmt.Sprint(s5) != fmt.Sprint(s1) {
		t.Fatalf("sparse link storage changed the run: %x %v vs %x %v", h5, s5, h1, s1)
	}
}

// TestLinkStatesFreed checks that a large world frees the state of a busy
// bandwidth queue once the link is idle again, so that link states track
// the links that differ from the defaults now, not every pair ever used.
// It also checks that a clog of a freed and recreated link is not ended
// by the unclog event of an earlier clog.
func TestLinkStatesFreed(t *testing.T) {
	const n = 1000
	w, nw, r := newNet(t, 1, n, Link{Latency: Const(ms(1)), BandwidthBytesPerSec: 1_000_000})
	rng := sim.NewStream(1, "test")
	var tick sim.HandlerFunc
	sent, most := 0, 0
	tick = func(ev *sim.Event) {
		from := NodeID(rng.IntN(n))
		nw.Send(from, NodeID((int(from)+1+rng.IntN(n-1))%n), nil, 1000) // 1 ms on the wire
		sent++
		most = max(most, nw.LinkStates())
		if sent < 20_000 {
			w.After(100*time.Microsecond, tick, sim.Event{Node: -1})
		}
	}
	w.After(0, tick, sim.Event{Node: -1})
	run(t, w)
	if len(r.got) != 20_000 {
		t.Fatalf("delivered %d of 20000", len(r.got))
	}
	// About 10 links are busy at a time; sweeping keeps at most about
	// twice the busy ones plus sweepMin.
	if most > 2*sweepMin {
		t.Fatalf("up to %d link states for about 10 busy links", most)
	}

	// Clog 0 → 1 for 1 ms, unclog, let the state go, clog again for 10 ms:
	// the first clog's unclog event (at 1 ms) must not end the second.
	_ = nw.SetDefaults(Link{Latency: Const(ms(1))})
	_ = nw.Clog(0, 1, 5, ms(1))
	_ = nw.Unclog(0, 1)
	nw.sweep()
	if nw.peek(0, 1) != nil {
		t.Fatal("an idle link kept its state after a sweep")
	}
	_ = nw.Clog(0, 1, 5, ms(10))
	if err := w.RunUntil(w.Now().Add(ms(5))); err != nil {
		t.Fatal(err)
	}
	if f := nw.Clogged(0, 1); f != 5 {
		t.Fatalf("clog factor %v at 5 ms, want 5: an old unclog ended a newer clog", f)
	}
}

func TestCostMetrics(t *testing.T) {
	w, nw, _ := newNet(t, 1, 3, Link{})
	nw.Send(0, 1, nil, 100)
	nw.Send(1, 2, nil, 50)
	run(t, w) // else the partition drops it on arrival
	g, _ := Isolate(3, 2)
	_ = nw.SetGrudge(g, "")
	nw.Send(1, 2, nil, 50)
	run(t, w)
	m := nw.CostMetrics()
	want := map[string]float64{
		"net_messages_sent": 3, "net_bytes_sent": 200, "net_messages_delivered": 2, "net_bytes_delivered": 150,
		"net_dropped_partition": 1, "net_dropped_loss": 0, "net_dropped_queue_full": 0, "net_dropped_down": 0, "net_dropped_rule": 0,
		"net_messages_duplicated": 0, "net_messages_corrupted": 0, "net_messages_reordered": 0,
	}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Fatalf("CostMetrics\n got %v\nwant %v", m, want)
	}
	lc := nw.LinkCosts()
	if len(lc) != 2 || lc[0].From != 0 || lc[0].To != 1 || lc[1].From != 1 || lc[1].To != 2 || lc[1].Sent != 2 || lc[1].Dropped[CausePartition] != 1 {
		t.Fatalf("LinkCosts %+v", lc)
	}
}

func TestLinkOverrides(t *testing.T) {
	w, nw, r := newNet(t, 1, 3, Link{Latency: Const(ms(1))})
	if err := nw.SetLink(0, 2, Link{Latency: Const(ms(50))}); err != nil {
		t.Fatal(err)
	}
	if err := nw.SetLink(0, 1, Link{Loss: 2}); err == nil {
		t.Fatal("SetLink accepted loss 2")
	}
	if err := nw.SetLink(0, 3, Link{}); err == nil {
		t.Fatal("SetLink accepted node 3 of 3")
	}
	nw.Send(0, 2, nil, 1) // 50 ms
	nw.Send(0, 1, nil, 1) // defaults: 1 ms, then 5 ms after SetDefaults
	_ = nw.SetDefaults(Link{Latency: Const(ms(5))})
	nw.Send(0, 1, nil, 1)
	_ = nw.ResetLink(0, 2)
	nw.Send(0, 2, nil, 1) // back to the defaults: 5 ms
	run(t, w)
	want := []sim.Time{sim.At(ms(1)), sim.At(ms(5)), sim.At(ms(5)), sim.At(ms(50))}
	if !slices.Equal(r.at, want) {
		t.Fatalf("arrivals %v, want %v", r.at, want)
	}
	if p := nw.LinkParams(1, 0); p.Latency != Const(ms(5)) {
		t.Fatalf("LinkParams of an unused link %v, want the defaults", p)
	}
}

func TestNewRejects(t *testing.T) {
	w := sim.New(1, sim.Options{})
	for _, tt := range []struct {
		n int
		l Link
	}{{0, Link{}}, {-1, Link{}}, {2, Link{Loss: -0.1}}, {2, Link{QueueBytes: 10}}, {2, Link{Latency: Dist{Kind: Uniform, Min: 2, Max: 1}}}} {
		if _, err := New(w, tt.n, tt.l); err == nil {
			t.Errorf("New(%d, %+v) accepted", tt.n, tt.l)
		}
	}
}

// TestLargeWorld checks that a 10 000-node network keeps state only for
// the links that differ from the defaults, unless asked to count per link,
// and that its totals and node counters hold either way.
func TestLargeWorld(t *testing.T) {
	for _, tt := range []struct {
		perLink bool
		states  int
	}{{false, 0}, {true, 10_000}} {
		w, nw, r := newNet(t, 1, 10_000, Link{Latency: Const(ms(1))})
		if err := nw.CountLinks(tt.perLink); err != nil {
			t.Fatal(err)
		}
		for i := range NodeID(10_000) {
			nw.Send(i, (i+1)%10_000, nil, 1)
		}
		g, _ := Isolate(10_000, 5)
		_ = nw.SetGrudge(g, "")
		run(t, w)
		if len(r.got) != 9998 || nw.LinkStates() != tt.states {
			t.Fatalf("per-link %v: delivered %d, link states %d, want %d", tt.perLink, len(r.got), nw.LinkStates(), tt.states)
		}
		tot := nw.Totals()
		balanced(t, "totals", tot)
		if tot.Sent != 10_000 || tot.Delivered != 9998 || tot.Dropped[CausePartition] != 2 {
			t.Fatalf("per-link %v: totals %+v", tt.perLink, tot)
		}
		if s := nw.NodeStats(5); s.Sent != 1 || s.Delivered != 0 {
			t.Fatalf("per-link %v: node n6 %+v", tt.perLink, s)
		}
		if s := nw.NodeStats(7); s != (NodeStats{Sent: 1, BytesSent: 1, Delivered: 1, BytesDelivered: 1}) {
			t.Fatalf("per-link %v: node n8 %+v", tt.perLink, s)
		}
		if err := nw.CountLinks(!tt.perLink); err == nil {
			t.Fatalf("CountLinks accepted a change after sends")
		}
	}
}

// Name reads small ids from a table; every id gets the same name either way.
func TestNameTable(t *testing.T) {
	for id := NodeID(-3); id < 600; id++ {
		if got, want := Name(id), "n"+strconv.Itoa(int(id)+1); got != want {
			t.Fatalf("Name(%d) = %q, want %q", id, got, want)
		}
	}
}
