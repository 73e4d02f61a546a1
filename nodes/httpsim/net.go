package httpsim

import (
	"fmt"
	"net/http"
	"slices"
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
	opts  Options
	group proc.Group
	hosts map[string]NodeID
	wd    *watchdog
}

// New returns a Net. Call Close when the run is over.
func New(opts Options) *Net {
	n := &Net{opts: opts, hosts: map[string]NodeID{}}
	if opts.StallTimeout > 0 {
		n.wd = newWatchdog(opts.StallTimeout, opts.OnStall)
	}
	return n
}

// Host names node id: a URL whose host is name reaches it. Node names
// ("n1" for node 0) always work.
func (n *Net) Host(name string, id NodeID) { n.hosts[strings.ToLower(name)] = id }

// resolve maps a URL host (port ignored) to a node.
func (n *Net) resolve(host string) (NodeID, bool) {
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
	ctor := n.group.Constructor(body)
	if n.wd == nil {
		return ctor
	}
	return func(id NodeID) nodes.Node {
		return &watched{inner: ctor(id), wd: n.wd}
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
		s := &server{net: n, build: build}
		last[id] = s
		if n.wd != nil {
			return &watched{inner: s, wd: n.wd}
		}
		return s
	}
}

// server is one incarnation of a server node. Each request runs in a
// child process; responses to the children's own calls, and their
// timers, are offered to each live child, which ignores those not its
// own.
type server struct {
	net      *Net
	build    func(env *nodes.Env) http.Handler
	h        http.Handler
	children []child
}

type child struct {
	p    *proc.Proc
	what string // "GET /x from n3", for the stall report; "" without a watchdog
}

func (s *server) Start(env *nodes.Env) { s.h = s.build(env) }

func (s *server) Receive(env *nodes.Env, from NodeID, msg any) {
	switch m := msg.(type) {
	case *proc.Response:
		s.offer(env, func(c *proc.Proc) { c.Receive(env, from, m) })
	case *proc.Request:
		req, ok := m.Body.(*Request)
		if !ok {
			proc.Reply(env, from, m, plainResponse(http.StatusBadRequest, "httpsim: malformed request: body is %T, want *httpsim.Request", m.Body))
			return
		}
		s.serve(env, from, m, req)
	default:
		env.Log("httpsim: dropped a %T from %s: not a request", msg, env.Name())
	}
}

func (s *server) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	s.offer(env, func(c *proc.Proc) { c.Timer(env, id, data) })
}

func (s *server) offer(env *nodes.Env, f func(c *proc.Proc)) {
	for _, c := range s.children {
		if s.net.wd != nil {
			s.net.wd.describe(env.Name(), c.what)
		}
		f(c.p)
	}
	s.children = slices.DeleteFunc(s.children, func(c child) bool { return c.p.Done() })
}

func (s *server) stopAll() {
	for _, c := range s.children {
		c.p.Stop()
	}
	s.children = nil
}

// serve runs the handler for one request in a process of its own.
func (s *server) serve(env *nodes.Env, from NodeID, m *proc.Request, req *Request) {
	var what string
	if s.net.wd != nil {
		what = req.Method + " " + req.Target + " from " + nodeName(from)
		s.net.wd.describe(env.Name(), what)
	}
	c := s.net.group.Node(func(p *proc.P) {
		hr, err := req.toHTTP(nodeName(from))
		if err != nil {
			p.Reply(from, m, plainResponse(http.StatusBadRequest, "%v", err))
			return
		}
		hr = hr.WithContext(Context(p))
		w := &recorder{}
		s.h.ServeHTTP(w, hr)
		p.Reply(from, m, w.response())
	})
	c.Start(env)
	if !c.Done() {
		s.children = append(s.children, child{p: c, what: what})
	}
}

func nodeName(id NodeID) string { return "n" + strconv.Itoa(int(id)+1) }

func plainResponse(code int, format string, args ...any) *Response {
	w := &recorder{}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(fmt.Sprintf(format, args...) + "\n"))
	return w.response()
}
