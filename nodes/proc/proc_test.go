package proc

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// The same request/response protocol with retries, written as event
// handlers and as processes. Node 0 is the server; the others are clients
// that each complete k calls, retrying a call after timeout.

const server NodeID = 0

type hServer struct{}

func (hServer) Start(*nodes.Env) {}
func (hServer) Receive(env *nodes.Env, from NodeID, msg any) {
	req := msg.(*Request)
	env.Send(from, &Response{ID: req.ID, Body: req.Body}, DefaultSize)
}
func (hServer) Timer(*nodes.Env, nodes.TimerID, any) {}

func pServer(p *P) {
	for {
		from, msg := p.Recv()
		req := msg.(*Request)
		p.Reply(from, req, req.Body)
	}
}

type hClient struct {
	k, done int
	timeout time.Duration
	id      uint64
	tid     nodes.TimerID
	log     *[]string
}

func (c *hClient) Start(env *nodes.Env) { c.send(env) }
func (c *hClient) send(env *nodes.Env) {
	req := &Request{Body: c.done}
	req.ID = env.Send(server, req, DefaultSize)
	c.id = req.ID
	c.tid = env.SetTimer(c.timeout, nil)
}
func (c *hClient) Receive(env *nodes.Env, from NodeID, msg any) {
	r := msg.(*Response)
	if r.ID != c.id || c.done == c.k {
		return
	}
	env.CancelTimer(c.tid)
	*c.log = append(*c.log, fmt.Sprintf("%s got %v at %v", env.Name(), r.Body, env.TrueNow()))
	c.done++
	if c.done < c.k {
		c.send(env)
	}
}
func (c *hClient) Timer(env *nodes.Env, id nodes.TimerID, _ any) {
	if id == c.tid {
		c.send(env)
	}
}

func pClient(k int, timeout time.Duration, log *[]string) func(p *P) {
	return func(p *P) {
		for i := 0; i < k; {
			resp, err := p.Call(server, i, timeout)
			if errors.Is(err, ErrTimeout) {
				continue
			}
			*log = append(*log, fmt.Sprintf("%s got %v at %v", p.Name(), resp, p.Env().TrueNow()))
			i++
		}
	}
}

type setup struct {
	procServer, procClient bool
	crash                  bool // crash and restart client n2 mid-run
}

type outcome struct {
	hash   uint64
	events uint64
	log    []string
	live   int // coroutines parked after the run, before Close
	err    error
}

func runRetry(seed uint64, s setup) outcome {
	w := sim.New(seed, sim.Options{ShuffleTies: true})
	net, _ := network.New(w, 4, network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 4 * time.Millisecond}, Loss: 0.2, Duplicate: 0.1})
	rt := nodes.NewRuntime(w, net)
	var g Group
	defer g.Close()
	var log []string
	if s.procServer {
		rt.Add(g.Constructor(pServer))
	} else {
		rt.Add(func(NodeID) nodes.Node { return hServer{} })
	}
	for range 3 {
		if s.procClient {
			rt.Add(g.Constructor(pClient(5, 10*time.Millisecond, &log)))
		} else {
			rt.Add(func(NodeID) nodes.Node { return &hClient{k: 5, timeout: 10 * time.Millisecond, log: &log} })
		}
	}
	if s.crash {
		w.Schedule(sim.At(7*time.Millisecond), sim.HandlerFunc(func(*sim.Event) { rt.Crash(1) }), sim.Event{Node: -1})
		w.Schedule(sim.At(30*time.Millisecond), sim.HandlerFunc(func(*sim.Event) { rt.Restart(1) }), sim.Event{Node: -1})
	}
	err := w.Run()
	return outcome{hash: w.TraceHash(), events: w.Events(), log: log, live: g.Live(), err: err}
}

func TestBothStylesGiveTheSameTrace(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		for _, crash := range []bool{false, true} {
			ref := runRetry(seed, setup{crash: crash})
			if ref.err != nil || len(ref.log) < 15 {
				t.Fatalf("seed %d crash %v: handler run: err %v, %d calls done, want ≥ 15 (a restarted client starts over)", seed, crash, ref.err, len(ref.log))
			}
			for _, s := range []setup{{procServer: true}, {procClient: true}, {procServer: true, procClient: true}} {
				s.crash = crash
				got := runRetry(seed, s)
				if got.err != nil {
					t.Fatalf("seed %d %+v: %v", seed, s, got.err)
				}
				if got.hash != ref.hash || got.events != ref.events || strings.Join(got.log, "\n") != strings.Join(ref.log, "\n") {
					t.Fatalf("seed %d %+v: hash %x (%d events), handlers give %x (%d events)\nprocs:\n%s\nhandlers:\n%s",
						seed, s, got.hash, got.events, ref.hash, ref.events, strings.Join(got.log, "\n"), strings.Join(ref.log, "\n"))
				}
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	s := setup{procServer: true, procClient: true, crash: true}
	a, b := runRetry(42, s), runRetry(42, s)
	if a.hash != b.hash || a.events != b.events {
		t.Fatalf("seed 42: %x then %x", a.hash, b.hash)
	}
	if c := runRetry(43, s); c.hash == a.hash {
		t.Fatalf("seeds 42 and 43 share hash %x", a.hash)
	}
}

// TestNoLeakedCoroutines crashes and restarts process nodes; after Close
// no coroutine is left.
func TestNoLeakedCoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	var parked int
	for seed := range uint64(20) {
		o := runRetry(seed, setup{procServer: true, procClient: true, crash: true})
		parked += o.live
	}
	if parked == 0 {
		t.Fatal("no coroutine was parked at the end of any run: the test proves nothing")
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after 20 runs with crashes", before, after)
	}
}

func newWorld(n int) (*sim.World, *nodes.Runtime) {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, n, network.Link{Latency: network.Const(time.Millisecond)})
	return w, nodes.NewRuntime(w, net)
}

func TestStopRunsDefersAndRestartStopsOldIncarnation(t *testing.T) {
	w, rt := newWorld(2)
	var g Group
	var events []string
	rt.Add(g.Constructor(func(p *P) {
		events = append(events, fmt.Sprintf("start at %v", p.Env().TrueNow()))
		defer func() { events = append(events, "unwound") }()
		p.Sleep(time.Hour)
		events = append(events, "woke: must not happen")
	}))
	rt.Add(func(NodeID) nodes.Node { return hServer{} })
	w.Schedule(sim.At(time.Second), sim.HandlerFunc(func(*sim.Event) { rt.Crash(0) }), sim.Event{Node: -1})
	w.Schedule(sim.At(2*time.Second), sim.HandlerFunc(func(*sim.Event) { rt.Restart(0) }), sim.Event{Node: -1})
	if err := w.RunUntil(sim.At(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	want := "start at 0s,unwound,start at 2s"
	if got := strings.Join(events, ","); got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	if g.Live() != 1 {
		t.Fatalf("%d live processes, want 1", g.Live())
	}
	g.Close()
	if got := strings.Join(events, ","); got != want+",unwound" {
		t.Fatalf("after Close: %q", got)
	}
}

func TestMailboxOrderAndTimeouts(t *testing.T) {
	w, rt := newWorld(2)
	var g Group
	defer g.Close()
	var got []string
	rt.Add(g.Constructor(func(p *P) {
		p.Sleep(10 * time.Millisecond) // three messages queue meanwhile
		for range 3 {
			_, m := p.Recv()
			got = append(got, fmt.Sprint(m))
		}
		_, _, ok := p.RecvTimeout(5 * time.Millisecond)
		got = append(got, fmt.Sprintf("timeout ok=%v at %v", ok, p.Now()))
		_, err := p.Call(1, "x", 5*time.Millisecond) // node 1 never answers
		got = append(got, fmt.Sprintf("call %v at %v", err, p.Now()))
		_, m, ok := p.RecvTimeout(time.Second)
		got = append(got, fmt.Sprintf("%v %v at %v", m, ok, p.Now()))
	}))
	rt.Add(g.Constructor(func(p *P) {
		for _, m := range []string{"a", "b", "c"} {
			p.Send(0, m, 1)
		}
		p.Recv() // the request, unanswered
		p.Sleep(2 * time.Millisecond)
		p.Send(0, "d", 1)
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "timeout ok=false at 15ms", "call proc: call timed out at 20ms", "d true at 20ms"}
	// the request reaches node 1 at 16ms; "d" is sent at 18ms and arrives
	// at 19ms, during the call, so it waits in the mailbox.
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestPanicInBodyIsReported(t *testing.T) {
	w, rt := newWorld(1)
	var g Group
	defer g.Close()
	rt.Add(g.Constructor(func(p *P) {
		p.Sleep(time.Millisecond)
		panic("boom")
	}))
	err := w.Run()
	var pe *sim.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || pe.At != sim.At(time.Millisecond) {
		t.Fatalf("err %v, want a panic \"boom\" at 1ms", err)
	}
}

func TestBlockingOutsideTheCoroutinePanics(t *testing.T) {
	w, rt := newWorld(1)
	var g Group
	defer g.Close()
	var leaked *P
	rt.Add(g.Constructor(func(p *P) { leaked = p; p.Recv() }))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "outside") {
			t.Fatalf("recovered %v, want a panic about a blocking call outside", r)
		}
	}()
	leaked.Sleep(time.Second)
}

// BenchmarkProcSwitch measures one resume of a parked coroutine and its
// return to the caller: two switches.
func BenchmarkProcSwitch(b *testing.B) {
	n := Node(func(p *P) {
		for {
			p.block(waitSleep)
		}
	})
	p := n.p
	p.next, p.stop = iterPull(p)
	p.resume()
	b.ReportAllocs()
	for b.Loop() {
		p.resume()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2, "ns/switch")
	n.Stop()
}

// BenchmarkCallRoundTrip compares a request/response round trip through
// the whole world, written with handlers and with processes.
func BenchmarkCallRoundTrip(b *testing.B) {
	for _, style := range []string{"handlers", "procs"} {
		b.Run(style, func(b *testing.B) {
			w, rt := newWorld(2)
			var g Group
			defer g.Close()
			var log []string
			if style == "procs" {
				rt.Add(g.Constructor(pServer))
				rt.Add(g.Constructor(pClient(b.N, time.Second, &log)))
			} else {
				rt.Add(func(NodeID) nodes.Node { return hServer{} })
				rt.Add(func(NodeID) nodes.Node { return &hClient{k: b.N, timeout: time.Second, log: &log} })
			}
			b.ResetTimer()
			if err := w.Run(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// Park returns on Unpark from an event handler, on its timeout, and at
// once for an Unpark that came while the process ran.
func TestParkUnpark(t *testing.T) {
	w, rt := newWorld(1)
	var log []string
	var p0 *P
	n := Node(func(p *P) {
		p0 = p
		p.Unpark() // while running: the next Park returns at once
		log = append(log, fmt.Sprint("early ", p.Park(-1), " ", p.Now()))
		log = append(log, fmt.Sprint("timeout ", p.Park(5*time.Millisecond), " ", p.Now()))
		log = append(log, fmt.Sprint("woken ", p.Park(-1), " ", p.Now()))
	})
	if _, err := rt.Add(func(NodeID) nodes.Node { return &parkWaker{Proc: n, p: &p0} }); err != nil {
		t.Fatal(err)
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := "[early true 0s timeout false 5ms woken true 20ms]"
	if got := fmt.Sprint(log); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// parkWaker sets a 20ms timer of its own and unparks the process with it.
type parkWaker struct {
	*Proc
	p **P
}

type wakeTimer struct{}

func (n *parkWaker) Start(env *nodes.Env) {
	env.SetTimer(20*time.Millisecond, wakeTimer{})
	n.Proc.Start(env)
}

func (n *parkWaker) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	if _, ok := data.(wakeTimer); ok {
		(*n.p).Unpark()
		return
	}
	n.Proc.Timer(env, id, data)
}

// Interrupt ends a Call (ErrInterrupted, and the late response is
// dropped), a Sleep and a Park; it leaves a running process alone.
func TestInterrupt(t *testing.T) {
	w, rt := newWorld(2)
	var log []string
	var p0 *P
	n := Node(func(p *P) {
		p0 = p
		log = append(log, fmt.Sprint("interrupt while running: ", p.Interrupt()))
		_, err := p.Call(1, "slow", 0) // the echo answers after 2ms; cut at 1ms
		log = append(log, fmt.Sprint("call ", err, " ", p.Now()))
		p.Sleep(time.Hour)
		log = append(log, fmt.Sprint("sleep ", p.Now()))
		log = append(log, fmt.Sprint("park ", p.Park(-1), " ", p.Now()))
		p.Sleep(10 * time.Millisecond) // the late response arrives meanwhile
		log = append(log, fmt.Sprint("slept ", p.Now()))
	})
	rt.Add(func(NodeID) nodes.Node { return &interrupter{Proc: n, p: &p0} })
	rt.Add(func(NodeID) nodes.Node { return hServer{} })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := "[interrupt while running: false call proc: call interrupted 1ms sleep 2ms park false 3ms slept 13ms]"
	if got := fmt.Sprint(log); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// interrupter interrupts its process at 1, 2 and 3ms.
type interrupter struct {
	*Proc
	p **P
}

func (n *interrupter) Start(env *nodes.Env) {
	for i := 1; i <= 3; i++ {
		env.SetTimer(time.Duration(i)*time.Millisecond, wakeTimer{})
	}
	n.Proc.Start(env)
}

func (n *interrupter) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	if _, ok := data.(wakeTimer); ok {
		(*n.p).Interrupt()
		return
	}
	n.Proc.Timer(env, id, data)
}
