package nodes

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// NodeID identifies a node.
type NodeID = network.NodeID

// Node is the code of one simulated node. Its methods run one at a time,
// in simulated time, and must not block.
type Node interface {
	// Start runs when the node starts and after each restart.
	Start(env *Env)
	// Receive handles a message from another node.
	Receive(env *Env, from NodeID, msg any)
	// Timer handles a timer set with Env.SetTimer.
	Timer(env *Env, id TimerID, data any)
}

// Constructor builds a node's volatile state. It is called at start and at
// each restart.
type Constructor func(id NodeID) Node

// TimerID identifies a timer of one node.
type TimerID uint64

// event kinds
const (
	evStart uint16 = 200 + iota
	evTimer
	evResume
)

type proc struct {
	id      NodeID
	name    string
	ctor    Constructor
	node    Node
	env     *Env
	up      bool
	epoch   int64 // bumped on crash: stale timers are ignored
	timers  map[TimerID]bool
	nextTID TimerID
	disk    map[string]any
	clock   Clock
}

// Runtime runs the nodes of one world.
type Runtime struct {
	w     *sim.World
	net   *network.Network
	procs []*proc
}

// NewRuntime returns a runtime for w and net and registers itself as the
// network's receiver.
func NewRuntime(w *sim.World, net *network.Network) *Runtime {
	rt := &Runtime{w: w, net: net}
	net.SetReceiver(rt)
	return rt
}

// World returns the runtime's world.
func (rt *Runtime) World() *sim.World { return rt.w }

// Network returns the runtime's network.
func (rt *Runtime) Network() *network.Network { return rt.net }

// Add registers a node built by ctor and schedules its start at the
// current time. Nodes get ids 0, 1, 2... in the order added, which must
// match the network's node count.
func (rt *Runtime) Add(ctor Constructor) (NodeID, error) {
	id := NodeID(len(rt.procs))
	if int(id) >= rt.net.Size() {
		return 0, fmt.Errorf("nodes: network has %d nodes, cannot add another", rt.net.Size())
	}
	p := &proc{id: id, name: network.Name(id), ctor: ctor, disk: map[string]any{}, timers: map[TimerID]bool{}}
	p.env = &Env{rt: rt, p: p, rng: rt.w.Rand("node/" + p.name)}
	rt.procs = append(rt.procs, p)
	rt.boot(p)
	return id, nil
}

func (rt *Runtime) boot(p *proc) {
	p.node = p.ctor(p.id)
	p.up = true
	rt.w.Schedule(rt.w.Now(), rt, sim.Event{Kind: evStart, Node: p.id, A: p.epoch})
}

// Node returns the current instance of node id, for tests and checks.
func (rt *Runtime) Node(id NodeID) Node { return rt.procs[id].node }

// Up reports whether node id is running.
func (rt *Runtime) Up(id NodeID) bool { return rt.procs[id].up }

// Len returns the number of nodes.
func (rt *Runtime) Len() int { return len(rt.procs) }

// Receive implements network.Receiver.
func (rt *Runtime) Receive(m *network.Message) bool {
	p := rt.procs[m.To]
	if !p.up {
		return false
	}
	rt.w.Trace(sim.Record{Kind: "deliver", Node: m.To, Peer: m.From, ID: m.ID})
	p.node.Receive(p.env, m.From, m.Payload)
	return true
}

// Handle runs start and timer events.
func (rt *Runtime) Handle(ev *sim.Event) {
	p := rt.procs[ev.Node]
	switch ev.Kind {
	case evStart:
		if !p.up || ev.A != p.epoch {
			return
		}
		p.node.Start(p.env)
	case evTimer:
		tid := TimerID(ev.B)
		if !p.up || ev.A != p.epoch || !p.timers[tid] {
			return
		}
		delete(p.timers, tid)
		rt.w.Trace(sim.Record{Kind: "timer", Node: p.id, Peer: -1, ID: uint64(tid)})
		p.node.Timer(p.env, tid, ev.Ptr)
	}
}

// Crash stops node id: its pending timers are dropped, and messages sent to
// it are dropped and counted until it restarts.
func (rt *Runtime) Crash(id NodeID) {
	p := rt.procs[id]
	if !p.up {
		return
	}
	p.up = false
	p.epoch++
	clear(p.timers)
	rt.w.Trace(sim.Record{Kind: "crash", Node: id, Peer: -1})
}

// Restart starts a crashed node again with fresh volatile state; its Disk
// is kept.
func (rt *Runtime) Restart(id NodeID) {
	p := rt.procs[id]
	if p.up {
		return
	}
	rt.w.Trace(sim.Record{Kind: "restart", Node: id, Peer: -1})
	rt.boot(p)
}

// Env is a node's window on the world.
type Env struct {
	rt  *Runtime
	p   *proc
	rng *rand.Rand
}

// ID returns the node's id.
func (e *Env) ID() NodeID { return e.p.id }

// Name returns the node's name, e.g. "n1".
func (e *Env) Name() string { return e.p.name }

// Now returns the node's local clock reading.
func (e *Env) Now() sim.Time { return e.p.clock.Read(e.rt.w.Now()) }

// TrueNow returns true simulated time. Node logic that should suffer clock
// skew must use Now instead.
func (e *Env) TrueNow() sim.Time { return e.rt.w.Now() }

// Send sends msg of size bytes to node to.
func (e *Env) Send(to NodeID, msg any, size int) uint64 {
	return e.rt.net.Send(e.p.id, to, msg, size)
}

// SetTimer fires Timer(data) after d as measured by the node's local clock.
func (e *Env) SetTimer(d time.Duration, data any) TimerID {
	p := e.p
	p.nextTID++
	tid := p.nextTID
	p.timers[tid] = true
	e.rt.w.After(p.clock.TrueDuration(d), e.rt, sim.Event{Kind: evTimer, Node: p.id, A: p.epoch, B: int64(tid), Ptr: data})
	return tid
}

// CancelTimer cancels a pending timer; it is a no-op if it already fired.
func (e *Env) CancelTimer(id TimerID) { delete(e.p.timers, id) }

// Rand returns the node's own random stream ("node/NAME").
func (e *Env) Rand() *rand.Rand { return e.rng }

// Disk returns the node's durable storage, which survives restarts.
func (e *Env) Disk() map[string]any { return e.p.disk }

// Metrics returns the world's metrics.
func (e *Env) Metrics() *sim.Metrics { return e.rt.w.Metrics }

// Log records a line in the trace.
func (e *Env) Log(format string, args ...any) {
	e.rt.w.Trace(sim.Record{Kind: "log", Node: e.p.id, Peer: -1, Detail: fmt.Sprintf(format, args...)})
}

// World returns the world, for code that needs true time or streams.
func (e *Env) World() *sim.World { return e.rt.w }
