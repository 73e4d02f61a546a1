package httpsim_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

func benchWorld(b *testing.B) (*sim.World, *nodes.Runtime, *httpsim.Net) {
	return benchWorldOf(b, 2)
}

// benchWorldOf is benchWorld with n nodes.
func benchWorldOf(b *testing.B, n int) (*sim.World, *nodes.Runtime, *httpsim.Net) {
	w := sim.New(1, sim.Options{})
	nw, err := network.New(w, n, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		b.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	b.Cleanup(hn.Close)
	return w, rt, hn
}

// addPingers adds two pingers that send left messages between them.
func addPingers(b *testing.B, rt *nodes.Runtime, left *int) {
	for i := range 2 {
		add(b, rt, func(nodes.NodeID) nodes.Node { return &pinger{left: left, peer: nodes.NodeID(1 - i)} })
	}
}

// addCaller adds a replier and a process that makes n proc.Calls to it.
func addCaller(b *testing.B, rt *nodes.Runtime, hn *httpsim.Net, n int) {
	add(b, rt, func(nodes.NodeID) nodes.Node { return replier{} })
	add(b, rt, hn.Process(func(p *proc.P) {
		for range n {
			if _, err := p.Call(0, "ping", 0); err != nil {
				b.Error(err)
			}
		}
	}))
}

// addPong adds the handler the HTTP benchmarks call: "pong" as text,
// marked httpsim.Inline when inline is set.
func addPong(b *testing.B, rt *nodes.Runtime, hn *httpsim.Net, inline bool) {
	add(b, rt, hn.Server(func(*nodes.Env) http.Handler {
		var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "pong")
		})
		if inline {
			h = httpsim.Inline(h)
		}
		return h
	}))
}

// addGetter adds a process that makes n GETs to the pong handler through
// an *http.Client.
func addGetter(b *testing.B, rt *nodes.Runtime, hn *httpsim.Net, n int) {
	add(b, rt, hn.Process(func(p *proc.P) {
		if err := getPongs(hn.Client(), httpsim.Context(p), n); err != nil {
			b.Error(err)
		}
	}))
}

// getPongs makes n GETs through c, each with a new *http.Request, and
// reads and closes each body.
func getPongs(c *http.Client, ctx context.Context, n int) error {
	for range n {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/ping", nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return nil
}

// runTimed runs w to its end and returns what that took.
func runTimed(b *testing.B, w *sim.World) cost {
	t0 := start()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
	return t0.since()
}

// pinger sends a message on every message it gets, until left is 0.
type pinger struct {
	left *int
	peer nodes.NodeID
}

func (n *pinger) Start(env *nodes.Env) {
	if env.ID() == 0 {
		env.Send(n.peer, 1, 64)
	}
}
func (n *pinger) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if *n.left > 0 {
		*n.left--
		env.Send(from, msg, 64)
	}
}
func (n *pinger) Timer(*nodes.Env, nodes.TimerID, any) {}

// BenchmarkRawMessage is the floor: one op is one message sent and
// handled by an event-handler node.
func BenchmarkRawMessage(b *testing.B) {
	w, rt, _ := benchWorld(b)
	left := b.N
	addPingers(b, rt, &left)
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// replier answers every proc.Request with its body.
type replier struct{}

func (replier) Start(*nodes.Env) {}
func (replier) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if r, ok := msg.(*proc.Request); ok {
		proc.Reply(env, from, r, r.Body)
	}
}
func (replier) Timer(*nodes.Env, nodes.TimerID, any) {}

// BenchmarkRawCall: one op is a proc.Call and its reply (two messages).
func BenchmarkRawCall(b *testing.B) {
	w, rt, hn := benchWorld(b)
	addCaller(b, rt, hn, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHTTPRequest: one op is a GET through an *http.Client to an
// http.Handler node, body read and closed (two messages, and a process
// for the handler).
func BenchmarkHTTPRequest(b *testing.B) {
	w, rt, hn := benchWorld(b)
	addPong(b, rt, hn, false)
	addGetter(b, rt, hn, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHTTPRoundTrip: BenchmarkHTTPRequest without http.Client and
// without building a new *http.Request per op: the adapter's own cost.
func BenchmarkHTTPRoundTrip(b *testing.B) {
	w, rt, hn := benchWorld(b)
	addPong(b, rt, hn, false)
	add(b, rt, hn.Process(func(p *proc.P) {
		tr := hn.Transport()
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/ping", nil)
		for range b.N {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
		}
	}))
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHTTPVsRaw interleaves, in one process, batches of the
// operations it compares: 1 000 raw messages (as BenchmarkRawMessage),
// 1 000 proc.Call round trips (BenchmarkRawCall) and 1 000 requests
// through an *http.Client (BenchmarkHTTPRequest), each batch in a world
// of its own whose setup is not timed. Each round of three batches gives
// ratios, so a machine whose speed drifts disturbs all sides alike. It
// reports the median ns per operation of each and the medians of the
// per-round ratios; the target is http/raw-msg ≤ 5. A fourth batch
// serves the same handler marked httpsim.Inline (inline-ns,
// inline/raw-msg), and a fifth runs the client loop alone over a
// transport that answers at once (client-floor/raw-msg): net/http's own
// share, which no simulator can remove. A sixth calls
// Transport.RoundTrip directly on one reused request, without
// http.Client (roundtrip/raw-msg): the adapter's floor. Each figure is given twice: from
// wall-clock time, and (prefix cpu-) from the process's CPU time, which
// a machine busy with other work disturbs less.
func BenchmarkHTTPVsRaw(b *testing.B) {
	const batch = 1000
	raw := func() cost {
		w, rt, _ := benchWorld(b)
		left := batch
		addPingers(b, rt, &left)
		return runTimed(b, w)
	}
	call := func() cost {
		w, rt, hn := benchWorld(b)
		addCaller(b, rt, hn, batch)
		return runTimed(b, w)
	}
	httpReq := func(inline bool) cost {
		w, rt, hn := benchWorld(b)
		addPong(b, rt, hn, inline)
		addGetter(b, rt, hn, batch)
		return runTimed(b, w)
	}
	// roundTrip is httpReq without http.Client: Transport.RoundTrip
	// called directly on one reused *http.Request, the cheapest way to
	// send a request through the adapter.
	roundTrip := func() cost {
		w, rt, hn := benchWorld(b)
		addPong(b, rt, hn, false)
		add(b, rt, hn.Process(func(p *proc.P) {
			tr := hn.Transport()
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/ping", nil)
			for range batch {
				resp, err := tr.RoundTrip(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}))
		return runTimed(b, w)
	}
	// floor is the user's side of a request alone, with no world: the
	// same client loop over a RoundTripper that hands back a ready
	// response (one allocation, as any transport's).
	floor := func() cost {
		c := &http.Client{Transport: staticTransport{}}
		t0 := start()
		if err := getPongs(c, context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		return t0.since()
	}
	var wall, cpu ratios
	for b.Loop() {
		r, c, h, in, fl, tr := raw(), call(), httpReq(false), httpReq(true), floor(), roundTrip()
		wall.add(r.wall, c.wall, h.wall, in.wall, fl.wall, tr.wall, batch)
		cpu.add(r.cpu, c.cpu, h.cpu, in.cpu, fl.cpu, tr.cpu, batch)
	}
	wall.report(b, "")
	cpu.report(b, "cpu-")
}

// cost is what one batch took: wall-clock and CPU time.
type cost struct{ wall, cpu time.Duration }

type mark struct{ wall, cpu time.Duration }

func start() mark { return mark{time.Duration(time.Now().UnixNano()), cpuTime()} }

func (m mark) since() cost {
	return cost{time.Duration(time.Now().UnixNano()) - m.wall, cpuTime() - m.cpu}
}

// ratios gathers BenchmarkHTTPVsRaw's per-round figures.
type ratios struct {
	rawNs, callNs, httpNs, inlNs, httpRaw, httpCall, inlRaw, floorRaw, rtRaw []float64
}

func (q *ratios) add(r, c, h, in, fl, tr time.Duration, batch int) {
	if r <= 0 || c <= 0 {
		return // no CPU clock here
	}
	n := float64(batch)
	q.rawNs, q.callNs = append(q.rawNs, float64(r)/n), append(q.callNs, float64(c)/n)
	q.httpNs, q.inlNs = append(q.httpNs, float64(h)/n), append(q.inlNs, float64(in)/n)
	q.httpRaw, q.httpCall = append(q.httpRaw, float64(h)/float64(r)), append(q.httpCall, float64(h)/float64(c))
	q.inlRaw, q.floorRaw = append(q.inlRaw, float64(in)/float64(r)), append(q.floorRaw, float64(fl)/float64(r))
	q.rtRaw = append(q.rtRaw, float64(tr)/float64(r))
}

func (q *ratios) report(b *testing.B, prefix string) {
	if len(q.rawNs) == 0 {
		return
	}
	b.ReportMetric(medianOf(q.rawNs), prefix+"raw-msg-ns")
	b.ReportMetric(medianOf(q.callNs), prefix+"call-ns")
	b.ReportMetric(medianOf(q.httpNs), prefix+"http-ns")
	b.ReportMetric(medianOf(q.httpRaw), prefix+"http/raw-msg")
	b.ReportMetric(medianOf(q.httpCall), prefix+"http/call")
	b.ReportMetric(medianOf(q.inlNs), prefix+"inline-ns")
	b.ReportMetric(medianOf(q.inlRaw), prefix+"inline/raw-msg")
	b.ReportMetric(medianOf(q.floorRaw), prefix+"client-floor/raw-msg")
	b.ReportMetric(medianOf(q.rtRaw), prefix+"roundtrip/raw-msg")
}

// staticTransport answers every request at once with an empty 200.
type staticTransport struct{}

func (staticTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkHTTPChain: one op is a request from a process to a handler
// that calls a second handler with its r.Context() and a timeout (the
// A→B of a chain): a context that can be cancelled, so the downstream
// call watches it.
func BenchmarkHTTPChain(b *testing.B) {
	w, rt, hn := benchWorldOf(b, 3)
	tr := hn.Transport()
	if _, err := rt.Add(hn.Server(func(*nodes.Env) http.Handler { // n1: A
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := httpsim.WithTimeout(r.Context(), time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n2/b", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			_, _ = io.WriteString(w, "a")
		})
	})); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Add(hn.Server(func(*nodes.Env) http.Handler { // n2: B
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "b") })
	})); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Add(hn.Process(func(p *proc.P) { // n3
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/a", nil)
		for range b.N {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
		}
	})); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
}
