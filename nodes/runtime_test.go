package nodes

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// fnNode is a node made of functions; nil ones do nothing.
type fnNode struct {
	start func(env *Env)
	recv  func(env *Env, from NodeID, msg any)
	timer func(env *Env, id TimerID, data any)
}

func (f *fnNode) Start(env *Env) {
	if f.start != nil {
		f.start(env)
	}
}
func (f *fnNode) Receive(env *Env, from NodeID, msg any) {
	if f.recv != nil {
		f.recv(env, from, msg)
	}
}
func (f *fnNode) Timer(env *Env, id TimerID, data any) {
	if f.timer != nil {
		f.timer(env, id, data)
	}
}

func newWorld(t *testing.T, seed uint64, n int, lat time.Duration) (*sim.World, *network.Network, *Runtime) {
	t.Helper()
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, n, network.Link{Latency: network.Const(lat)})
	if err != nil {
		t.Fatal(err)
	}
	return w, net, NewRuntime(w, net)
}

// at runs f at true time d.
func at(w *sim.World, d time.Duration, f func()) {
	w.Schedule(sim.At(d), sim.HandlerFunc(func(*sim.Event) { f() }), sim.Event{Node: -1})
}

type recv struct {
	at  sim.Time
	seq int
}

// sender sends the numbers 0..count-1 from node 0 to node 1 at the given
// gaps; node 1 records when it handles each.
func sender(t *testing.T, w *sim.World, rt *Runtime, gaps []time.Duration) *[]recv {
	t.Helper()
	var got []recv
	if _, err := rt.Add(func(NodeID) Node {
		return &fnNode{start: func(env *Env) { env.SetTimer(gaps[0], 0) }, timer: func(env *Env, _ TimerID, data any) {
			i := data.(int)
			env.Send(1, i, 8)
			if i+1 < len(gaps) {
				env.SetTimer(gaps[i+1], i+1)
			}
		}}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Add(func(NodeID) Node {
		return &fnNode{recv: func(env *Env, _ NodeID, msg any) { got = append(got, recv{env.TrueNow(), msg.(int)}) }}
	}); err != nil {
		t.Fatal(err)
	}
	return &got
}

func TestPauseQueuesInOrder(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		w, _, rt := newWorld(t, seed, 2, time.Millisecond)
		rng := w.Rand("test")
		gaps := make([]time.Duration, 200)
		for i := range gaps {
			gaps[i] = time.Duration(rng.Int64N(int64(2 * time.Millisecond)))
		}
		got := sender(t, w, rt, gaps)
		pauseAt := time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
		pause := 10*time.Millisecond + time.Duration(rng.Int64N(int64(50*time.Millisecond)))
		at(w, pauseAt, func() { rt.Pause(1, pause) })
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		if len(*got) != len(gaps) {
			t.Fatalf("seed %d: %d of %d messages handled", seed, len(*got), len(gaps))
		}
		start, end := sim.At(pauseAt), sim.At(pauseAt+pause)
		queued := 0
		for i, r := range *got {
			if r.seq != i {
				t.Fatalf("seed %d: message %d handled in position %d", seed, r.seq, i)
			}
			if r.at > start && r.at < end {
				t.Fatalf("seed %d: message %d handled at %v during the pause [%v, %v)", seed, r.seq, r.at, start, end)
			}
			if r.at == end {
				queued++
			}
		}
		if queued == 0 {
			t.Fatalf("seed %d: no message waited for the pause to end", seed)
		}
	}
}

func TestPausedTimerFiresAfterPause(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, time.Millisecond)
	var fired sim.Time
	rt.Add(func(NodeID) Node {
		return &fnNode{start: func(env *Env) { env.SetTimer(20*time.Millisecond, nil) },
			timer: func(env *Env, _ TimerID, _ any) { fired = env.TrueNow() }}
	})
	at(w, 10*time.Millisecond, func() { rt.Pause(0, 30*time.Millisecond) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if fired != sim.At(40*time.Millisecond) {
		t.Fatalf("timer due at 20ms fired at %v, want 40ms (end of pause)", fired)
	}
}

func TestDriftTimer(t *testing.T) {
	tests := []struct {
		ppm  float64
		want sim.Time
	}{
		{0, sim.At(time.Second)},
		{1000, sim.Time(math.Floor(1e9 / 1.001))},
		{-1000, sim.Time(math.Floor(1e9 / 0.999))},
	}
	for _, tc := range tests {
		w, _, rt := newWorld(t, 1, 1, 0)
		var fired, local sim.Time
		rt.Add(func(NodeID) Node {
			return &fnNode{start: func(env *Env) { env.SetTimer(time.Second, nil) },
				timer: func(env *Env, _ TimerID, _ any) { fired, local = env.TrueNow(), env.Now() }}
		})
		rt.SetClock(0, 0, tc.ppm)
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		if fired != tc.want {
			t.Errorf("drift %+gppm: 1s local timer fired at true %v (%d ns), want %d ns", tc.ppm, fired, fired, tc.want)
		}
		if d := local - sim.At(time.Second); d < -1 || d > 1 {
			t.Errorf("drift %+gppm: local clock reads %v at the timer, want 1s", tc.ppm, local)
		}
	}
}

// A node that waits for a local time by setting a timer for what is left
// (as the pipeline driver does) must get there on a fast clock too. A
// 1 ns local timer once became 0 ns of true time there: the world fired it
// at the same instant, forever.
func TestWaitForLocalTimeOnDriftingClock(t *testing.T) {
	for _, ppm := range []float64{19.173, 1000, -1000, 0.001} {
		w, _, rt := newWorld(t, 1, 1, 0)
		target := sim.At(time.Second) + 1
		timers := 0
		wait := func(env *Env) {
			if left := time.Duration(target - env.Now()); left > 0 {
				timers++
				env.SetTimer(min(left, 1), nil) // 1 ns steps reach the rounding
			}
		}
		var reached sim.Time
		rt.Add(func(NodeID) Node {
			return &fnNode{
				start: func(env *Env) { env.SetTimer(time.Second, nil) },
				timer: func(env *Env, _ TimerID, _ any) {
					if env.Now() >= target {
						reached = env.Now()
						return
					}
					wait(env)
				},
			}
		})
		rt.SetClock(0, 0, ppm)
		if err := w.Run(); err != nil {
			t.Fatalf("drift %+gppm: %v after %d timers", ppm, err, timers)
		}
		if reached < target {
			t.Errorf("drift %+gppm: local clock never reached %v (%d timers)", ppm, target, timers)
		}
	}
}

func TestSetDriftIsContinuous(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, 0)
	var env *Env
	rt.Add(func(NodeID) Node { return &fnNode{start: func(e *Env) { env = e }} })
	rt.SetClock(0, 5*time.Millisecond, 500)
	var before, after, later sim.Time
	at(w, 2*time.Second, func() {
		before = env.Now()
		rt.SetDrift(0, -200)
		after = env.Now()
	})
	at(w, 3*time.Second, func() { later = env.Now() })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Fatalf("SetDrift made the clock jump from %v to %v", before, after)
	}
	if want := sim.At(2*time.Second + 5*time.Millisecond + time.Millisecond); before != want {
		t.Fatalf("local at 2s = %v, want %v", before, want)
	}
	if want := after + sim.At(time.Second) - sim.At(200*time.Microsecond); later != want {
		t.Fatalf("local at 3s = %v, want %v", later, want)
	}
}

func TestClockJump(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, 0)
	var env *Env
	var fired sim.Time
	rt.Add(func(NodeID) Node {
		return &fnNode{start: func(e *Env) { env = e; e.SetTimer(time.Second, nil) },
			timer: func(e *Env, _ TimerID, _ any) { fired = e.TrueNow() }}
	})
	var readings []sim.Time
	at(w, 100*time.Millisecond, func() {
		readings = append(readings, env.Now())
		rt.JumpClock(0, -500*time.Millisecond)
		readings = append(readings, env.Now())
	})
	at(w, 200*time.Millisecond, func() { rt.SetOffset(0, time.Second); readings = append(readings, env.Now()) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := []sim.Time{sim.At(100 * time.Millisecond), sim.At(-400 * time.Millisecond), sim.At(1200 * time.Millisecond)}
	for i := range want {
		if readings[i] != want[i] {
			t.Fatalf("readings %v, want %v", readings, want)
		}
	}
	if fired != sim.At(time.Second) {
		t.Fatalf("a jump moved a pending timer: fired at %v", fired)
	}
}

func TestCrashDropsTimersAndCountsMessages(t *testing.T) {
	w, net, rt := newWorld(t, 3, 2, time.Millisecond)
	gaps := make([]time.Duration, 50)
	for i := range gaps {
		gaps[i] = time.Millisecond
	}
	var got []int
	timerFired := false
	rt.Add(func(NodeID) Node {
		return &fnNode{start: func(env *Env) { env.SetTimer(gaps[0], 0) }, timer: func(env *Env, _ TimerID, data any) {
			i := data.(int)
			env.Send(1, i, 8)
			if i+1 < len(gaps) {
				env.SetTimer(gaps[i+1], i+1)
			}
		}}
	})
	rt.Add(func(NodeID) Node {
		return &fnNode{
			start: func(env *Env) {
				if env.Disk()["started"] == nil { // only the first start sets it
					env.Disk()["started"] = true
					env.SetTimer(15*time.Millisecond, nil)
				}
			},
			recv:  func(_ *Env, _ NodeID, msg any) { got = append(got, msg.(int)) },
			timer: func(*Env, TimerID, any) { timerFired = true },
		}
	})
	// Messages 0..8 arrive at 2ms..10ms; the node is down from 10.5ms to
	// 30.5ms, so the 20 messages arriving at 11ms..30ms are dropped.
	at(w, 10*time.Millisecond+500*time.Microsecond, func() { rt.Crash(1) })
	at(w, 30*time.Millisecond+500*time.Microsecond, func() { rt.Restart(1) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if timerFired {
		t.Fatal("the 15ms timer set before the crash fired after it")
	}
	if d := net.Totals().Dropped[network.CauseDown]; d != 20 {
		t.Fatalf("%d messages dropped as down, want 20", d)
	}
	if len(got) != 30 || got[8] != 8 || got[9] != 29 {
		t.Fatalf("handled %v", got)
	}
}

type counterNode struct {
	fnNode
	volatile int
}

func TestRestartKeepsDiskLosesState(t *testing.T) {
	w, _, rt := newWorld(t, 1, 1, 0)
	builds := 0
	rt.Add(func(NodeID) Node {
		builds++
		n := &counterNode{}
		n.start = func(env *Env) {
			n.volatile++
			c, _ := env.Disk()["starts"].(int)
			env.Disk()["starts"] = c + 1
		}
		return n
	})
	at(w, time.Second, func() { rt.Crash(0) })
	at(w, 2*time.Second, func() { rt.Restart(0) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	n := rt.Node(0).(*counterNode)
	if builds != 2 || n.volatile != 1 || rt.procs[0].disk["starts"] != 2 {
		t.Fatalf("builds %d, volatile %d, disk %v; want 2, 1, 2", builds, n.volatile, rt.procs[0].disk["starts"])
	}
}

func TestSlowDelaysHandlingByFactor(t *testing.T) {
	for _, factor := range []float64{2, 5, 10} {
		w, _, rt := newWorld(t, 9, 2, time.Millisecond)
		rt.SetProcessingTime(time.Millisecond)
		rng := w.Rand("test")
		// Sparse sends: gaps above the slow service time, so nothing queues.
		gaps := make([]time.Duration, 300)
		for i := range gaps {
			gaps[i] = 10*time.Millisecond + time.Duration(rng.Int64N(int64(10*time.Millisecond)))
		}
		var sent []sim.Time
		got := sender(t, w, rt, gaps)
		rt.procs[0].node.(*fnNode).timer = func(env *Env, _ TimerID, data any) {
			i := data.(int)
			sent = append(sent, env.TrueNow())
			env.Send(1, i, 8)
			if i+1 < len(gaps) {
				env.SetTimer(gaps[i+1], i+1)
			}
		}
		rt.Slow(1, factor)
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		var sum time.Duration
		for i, r := range *got {
			sum += r.at.Sub(sent[r.seq]) - time.Millisecond // minus the link latency
			if r.seq != i {
				t.Fatalf("x%g: out of order", factor)
			}
		}
		mean := sum / time.Duration(len(*got))
		want := time.Duration((factor - 1) * float64(time.Millisecond))
		if mean != want {
			t.Errorf("x%g: mean handling delay %v, want %v", factor, mean, want)
		}
	}
}

func TestSlowNodeQueues(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	gaps := make([]time.Duration, 10) // all sent at once
	got := sender(t, w, rt, gaps)
	at(w, time.Millisecond/2, func() { rt.Slow(1, 3) }) // 2ms per handler call, after Start
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	for i, r := range *got {
		if want := sim.At(time.Millisecond + time.Duration(i+1)*2*time.Millisecond); r.at != want || r.seq != i {
			t.Fatalf("message %d handled at %v, want %v", r.seq, r.at, want)
		}
	}
	rt.Slow(1, 1)
	if rt.SlowFactor(1) != 1 {
		t.Fatal("Slow(1) did not restore full speed")
	}
}

func TestCrashWhilePausedLosesQueue(t *testing.T) {
	w, _, rt := newWorld(t, 1, 2, time.Millisecond)
	gaps := []time.Duration{0, time.Millisecond, time.Millisecond, time.Millisecond}
	got := sender(t, w, rt, gaps)
	at(w, 0, func() { rt.Pause(1, time.Second) })
	at(w, 10*time.Millisecond, func() { rt.Crash(1) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 0 {
		t.Fatalf("a crashed node handled %v", *got)
	}
	if v := w.Metrics.Counter("node_queued_lost").Value(); v != 4 {
		t.Fatalf("node_queued_lost %v, want 4", v)
	}
}

// faultyRun exercises every node fault and returns the trace hash.
func faultyRun(t *testing.T, seed uint64) uint64 {
	w := sim.New(seed, sim.Options{ShuffleTies: true})
	net, err := network.New(w, 4, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRuntime(w, net)
	for range 4 {
		rt.Add(func(id NodeID) Node {
			return &fnNode{
				start: func(env *Env) { env.SetTimer(time.Duration(1+id)*time.Millisecond, nil) },
				recv:  func(env *Env, from NodeID, msg any) { env.Disk()["n"] = msg },
				timer: func(env *Env, _ TimerID, _ any) {
					env.Send(NodeID(env.Rand().IntN(4)), env.Now(), 8)
					if env.TrueNow() < sim.At(time.Second) {
						env.SetTimer(3*time.Millisecond, nil)
					}
				},
			}
		})
	}
	rng := w.Rand("test-faults")
	for i := range 40 {
		id := NodeID(rng.IntN(4))
		d := time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		at(w, time.Duration(i)*20*time.Millisecond, func() {
			switch i % 5 {
			case 0:
				rt.Pause(id, d)
			case 1:
				rt.Slow(id, 1+rng.Float64()*5)
			case 2:
				rt.Crash(id)
			case 3:
				rt.Restart(id)
			case 4:
				rt.SetDrift(id, rng.Float64()*1000-500)
				rt.JumpClock(id, d)
			}
		})
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return w.TraceHash()
}

func TestDeterminism(t *testing.T) {
	for seed := uint64(0); seed < 10; seed++ {
		if a, b := faultyRun(t, seed), faultyRun(t, seed); a != b {
			t.Fatalf("seed %d: hash %x then %x", seed, a, b)
		}
	}
	if faultyRun(t, 1) == faultyRun(t, 2) {
		t.Fatal("seeds 1 and 2 gave the same hash")
	}
}

func TestBuggifyTimerLate(t *testing.T) {
	// With buggify off the site never fires; with it on, some seed enables
	// it and some timer fires late.
	late := func(seed uint64, on bool) bool {
		w, _, rt := newWorld(t, seed, 1, 0)
		rt.SetBuggify(sim.NewBuggify(w, on))
		isLate := false
		rt.Add(func(NodeID) Node {
			var set sim.Time
			return &fnNode{
				start: func(env *Env) { set = env.TrueNow(); env.SetTimer(time.Millisecond, nil) },
				timer: func(env *Env, _ TimerID, _ any) {
					if env.TrueNow()-set != sim.At(time.Millisecond) {
						isLate = true
					}
					if env.TrueNow() < sim.At(time.Second) {
						set = env.TrueNow()
						env.SetTimer(time.Millisecond, nil)
					}
				},
			}
		})
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return isLate
	}
	anyLate := false
	for seed := uint64(0); seed < 10; seed++ {
		if late(seed, false) {
			t.Fatalf("seed %d: a timer fired late with buggify off", seed)
		}
		anyLate = anyLate || late(seed, true)
	}
	if !anyLate {
		t.Fatal("nodes.timer_late never fired in 10 seeds with buggify on")
	}
}

// TestEnvFrom: while Receive runs, From names the sender, for a message
// delivered at once and for one that waited out a pause; in Start and
// Timer it reports none.
func TestEnvFrom(t *testing.T) {
	w, _, rt := newWorld(t, 1, 3, time.Millisecond)
	type seen struct {
		in   string
		from NodeID
		ok   bool
		arg  NodeID
	}
	var got []seen
	for range 3 {
		rt.Add(func(id NodeID) Node {
			return &fnNode{
				start: func(env *Env) {
					if id == 1 {
						f, ok := env.From()
						got = append(got, seen{"start", f, ok, -1})
						env.SetTimer(5*time.Millisecond, nil)
						return
					}
					env.SetTimer(time.Duration(id)*10*time.Millisecond, nil)
				},
				recv: func(env *Env, from NodeID, _ any) {
					f, ok := env.From()
					got = append(got, seen{"receive", f, ok, from})
				},
				timer: func(env *Env, _ TimerID, _ any) {
					if id == 1 {
						f, ok := env.From()
						got = append(got, seen{"timer", f, ok, -1})
						return
					}
					env.Send(1, "hi", 8)
				},
			}
		})
	}
	at(w, 15*time.Millisecond, func() { rt.Pause(1, 20*time.Millisecond) }) // n3's message waits
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := []seen{{"start", -1, false, -1}, {"receive", 0, true, 0}, {"timer", -1, false, -1}, {"receive", 2, true, 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("From: got %v, want %v", got, want)
	}
}
