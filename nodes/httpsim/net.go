package httpsim

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// Options sets up a Net. The zero Options is ready to use.
type Options struct {
	// StallTimeout is the wall-clock time one step of a handler or process
	// may take before the Net reports a stall (real blocking) with the
	// node and the request, and ends the program. If it is 0 there is no
	// watchdog.
	StallTimeout time.Duration
	// OnStall is called, from the watchdog's goroutine, with the report
	// when a stall is seen. If it is nil the report is printed to stderr
	// and the program exits with status 2.
	OnStall func(report string)
}

// Net holds the HTTP side of one world: server and process nodes, host
// names, and the coroutines it started. It is not safe for concurrent
// use (one world, one goroutine); build it next to the nodes.Runtime.
type Net struct {
	rt      *nodes.Runtime
	opts    Options
	group   proc.Group
	hosts   map[string]NodeID
	wd      *watchdog
	seq     uint64               // the last request number a Transport gave out
	streams map[uint64]*inStream // streamed bodies being read, by request number; looked up only
	calls   map[uint64]call      // requests waiting for their head, by number; looked up only
	names   []string             // nodeName's cache
	kids    map[NodeID]*kids     // each node's current incarnation's; looked up only
}

// New returns a Net for the nodes of rt. Call Close when the run is over.
func New(rt *nodes.Runtime, opts Options) *Net {
	n := &Net{rt: rt, opts: opts, hosts: map[string]NodeID{}, kids: map[NodeID]*kids{}}
	if opts.StallTimeout > 0 {
		n.wd = newWatchdog(opts.StallTimeout, opts.OnStall)
	}
	return n
}

// Host names node id: a URL whose host is name reaches it. Node names
// ("n1" for node 0) always work.
func (n *Net) Host(name string, id NodeID) { n.hosts[strings.ToLower(name)] = id }

// resolve maps a URL host (port ignored) to a node of the runtime.
func (n *Net) resolve(host string) (NodeID, bool) {
	id, ok := n.lookup(host)
	return id, ok && int(id) < n.rt.Len()
}

func (n *Net) lookup(host string) (NodeID, bool) {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.ToLower(host)
	if id, ok := n.hosts[host]; ok {
		return id, true
	}
	if len(host) > 1 && host[0] == 'n' {
		if k, err := strconv.Atoi(host[1:]); err == nil && k >= 1 {
			return NodeID(k - 1), true
		}
	}
	return 0, false
}

// Close stops every coroutine still parked, and the watchdog.
func (n *Net) Close() {
	n.group.Close()
	if n.wd != nil {
		n.wd.close()
		n.wd = nil
	}
}

// Transport returns a RoundTripper that sends over the simulated network
// from the process found in each request's context.
func (n *Net) Transport() *Transport { return &Transport{net: n} }

// Client returns a *http.Client over Transport. Leave its Timeout at 0:
// it would use the real clock (use WithTimeout instead).
func (n *Net) Client() *http.Client { return &http.Client{Transport: n.Transport()} }

// Process returns a constructor of nodes that run body as a process,
// stopped when the node restarts or the Net closes.
func (n *Net) Process(body func(p *proc.P)) nodes.Constructor {
	last := map[NodeID]*procNode{} // looked up only, never ranged over
	return func(id NodeID) nodes.Node {
		if old := last[id]; old != nil {
			old.Stop() // the crashed incarnation's coroutines must not linger
		}
		pn := &procNode{inner: n.group.Node(body), k: &kids{net: n}}
		last[id] = pn
		n.kids[id] = pn.k
		if n.wd != nil {
			return &watched{inner: pn, wd: n.wd}
		}
		return pn
	}
}

// Server returns a constructor of nodes that serve HTTP. build is called
// when the node starts, and again after each restart, so what the handler
// keeps in memory is lost in a crash; keep what must survive in
// env.Disk().
func (n *Net) Server(build func(env *nodes.Env) http.Handler) nodes.Constructor {
	last := map[NodeID]*server{} // looked up only, never ranged over
	return func(id NodeID) nodes.Node {
		if old := last[id]; old != nil {
			old.stopAll()
		}
		s := &server{net: n, build: build, k: &kids{net: n}}
		last[id] = s
		n.kids[id] = s.k
		if n.wd != nil {
			return &watched{inner: s, wd: n.wd}
		}
		return s
	}
}

// server is one incarnation of a server node. Each request runs in a
// worker process of its own, unless the handler is marked Inline. A
// worker that finishes its request waits for the next one, so a busy
// server does not start a coroutine per request. Responses to the
// workers' own calls, and their timers, are offered to each busy worker,
// which ignores those not its own.
type server struct {
	net   *Net
	build func(env *nodes.Env) http.Handler
	h     http.Handler
	busy  []*worker
	idle  []*worker
	k     *kids // processes a NetClock started here

	// An Inline handler runs in Receive, one request at a time, so one
	// context, base request and ResponseWriter serve them all.
	inline bool
	ictx   *simCtx
	ibase  *http.Request
	irw    recorder
	iempty http.Header // see emptyHeader

	early []early // Aborts of requests not being served, oldest first
}

// maxIdle bounds the workers kept waiting; more exit when they finish.
const maxIdle = 64

// worker is a process that serves one request at a time.
type worker struct {
	p    *proc.Proc
	ctx  *simCtx     // the context of the request being served
	from NodeID      // who sent it
	seq  uint64      // its number, for the client's Abort
	idle bool        // parked in Recv, waiting for a request
	what string      // "GET /x from n3", for the stall report; "" without a watchdog
	rw   recorder    // the ResponseWriter, reset for each request
	hdr  http.Header // see emptyHeader
	next job         // the request being handed over: a pointer to it boxes for free
}

// job is what a worker receives: one request.
type job struct {
	from NodeID
	m    *proc.Request
	req  *Request
}

func (s *server) Start(env *nodes.Env) {
	s.k.env = env
	s.h = s.build(env)
	if ih, ok := s.h.(inlineHandler); ok {
		s.h, s.inline = ih.h, true
		s.ictx = &simCtx{parent: context.Background(), env: env, cancellable: true}
		s.ibase = (&http.Request{}).WithContext(s.ictx)
	}
}

func (s *server) Receive(env *nodes.Env, from NodeID, msg any) {
	switch m := msg.(type) {
	case *proc.Response:
		s.offer(env, func(c *proc.Proc) { c.Receive(env, from, m) })
		s.k.response(env, from, m)
	case *proc.Request:
		req, ok := m.Body.(*Request)
		if !ok {
			proc.Reply(env, from, m, plainResponse(http.StatusBadRequest, "httpsim: malformed request: body is %T, want *httpsim.Request", m.Body))
			return
		}
		if s.inline {
			s.serveInline(env, job{from: from, m: m, req: req})
			return
		}
		s.dispatch(env, job{from: from, m: m, req: req})
	case *Abort:
		s.abort(from, m.Seq)
	case *Chunk:
		s.net.chunk(from, m)
	default:
		env.Log("httpsim: dropped a %T from %s: not a request", msg, env.Name())
	}
}

// abort cancels the context of request seq from node from. An Abort
// that overtook its request (a separate message may be reordered, where
// a real connection's close cannot overtake its data) is kept, and the
// request, when it comes, is served with its context already cancelled.
func (s *server) abort(from NodeID, seq uint64) {
	if seq == 0 {
		return
	}
	for _, w := range s.busy {
		if w.seq == seq && w.from == from {
			w.ctx.cancel(context.Canceled) // wakes a handler that waits
			return
		}
	}
	if len(s.early) == maxEarly {
		copy(s.early, s.early[1:])
		s.early = s.early[:maxEarly-1]
	}
	s.early = append(s.early, early{from: from, seq: seq})
}

// aborted reports whether request seq from node from was aborted before
// it arrived, and forgets it.
func (s *server) aborted(from NodeID, seq uint64) bool {
	for i, e := range s.early {
		if e.seq == seq && e.from == from && seq != 0 {
			s.early = append(s.early[:i], s.early[i+1:]...)
			return true
		}
	}
	return false
}

// early is an Abort for a request not being served: finished (the common
// case: its answer was late or lost), or not arrived yet.
type early struct {
	from NodeID
	seq  uint64
}

// maxEarly bounds the early Aborts a server remembers.
const maxEarly = 16

func (s *server) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	if s.k.timer(env, id, data) {
		s.file() // a woken worker may have finished its request
		return
	}
	s.offer(env, func(c *proc.Proc) { c.Timer(env, id, data) })
}

// offer hands an event to each busy worker, then files the workers that
// became idle or ended.
func (s *server) offer(env *nodes.Env, f func(c *proc.Proc)) {
	for _, w := range s.busy {
		if s.net.wd != nil {
			s.net.wd.describe(env.Name(), w.what)
		}
		f(w.p)
	}
	s.file()
}

func (s *server) file() {
	k := 0
	for _, w := range s.busy {
		switch {
		case w.p.Done():
		case w.idle:
			s.idle = append(s.idle, w)
		default:
			s.busy[k] = w
			k++
		}
	}
	clear(s.busy[k:])
	s.busy = s.busy[:k]
}

func (s *server) stopAll() {
	for _, w := range s.busy {
		w.p.Stop()
	}
	for _, w := range s.idle {
		w.p.Stop()
	}
	s.busy, s.idle = nil, nil
	s.k.stopAll()
}

// serveInline runs an Inline handler for one request, here in the event
// handler, and sends the response.
func (s *server) serveInline(env *nodes.Env, j job) {
	if s.net.wd != nil {
		s.net.wd.describe(env.Name(), j.req.Method+" "+j.req.Target+" from "+s.net.nodeName(j.from))
	}
	s.ictx.reset()
	if len(s.early) > 0 && s.aborted(j.from, j.req.Seq) {
		s.ictx.cancel(context.Canceled)
	}
	s.serve(env, s.ibase, j, &s.irw, emptyHeader(&s.iempty))
	s.ictx.cancel(context.Canceled) // as for a worker: the context ends with ServeHTTP
}

// dispatch gives the request to an idle worker, or to a new one.
func (s *server) dispatch(env *nodes.Env, j job) {
	var w *worker
	if n := len(s.idle); n > 0 {
		w = s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
	} else {
		w = &worker{}
		w.p = s.net.group.Node(func(p *proc.P) { s.work(p, w) })
		w.p.Start(env) // runs until it parks in Recv
	}
	if s.net.wd != nil {
		w.what = j.req.Method + " " + j.req.Target + " from " + s.net.nodeName(j.from)
		s.net.wd.describe(env.Name(), w.what)
	}
	w.from, w.seq = j.from, j.req.Seq
	s.busy = append(s.busy, w)
	w.next = j
	w.p.Receive(env, j.from, &w.next) // the worker copies it out at once
	w.next = job{}
	s.file()
}

// work is a worker's body: serve a request, then wait for the next.
func (s *server) work(p *proc.P, w *worker) {
	// One context per worker, reset for each request: the base request
	// carries it, and a copy of base is one allocation where WithContext
	// would be two.
	w.ctx = &simCtx{parent: context.Background(), p: p, env: p.Env(), cancellable: true}
	base := (&http.Request{}).WithContext(w.ctx)
	for {
		w.idle = true
		_, msg := p.Recv()
		w.idle = false
		j := *msg.(*job)
		w.ctx.reset()
		if len(s.early) > 0 && s.aborted(j.from, j.req.Seq) {
			w.ctx.cancel(context.Canceled) // the client left before it arrived
		}
		s.serve(p.Env(), base, j, &w.rw, emptyHeader(&w.hdr))
		// As net/http does: the request's context ends with ServeHTTP, and
		// so do the contexts derived from it.
		w.ctx.cancel(context.Canceled)
		if len(s.idle) >= maxIdle {
			return
		}
	}
}

// serve runs the handler for one request and sends the response. rw is
// the ResponseWriter of the worker or the inline server: response hands
// what it holds on to the Response and resets it. empty is as for toHTTP.
func (s *server) serve(env *nodes.Env, base *http.Request, j job, rw *recorder, empty http.Header) {
	hr, err := j.req.toHTTP(base, s.net.nodeName(j.from), empty)
	if err != nil {
		plainResponse(http.StatusBadRequest, "%v", err).send(env, j.from, j.m)
		return
	}
	rw.header, rw.status, rw.buf = nil, 0, rw.buf[:0] // in case a stopped handler left some
	rw.out = outStream{env: env, to: j.from, m: j.m, seq: j.req.Seq, parts: -1}
	s.h.ServeHTTP(rw, hr)
	rw.finish()
}

// emptyHeader returns *h, the header map a handler gets for a request
// without headers, renewed if the last handler wrote to it. One serves
// the requests of a worker (or of an Inline server) in turn, never two
// handlers at once. Handlers must not modify their request (net/http's
// rule); one that writes to it anyway keeps what it wrote, and the next
// request gets a new map.
func emptyHeader(h *http.Header) http.Header {
	if *h == nil || len(*h) > 0 {
		*h = http.Header{}
	}
	return *h
}

// Inline marks h as a handler that never waits in simulated time: it
// does not call the simulated client, Clock.Sleep or a process's
// blocking methods. Net.Server runs such a handler in the node's event
// handler, without a process, which makes a request cheaper (see
// BENCHMARKS.md). Its r.Context() carries the node's clock (Clock.Now,
// WithTimeout and Err work) but no process: a Transport call from it
// returns ErrInline, and Clock.Sleep returns ErrInline at once.
func Inline(h http.Handler) http.Handler { return inlineHandler{h} }

type inlineHandler struct{ h http.Handler }

func (ih inlineHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { ih.h.ServeHTTP(w, r) }

// nodeName names node id ("n1" for node 0), from a cache: a handler's
// RemoteAddr needs it for every request.
func (n *Net) nodeName(id NodeID) string {
	for int(id) >= len(n.names) {
		n.names = append(n.names, "n"+strconv.Itoa(len(n.names)+1))
	}
	return n.names[id]
}

func plainResponse(code int, format string, args ...any) *Response {
	w := &recorder{}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(fmt.Sprintf(format, args...) + "\n"))
	return w.response()
}
