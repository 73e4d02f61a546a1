package nodes

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes/storage"
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

// Stopper is implemented by nodes that hold resources beyond their
// struct, such as a coroutine (nodes/proc). Crash calls Stop.
type Stopper interface {
	Stop()
}

// Constructor builds a node's volatile state. It is called at start and at
// each restart. It receives the node's id, which is how nodes of one run
// get different configurations (see the package example).
type Constructor func(id NodeID) Node

// TimerID identifies a timer of one node.
type TimerID uint64

// DefaultProcessingTime is the base processing time of one handler call
// that a slow node stretches (see Runtime.Slow).
const DefaultProcessingTime = time.Millisecond

// event kinds
const (
	evStart uint16 = 200 + iota
	evTimer
	evResume
	evDrain
	evLeave
)

// item is work waiting in a node's inbox while the node is paused or slow.
type item struct {
	kind uint8           // itemStart, itemMsg, itemTimer
	msg  network.Message // a copy: the network may reuse its *Message
	tid  TimerID
	data any
}

const (
	itemStart uint8 = iota
	itemMsg
	itemTimer
)

type proc struct {
	id      NodeID
	name    string
	ctor    Constructor
	node    Node
	env     *Env
	up      bool
	epoch   int64 // bumped on crash: stale timers are ignored
	timers  timerSet
	nextTID TimerID
	disk    map[string]any
	store   *storage.Disk // made on first use
	clock   Clock
	// okSynced is the last storage.Synced without tag or error handed
	// to the node, boxed once: a node that syncs one file with no tag
	// (the common case) costs no allocation per sync.
	okSynced any

	// pause and slowness
	pausedUntil  sim.Time // paused while now < pausedUntil
	slow         float64  // handling slowdown factor; ≤ 1 is full speed
	inbox        []item   // FIFO of work not yet handled
	drainPending bool     // an evDrain is scheduled
	lastDone     sim.Time // when the last deferred item was handled
	starting     bool     // booted, Start not yet run: work waits behind it

	// membership (membership.go)
	out         bool   // a spare not yet joined, or a node that left: restart leaves it down
	leaving     bool   // draining before a graceful leave
	leaveSeq    int64  // token of the latest graceful leave's end event
	version     string // the version it runs ("" for the constructor it was added with)
	incarnation int    // bumped by each join after a leave, and by replace
}

// Runtime runs the nodes of one world.
type Runtime struct {
	w          *sim.World
	net        *network.Network
	procs      []*proc
	processing time.Duration
	bug        *sim.Buggify
	model      storage.Model
	versions   map[string]Constructor // DefineVersion
}

// NewRuntime returns a runtime for w and net, registers itself as the
// network's receiver and turns the network's message recycling on: the
// runtime never keeps a *network.Message (a paused node's inbox holds
// copies), and nodes only ever see the payload.
func NewRuntime(w *sim.World, net *network.Network) *Runtime {
	rt := &Runtime{w: w, net: net, processing: DefaultProcessingTime}
	net.SetReceiver(rt)
	net.Recycle(true)
	return rt
}

// World returns the runtime's world.
func (rt *Runtime) World() *sim.World { return rt.w }

// Network returns the runtime's network.
func (rt *Runtime) Network() *network.Network { return rt.net }

// SetBuggify attaches the run's BUGGIFY sites; nodes reach them through
// Env.Buggify. Without it, Env.Buggify never fires.
func (rt *Runtime) SetBuggify(b *sim.Buggify) { rt.bug = b }

// SetStorage sets the model of the nodes' disks (Env.Storage). Call it
// before any node touches its disk; it returns the model's error, if any.
func (rt *Runtime) SetStorage(m storage.Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	rt.model = m
	return nil
}

// Storage returns node id's disk, which survives restarts and loses what
// its model says at a crash. The disk is made on first use, so a run
// that never uses one draws nothing for it.
func (rt *Runtime) Storage(id NodeID) *storage.Disk {
	p := rt.procs[id]
	if p.store == nil {
		d, err := storage.New(rt.w, int32(p.id), p.name, rt.model, func(s storage.Synced) { rt.synced(p, s) })
		if err != nil {
			panic(err) // SetStorage validated the model
		}
		p.store = d
	}
	return p.store
}

// synced hands a completed sync to the node as a timer that fires now:
// at once, or behind a pause or a slow node's queue like any timer.
func (rt *Runtime) synced(p *proc, s storage.Synced) {
	if !p.up {
		return
	}
	p.nextTID++
	data := p.boxSynced(s)
	if rt.deferred(p) {
		p.timers.add(p.nextTID)
		rt.enqueue(p, item{kind: itemTimer, tid: p.nextTID, data: data})
		return
	}
	rt.w.Trace(sim.Record{Kind: "timer", Node: int32(p.id), Peer: -1, ID: uint64(p.nextTID)})
	p.node.Timer(p.env, p.nextTID, data)
}

// boxSynced returns s as an any, reusing the last box when s carries no
// tag and no error and names the same file. A boxed value cannot be
// changed through the interface, so sharing it is safe. A SyncSeq's
// completion is passed on as the *SeqSynced it carries.
func (p *proc) boxSynced(s storage.Synced) any {
	if q, ok := s.Tag.(*storage.SeqSynced); ok { // from SyncSeq: no box to make
		return q
	}
	if s.Tag != nil || s.Err != nil {
		return s
	}
	if last, ok := p.okSynced.(storage.Synced); ok && last.Name == s.Name {
		return p.okSynced
	}
	p.okSynced = s
	return p.okSynced
}

// SetProcessingTime sets the base processing time that Slow stretches.
// It has no effect on nodes at full speed.
func (rt *Runtime) SetProcessingTime(d time.Duration) {
	if d < 0 {
		d = 0
	}
	rt.processing = d
}

// Add registers a node built by ctor and schedules its start at the
// current time. Nodes get ids 0, 1, 2... in the order added, which must
// match the network's node count.
func (rt *Runtime) Add(ctor Constructor) (NodeID, error) {
	p, err := rt.register(ctor)
	if err != nil {
		return 0, err
	}
	rt.boot(p)
	return p.id, nil
}

// register makes the next node slot, not started.
func (rt *Runtime) register(ctor Constructor) (*proc, error) {
	id := NodeID(len(rt.procs))
	if int(id) >= rt.net.Size() {
		return nil, fmt.Errorf("nodes: network has %d nodes, cannot add another", rt.net.Size())
	}
	p := &proc{id: id, name: network.Name(id), ctor: ctor, disk: map[string]any{}}
	p.env = &Env{rt: rt, p: p, rng: rt.w.Rand("node/" + p.name)}
	rt.procs = append(rt.procs, p)
	return p, nil
}

func (rt *Runtime) boot(p *proc) {
	ctor := p.ctor
	if p.version != "" {
		ctor = rt.versions[p.version]
	}
	p.node = ctor(p.id)
	p.up = true
	p.starting = true
	rt.w.Schedule(rt.w.Now(), rt, sim.Event{Kind: evStart, Node: int32(p.id), A: p.epoch})
}

// Node returns the current instance of node id, for tests and checks.
func (rt *Runtime) Node(id NodeID) Node { return rt.procs[id].node }

// Up reports whether node id is running.
func (rt *Runtime) Up(id NodeID) bool { return rt.procs[id].up }

// Paused reports whether node id is paused now.
func (rt *Runtime) Paused(id NodeID) bool {
	p := rt.procs[id]
	return p.up && rt.w.Now() < p.pausedUntil
}

// Len returns the number of nodes.
func (rt *Runtime) Len() int { return len(rt.procs) }

// deferred reports whether new work for p must wait in its inbox: the node
// is paused or slow, or older work is still waiting (FIFO order).
func (rt *Runtime) deferred(p *proc) bool {
	return p.starting || len(p.inbox) > 0 || rt.w.Now() < p.pausedUntil || p.slow > 1
}

// Receive implements network.Receiver.
func (rt *Runtime) Receive(m *network.Message) bool {
	p := rt.procs[m.To]
	if !p.up {
		return false
	}
	if rt.deferred(p) {
		rt.enqueue(p, item{kind: itemMsg, msg: *m})
		return true
	}
	rt.deliver(p, m)
	return true
}

func (rt *Runtime) deliver(p *proc, m *network.Message) {
	rt.w.Trace(sim.Record{Kind: "deliver", Node: int32(m.To), Peer: int32(m.From), ID: m.ID})
	p.env.from = m.From + 1
	defer func() { p.env.from = 0 }() // also when Receive panics
	p.node.Receive(p.env, m.From, m.Payload)
}

func (rt *Runtime) fire(p *proc, tid TimerID, data any) {
	p.timers.del(tid)
	rt.w.Trace(sim.Record{Kind: "timer", Node: int32(p.id), Peer: -1, ID: uint64(tid)})
	p.node.Timer(p.env, tid, data)
}

func (rt *Runtime) enqueue(p *proc, it item) {
	if it.kind == itemMsg {
		// The message reached the host; the process has not seen it yet.
		rt.w.Trace(sim.Record{Kind: "queue", Node: int32(p.id), Peer: int32(it.msg.From), ID: it.msg.ID})
	}
	p.inbox = append(p.inbox, it)
	rt.scheduleDrain(p)
}

// extra is the delay a slow node adds to each handler call.
func (rt *Runtime) extra(p *proc) time.Duration {
	if p.slow <= 1 {
		return 0
	}
	return time.Duration((p.slow - 1) * float64(rt.processing))
}

// scheduleDrain schedules the handling of the inbox's head, unless one is
// scheduled or the node is paused (resume schedules it then). A slow node
// is a single server: each item is handled extra after the later of its
// arrival and the previous item's handling.
func (rt *Runtime) scheduleDrain(p *proc) {
	now := rt.w.Now()
	if p.drainPending || len(p.inbox) == 0 || now < p.pausedUntil {
		return
	}
	at := max(now, p.lastDone).Add(rt.extra(p))
	p.drainPending = true
	rt.w.Schedule(at, rt, sim.Event{Kind: evDrain, Node: int32(p.id), A: p.epoch})
}

func (rt *Runtime) drain(p *proc) {
	p.drainPending = false
	for p.up && len(p.inbox) > 0 && rt.w.Now() >= p.pausedUntil {
		it := p.inbox[0]
		p.inbox[0] = item{}
		p.inbox = p.inbox[1:]
		switch it.kind {
		case itemStart:
			p.node.Start(p.env)
		case itemMsg:
			rt.deliver(p, &it.msg)
		case itemTimer:
			if p.timers.has(it.tid) { // not cancelled while it waited
				rt.fire(p, it.tid, it.data)
			}
		}
		p.lastDone = rt.w.Now()
		if rt.extra(p) > 0 {
			break // the next item takes its own processing time
		}
	}
	if len(p.inbox) == 0 {
		p.inbox = nil
	}
	rt.scheduleDrain(p)
}

// Handle runs start, timer, resume and drain events.
func (rt *Runtime) Handle(ev *sim.Event) {
	p := rt.procs[ev.Node]
	if ev.Kind == evLeave {
		rt.leaveEnd(p, ev.A)
		return
	}
	if !p.up || ev.A != p.epoch {
		return
	}
	switch ev.Kind {
	case evStart:
		p.starting = false
		if rt.deferred(p) {
			// Anything already waiting arrived after the boot, so Start
			// goes first.
			p.inbox = append([]item{{kind: itemStart}}, p.inbox...)
			rt.scheduleDrain(p)
			return
		}
		p.node.Start(p.env)
	case evTimer:
		tid := TimerID(ev.B)
		if !p.timers.has(tid) {
			return
		}
		if rt.deferred(p) {
			rt.enqueue(p, item{kind: itemTimer, tid: tid, data: ev.Ptr})
			return
		}
		rt.fire(p, tid, ev.Ptr)
	case evResume:
		if rt.w.Now() < p.pausedUntil {
			return // the pause was extended; a later resume ends it
		}
		rt.w.Trace(sim.Record{Kind: "resume", Node: int32(p.id), Peer: -1})
		rt.scheduleDrain(p)
	case evDrain:
		rt.drain(p)
	}
}

// Crash stops node id: its pending timers are dropped, work waiting in
// its inbox is lost, and messages sent to it are dropped and counted (by
// the network, cause "down") until it restarts.
func (rt *Runtime) Crash(id NodeID) {
	p := rt.procs[id]
	if !p.up {
		return
	}
	rt.stop(p, "crash", "")
}

// stop ends node p's process: timers dropped, inbox lost, the disk cut
// back by the storage model (in-flight syncs dropped), Stop called. kind
// and detail make the trace record.
func (rt *Runtime) stop(p *proc, kind, detail string) {
	id := p.id
	p.up = false
	p.epoch++
	p.starting = false
	p.timers.clear()
	lost := 0
	for _, it := range p.inbox {
		if it.kind == itemMsg {
			lost++
		}
	}
	if lost > 0 {
		rt.w.Metrics.Counter("node_queued_lost").Add(float64(lost))
	}
	p.inbox = nil
	p.drainPending = false
	p.pausedUntil = 0
	p.lastDone = 0
	rt.w.Trace(sim.Record{Kind: kind, Node: int32(id), Peer: -1, Detail: detail})
	if p.store != nil {
		p.store.Crash()
	}
	if st, ok := p.node.(Stopper); ok {
		st.Stop()
	}
}

// Restart starts a crashed node again with fresh volatile state; its Disk
// and what its Storage kept are kept, and so are its clock and slowness,
// which belong to the machine. A node that is not a member (a spare not
// yet joined, or a node that left) stays down: Join brings it in.
func (rt *Runtime) Restart(id NodeID) {
	p := rt.procs[id]
	if p.up || p.out {
		return
	}
	rt.w.Trace(sim.Record{Kind: "restart", Node: int32(id), Peer: -1})
	rt.boot(p)
}

// Pause stops node id's world for d, like a long garbage-collection pause:
// it handles nothing, its timers wait, and messages that arrive queue up.
// When the pause ends it handles the waiting work in arrival order. A
// pause of a down node is a no-op; pausing a paused node extends the pause.
func (rt *Runtime) Pause(id NodeID, d time.Duration) {
	p := rt.procs[id]
	if !p.up || d <= 0 {
		return
	}
	until := rt.w.Now().Add(d)
	if until <= p.pausedUntil {
		return
	}
	p.pausedUntil = until
	rt.w.Trace(sim.Record{Kind: "pause", Node: int32(id), Peer: -1, Detail: d.String()})
	rt.w.Schedule(until, rt, sim.Event{Kind: evResume, Node: int32(id), A: p.epoch})
}

// Slow makes node id a gray failure: each handler call (start, message,
// timer) is handled (factor−1)·ProcessingTime later than it would be, and
// the node handles one call at a time, so work queues up behind a slow
// node. Sends and timers the node sets are not stretched. factor ≤ 1
// restores full speed.
func (rt *Runtime) Slow(id NodeID, factor float64) {
	p := rt.procs[id]
	if !(factor > 1) { // also catches NaN
		factor = 1
	}
	if factor == p.slow || (factor == 1 && p.slow <= 1) {
		return
	}
	p.slow = factor
	rt.w.Trace(sim.Record{Kind: "slow", Node: int32(id), Peer: -1, Detail: fmt.Sprintf("x%g", factor)})
}

// SlowFactor returns node id's slowdown factor (1 at full speed).
func (rt *Runtime) SlowFactor(id NodeID) float64 { return max(rt.procs[id].slow, 1) }

// Env is a node's window on the world.
type Env struct {
	rt   *Runtime
	p    *proc
	rng  *rand.Rand
	from NodeID // the sender + 1 while Receive runs, else 0
}

// ID returns the node's id.
func (e *Env) ID() NodeID { return e.p.id }

// From returns the sender of the message the node is handling, while
// its Receive runs; false in Start, Timer and Stop. Code that records
// an event (scenarios.StateCover.Mark) learns from it which peer took
// part. A node written as a process (nodes/proc, httpsim) runs its body
// inside the Receive of whichever message resumed it, so there From
// names that message's sender, not necessarily the one the body handles.
func (e *Env) From() (NodeID, bool) { return e.from - 1, e.from > 0 }

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

// SetTimer fires Timer(data) after d as measured by the node's local
// clock: the drift at the time it is set scales it. Like a monotonic
// timer, it is not moved by later clock jumps.
func (e *Env) SetTimer(d time.Duration, data any) TimerID {
	p := e.p
	p.nextTID++
	tid := p.nextTID
	p.timers.add(tid)
	td := p.clock.TrueDuration(d)
	if e.rt.bug.Fire("nodes.timer_late", 0.05) {
		td += td / 2 // a timer that fires late makes timeout races common
	}
	e.rt.w.Post(e.rt.w.Now().Add(td), e.rt, evTimer, int32(p.id), p.epoch, int64(tid), data)
	return tid
}

// CancelTimer cancels a pending timer; it is a no-op if it already fired.
func (e *Env) CancelTimer(id TimerID) { e.p.timers.del(id) }

// Rand returns the node's own random stream ("node/NAME").
func (e *Env) Rand() *rand.Rand { return e.rng }

// Disk returns the node's durable state, which survives restarts: a
// store of Go values in which every write is durable at once, as if each
// were synced before it returned. Storage is the disk with fsync.
func (e *Env) Disk() map[string]any { return e.p.disk }

// Storage returns the node's disk: files whose bytes are durable only
// once a Sync completes (a storage.Synced reaches Timer), and which a
// crash cuts back by the runtime's storage model.
func (e *Env) Storage() *storage.Disk { return e.rt.Storage(e.p.id) }

// Metrics returns the world's metrics.
func (e *Env) Metrics() *sim.Metrics { return e.rt.w.Metrics }

// Buggify reports whether the BUGGIFY site fires now (see sim.Buggify).
// It never fires unless the run turned buggify on.
func (e *Env) Buggify(site string, prob float64) bool { return e.rt.bug.Fire(site, prob) }

// Log records a line in the trace (a "log" record of this node), for the
// trace file and the HTML report. It is formatted only while a trace sink
// is attached and never feeds the trace hash, so logging does not change
// a run. Guard a call whose arguments cost to build with Tracing.
func (e *Env) Log(format string, args ...any) {
	if !e.rt.w.Tracing() {
		return
	}
	e.rt.w.Observe(sim.Record{Kind: "log", Node: int32(e.p.id), Peer: -1, Detail: fmt.Sprintf(format, args...)})
}

// Tracing reports whether a trace sink is attached, i.e. whether Log
// lines go anywhere.
func (e *Env) Tracing() bool { return e.rt.w.Tracing() }

// World returns the world, for code that needs true time or streams.
func (e *Env) World() *sim.World { return e.rt.w }

// Always asserts that cond holds here every time; a run where it does not
// fails its check "always NAME".
func (e *Env) Always(name string, cond bool) { e.rt.w.Assertions().Always(name, cond) }

// Sometimes asserts that cond is true here at least once across a sweep
// or an exploration; a sweep lists those that never were, so a test
// shows whether it reaches the dangerous case at all.
func (e *Env) Sometimes(name string, cond bool) { e.rt.w.Assertions().Sometimes(name, cond) }

// Reachable records that this point was reached; a sweep lists those
// that never were.
func (e *Env) Reachable(name string) { e.rt.w.Assertions().Reachable(name) }

// Cover records a state fingerprint for guided exploration, e.g.
// fmt.Sprintf("role=%s term=%d", role, term): schedules that reach new
// fingerprints are kept and mutated further.
func (e *Env) Cover(fingerprint string) { e.rt.w.Assertions().Cover(fingerprint) }
