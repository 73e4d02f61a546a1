package httpsim_test

import (
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
	w := sim.New(1, sim.Options{})
	nw, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		b.Fatal(err)
	}
	rt := nodes.NewRuntime(w, nw)
	hn := httpsim.New(rt, httpsim.Options{})
	b.Cleanup(hn.Close)
	return w, rt, hn
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
	for i := range 2 {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &pinger{left: &left, peer: nodes.NodeID(1 - i)} }); err != nil {
			b.Fatal(err)
		}
	}
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
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return replier{} }); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Add(hn.Process(func(p *proc.P) {
		for range b.N {
			if _, err := p.Call(0, "ping", 0); err != nil {
				b.Error(err)
			}
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

// BenchmarkHTTPRequest: one op is a GET through an *http.Client to an
// http.Handler node, body read and closed (two messages, and a process
// for the handler).
func BenchmarkHTTPRequest(b *testing.B) {
	w, rt, hn := benchWorld(b)
	if _, err := rt.Add(hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "pong")
		})
	})); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Add(hn.Process(func(p *proc.P) {
		c := hn.Client()
		ctx := httpsim.Context(p)
		for range b.N {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/ping", nil)
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
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

// BenchmarkHTTPRoundTrip: BenchmarkHTTPRequest without http.Client and
// without building a new *http.Request per op: the adapter's own cost.
func BenchmarkHTTPRoundTrip(b *testing.B) {
	w, rt, hn := benchWorld(b)
	if _, err := rt.Add(hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "pong")
		})
	})); err != nil {
		b.Fatal(err)
	}
	if _, err := rt.Add(hn.Process(func(p *proc.P) {
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
	})); err != nil {
		b.Fatal(err)
	}
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
// inline/raw-msg).
func BenchmarkHTTPVsRaw(b *testing.B) {
	const batch = 1000
	raw := func() time.Duration {
		w, rt, _ := benchWorld(b)
		left := batch
		for i := range 2 {
			if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &pinger{left: &left, peer: nodes.NodeID(1 - i)} }); err != nil {
				b.Fatal(err)
			}
		}
		t0 := time.Now()
		if err := w.Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	call := func() time.Duration {
		w, rt, hn := benchWorld(b)
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return replier{} }); err != nil {
			b.Fatal(err)
		}
		if _, err := rt.Add(hn.Process(func(p *proc.P) {
			for range batch {
				if _, err := p.Call(0, "ping", 0); err != nil {
					b.Error(err)
				}
			}
		})); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := w.Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	httpReq := func(inline bool) time.Duration {
		w, rt, hn := benchWorld(b)
		if _, err := rt.Add(hn.Server(func(*nodes.Env) http.Handler {
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = io.WriteString(w, "pong")
			})
			if inline {
				h = httpsim.Inline(h)
			}
			return h
		})); err != nil {
			b.Fatal(err)
		}
		if _, err := rt.Add(hn.Process(func(p *proc.P) {
			c := hn.Client()
			ctx := httpsim.Context(p)
			for range batch {
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/ping", nil)
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := w.Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var rawNs, callNs, httpNs, httpRaw, httpCall, inlNs, inlRaw []float64
	for b.Loop() {
		r, c, h, in := float64(raw())/batch, float64(call())/batch, float64(httpReq(false))/batch, float64(httpReq(true))/batch
		rawNs, callNs, httpNs, inlNs = append(rawNs, r), append(callNs, c), append(httpNs, h), append(inlNs, in)
		httpRaw, httpCall, inlRaw = append(httpRaw, h/r), append(httpCall, h/c), append(inlRaw, in/r)
	}
	b.ReportMetric(medianOf(rawNs), "raw-msg-ns")
	b.ReportMetric(medianOf(callNs), "call-ns")
	b.ReportMetric(medianOf(httpNs), "http-ns")
	b.ReportMetric(medianOf(httpRaw), "http/raw-msg")
	b.ReportMetric(medianOf(httpCall), "http/call")
	b.ReportMetric(medianOf(inlNs), "inline-ns")
	b.ReportMetric(medianOf(inlRaw), "inline/raw-msg")
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
