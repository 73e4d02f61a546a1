package network

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/faultline/faultline/sim"
)

// NodeID identifies a node: 0..N-1. Its display name is "n" + (id+1).
type NodeID int32

// String returns the node's name, n1 for node 0: the name fault files,
// traces and messages use. %d still prints the index.
func (id NodeID) String() string { return Name(id) }

// Name returns the display name of id, e.g. "n1" for 0.
func Name(id NodeID) string {
	if id >= 0 && int(id) < len(names) {
		return names[id] // no allocation: payloads name nodes often
	}
	return "n" + strconv.Itoa(int(id)+1)
}

// names holds the names of the first ids.
var names = func() (n [256]string) {
	for i := range n {
		n[i] = "n" + strconv.Itoa(i+1)
	}
	return n
}()

// Message is one message in flight.
//
// With Network.Recycle on, the network reuses a *Message once it has been
// delivered or dropped: a Receiver or a rule may then keep m.Payload, or a
// copy of *m, but not the pointer m past the call that handed it over.
type Message struct {
	ID        uint64
	SentAt    sim.Time
	Payload   any
	From, To  NodeID
	Size      int32 // bytes, for bandwidth and transport cost
	Corrupted bool  // set when the link corrupted the payload
	Duplicate bool  // a copy made by the link
}

// Receiver takes delivered messages. It returns false when the destination
// is down, and the network counts the message as dropped for that cause.
// With recycling on, it must not keep m after it returns (see Recycle).
type Receiver interface {
	Receive(m *Message) bool
}

// Link holds the parameters of one directed link. The zero value is a
// perfect link: zero latency, no loss, unlimited bandwidth.
type Link struct {
	Latency   Dist    // one-way propagation delay
	Loss      float64 // probability a message is lost
	Duplicate float64 // probability a message is delivered twice
	// Reorder is the probability that a message is held behind later ones:
	// it gets an extra delay drawn from ReorderDelay.
	Reorder float64
	// ReorderDelay is the extra delay of a reordered message. The zero Dist
	// means: draw it from Latency.
	ReorderDelay Dist
	// BandwidthBytesPerSec limits the link's throughput; a message waits
	// until the link has transmitted the earlier ones, then takes
	// Size/BandwidthBytesPerSec to transmit. 0 means unlimited.
	BandwidthBytesPerSec int64
	// QueueBytes bounds the bytes waiting to be transmitted, including the
	// message being transmitted. A message that does not fit is dropped
	// with CauseQueueFull. 0 means unbounded. It needs a bandwidth.
	QueueBytes int64
	// Corrupt is the probability that a delivered message has
	// Message.Corrupted set.
	Corrupt float64
}

// Validate checks the parameters. Its errors name the field as ParseLink
// spells it and say what it accepts.
func (l Link) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", l.Loss}, {"duplicate", l.Duplicate}, {"reorder", l.Reorder}, {"corrupt", l.Corrupt}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("%s %v: want a probability in [0, 1]", p.name, p.v)
		}
	}
	if err := l.Latency.Validate(); err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	if l.ReorderDelay != (Dist{}) {
		if err := l.ReorderDelay.Validate(); err != nil {
			return fmt.Errorf("reorder_delay: %w", err)
		}
	}
	if l.BandwidthBytesPerSec < 0 {
		return fmt.Errorf("bandwidth %d: want bytes per second ≥ 0 (0 = unlimited)", l.BandwidthBytesPerSec)
	}
	if l.QueueBytes < 0 {
		return fmt.Errorf("queue %d: want bytes ≥ 0 (0 = unbounded)", l.QueueBytes)
	}
	if l.QueueBytes > 0 && l.BandwidthBytesPerSec == 0 {
		return fmt.Errorf("queue %d: a queue needs a bandwidth > 0", l.QueueBytes)
	}
	return nil
}

// Drop causes, as they appear in LinkStats.Dropped, in trace records
// (Detail) and in metric names (net_dropped_CAUSE).
const (
	CauseLoss      = "loss"       // the link lost it
	CausePartition = "partition"  // a grudge cut the link, at send or on arrival
	CauseQueueFull = "queue_full" // the link's queue had no room
	CauseDown      = "down"       // the receiver was down
	CauseRule      = "rule"       // a fault rule dropped it
)

// Causes lists every drop cause in a fixed order.
var Causes = []string{CauseLoss, CausePartition, CauseQueueFull, CauseDown, CauseRule}

const (
	causeLoss = iota
	causePartition
	causeQueueFull
	causeDown
	causeRule
	numCauses
)

// counters are a link's raw counts, or the network's totals.
type counters struct {
	sent, delivered, duplicated, corrupted, reordered uint64
	bytesSent, bytesDelivered                         uint64
	dropped                                           [numCauses]uint64
	inFlight                                          int64
}

// nodeCounters are one node's traffic: what it sent, what it was handed.
type nodeCounters struct {
	sent, bytesSent, delivered, bytesDelivered uint64
}

// linkState is what one directed link holds beyond the defaults: an
// override, a clog, a hold, a busy bandwidth queue, and its counters when
// per-link counting is on. Large worlds keep one only while the link
// differs from the defaults (see sweep).
type linkState struct {
	from, to NodeID
	params   *Link    // &Network.defaults unless overridden
	busy     sim.Time // when the link finishes transmitting what it has
	clog     float64  // latency factor; 0 = not clogged
	clogGen  uint64   // the clog in force; unclog events of other clogs do nothing
	holding  bool
	held     []*Message
	c        counters // kept when per-link counting is on
}

// event kinds
const (
	evDeliver uint16 = 100 + iota
	evRelease
	evUnclog
)

// denseMax is the largest world whose links live in an n×n slice and
// count their traffic by default; larger worlds keep link states in a map,
// only for links that differ from the defaults.
var denseMax = 256

// sweepMin is the number of link states a large world keeps before it
// first looks for idle ones to free.
const sweepMin = 64

// Network is the set of links of one world.
type Network struct {
	w        *sim.World
	rng      *rand.Rand
	n        int
	defaults Link
	dense    []*linkState // n*n entries when n ≤ denseMax
	sparse   map[uint64]*linkState
	sweepAt  int          // sparse: look for idle states when it holds this many
	all      []*linkState // with per-link counting: every link state, in creation order
	perLink  bool         // count traffic per link
	nodes    []nodeCounters
	tot      counters // every link's counts; tot.inFlight is unused (see inFlight)
	discard  counters // where per-link counts go when per-link counting is off
	recv     Receiver
	cut      [][]uint64 // cut[to] is the bitset of senders to drops; nil: no partition
	rules    []rule
	ruleSeq  uint64
	clogSeq  uint64
	holds    int // links holding now
	held     int // messages held now, on every link
	reuse    bool
	free     []*Message
	slab     []Message
	inFlight int64
	nextID   uint64
	lastSend sim.Time // when the latest message was sent
}

// LastSend returns the simulated time of the latest Send, or -1 if none.
func (nw *Network) LastSend() sim.Time {
	if nw.nextID == 0 {
		return -1
	}
	return nw.lastSend
}

// New returns a network of n nodes whose links all use defaults. Worlds of
// up to 256 nodes get one slice of n² pointers and count traffic per link
// (see CountLinks); larger ones keep state only for the links that differ
// from the defaults, and count traffic per node and in total.
func New(w *sim.World, n int, defaults Link) (*Network, error) {
	if n <= 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("network: node count %d must be in [1, %d]", n, math.MaxInt32)
	}
	if err := defaults.Validate(); err != nil {
		return nil, fmt.Errorf("network defaults: %w", err)
	}
	nw := &Network{w: w, rng: w.Rand("net"), n: n, defaults: defaults, nodes: make([]nodeCounters, n)}
	if n <= denseMax {
		nw.dense = make([]*linkState, n*n)
		nw.perLink = true
	} else {
		nw.sparse = map[uint64]*linkState{}
		nw.sweepAt = sweepMin
	}
	return nw, nil
}

// Size returns the number of nodes.
func (nw *Network) Size() int { return nw.n }

// SetReceiver sets where delivered messages go.
func (nw *Network) SetReceiver(r Receiver) { nw.recv = r }

// CountLinks turns per-link counting on or off: Stats and LinkCosts report
// per link only while it is on. It is on by default in worlds of up to 256
// nodes and off in larger ones, where a link state for every pair that
// ever talked would cost more than the messages. Totals, NodeStats and
// CostMetrics count in every case. Call it before the first Send.
func (nw *Network) CountLinks(on bool) error {
	if nw.nextID > 0 {
		return fmt.Errorf("network: CountLinks(%v) after %d sends: call it before the first Send", on, nw.nextID)
	}
	nw.perLink = on
	return nil
}

// CountsLinks reports whether per-link counting is on.
func (nw *Network) CountsLinks() bool { return nw.perLink }

func key(from, to NodeID) uint64 { return uint64(uint32(from))<<32 | uint64(uint32(to)) }

func (nw *Network) inRange(from, to NodeID) {
	if uint32(from) >= uint32(nw.n) || uint32(to) >= uint32(nw.n) {
		panic(fmt.Sprintf("network: link %d->%d: node id out of range [0, %d)", from, to, nw.n))
	}
}

// link returns the state of from → to, creating it if it has none.
func (nw *Network) link(from, to NodeID) *linkState {
	nw.inRange(from, to)
	if nw.dense != nil {
		i := int(from)*nw.n + int(to)
		if l := nw.dense[i]; l != nil {
			return l
		}
		l := nw.newLink(from, to)
		nw.dense[i] = l
		return l
	}
	k := key(from, to)
	if l, ok := nw.sparse[k]; ok {
		return l
	}
	if len(nw.sparse) >= nw.sweepAt {
		nw.sweep()
	}
	l := nw.newLink(from, to)
	nw.sparse[k] = l
	return l
}

// state returns the state of from → to for a message: created when
// per-link counting is on, else nil unless the link has one.
func (nw *Network) state(from, to NodeID) *linkState {
	if nw.perLink {
		return nw.link(from, to)
	}
	nw.inRange(from, to)
	if nw.dense != nil {
		return nw.dense[int(from)*nw.n+int(to)]
	}
	if len(nw.sparse) == 0 {
		return nil
	}
	return nw.sparse[key(from, to)]
}

// counts returns where l's per-link counts go.
func (nw *Network) counts(l *linkState) *counters {
	if nw.perLink && l != nil {
		return &l.c
	}
	return &nw.discard
}

func (nw *Network) newLink(from, to NodeID) *linkState {
	l := &linkState{from: from, to: to, params: &nw.defaults}
	if nw.perLink {
		nw.all = append(nw.all, l)
	}
	return l
}

// idle reports whether l holds nothing the defaults do not say.
func (nw *Network) idle(l *linkState) bool {
	return l.params == &nw.defaults && l.clog == 0 && !l.holding && len(l.held) == 0 &&
		l.busy <= nw.w.Now()
}

// sweep frees the idle link states of a large world, and sets when to
// look again: when the map has doubled, so that the work is O(1) per
// state created. Which states it frees does not depend on map order.
func (nw *Network) sweep() {
	if !nw.perLink {
		for k, l := range nw.sparse {
			if nw.idle(l) {
				delete(nw.sparse, k)
			}
		}
	}
	nw.sweepAt = max(sweepMin, 2*len(nw.sparse))
}

// LinkStates returns how many links hold a state now: overrides, clogs,
// holds, busy bandwidth queues, and every link used when per-link counting
// is on. For tests and memory reports.
func (nw *Network) LinkStates() int {
	if nw.dense != nil {
		n := 0
		for _, l := range nw.dense {
			if l != nil {
				n++
			}
		}
		return n
	}
	return len(nw.sparse)
}

// peek returns the state of from → to, or nil if it has none.
func (nw *Network) peek(from, to NodeID) *linkState {
	if uint32(from) >= uint32(nw.n) || uint32(to) >= uint32(nw.n) {
		return nil
	}
	if nw.dense != nil {
		return nw.dense[int(from)*nw.n+int(to)]
	}
	return nw.sparse[key(from, to)]
}

// SetDefaults replaces the parameters of every link that has no override.
func (nw *Network) SetDefaults(p Link) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("network defaults: %w", err)
	}
	nw.defaults = p
	return nil
}

// Defaults returns the parameters of links without an override.
func (nw *Network) Defaults() Link { return nw.defaults }

// SetLink overrides the parameters of the directed link from → to.
func (nw *Network) SetLink(from, to NodeID, p Link) error {
	if err := nw.check(from, to); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("link %s: %w", LinkName(from, to), err)
	}
	nw.link(from, to).params = &p
	return nil
}

// ResetLink makes from → to follow the defaults again.
func (nw *Network) ResetLink(from, to NodeID) error {
	if err := nw.check(from, to); err != nil {
		return err
	}
	if l := nw.peek(from, to); l != nil {
		l.params = &nw.defaults
	}
	return nil
}

// LinkParams returns the parameters in force on from → to.
func (nw *Network) LinkParams(from, to NodeID) Link {
	if l := nw.peek(from, to); l != nil {
		return *l.params
	}
	return nw.defaults
}

func (nw *Network) check(ids ...NodeID) error {
	for _, id := range ids {
		if id < 0 || int(id) >= nw.n {
			return fmt.Errorf("node id %d out of range [0, %d)", id, nw.n)
		}
	}
	return nil
}

// slabSize is how many Messages one allocation provides when recycling is
// off.
const slabSize = 128

func (nw *Network) alloc() *Message {
	if k := len(nw.free); k > 0 {
		m := nw.free[k-1]
		nw.free = nw.free[:k-1]
		return m
	}
	if len(nw.slab) == 0 {
		nw.slab = sim.Take[Message](nw.w.Arena(), slabSize)
	}
	m := &nw.slab[0]
	nw.slab = nw.slab[1:]
	return m
}

func (nw *Network) recycle(m *Message) {
	if nw.reuse {
		*m = Message{}
		nw.free = append(nw.free, m)
	}
}

// Recycle turns message recycling on or off (default off). With it on, the
// network reuses a *Message once it has been delivered or dropped, and a
// Receiver or rule must not keep the pointer past its call (it may keep
// Payload or a copy of the Message). A receiver that queues *Message, as a
// paused node's inbox does, needs it off. Off, messages come from slabs of
// 128, which already saves most allocations.
func (nw *Network) Recycle(on bool) {
	nw.reuse = on
	if !on {
		nw.free = nil
	}
}

// Send puts a message from → to on the wire and returns its id. The link
// applies, in order: fault rules, the partition, the bandwidth queue, loss,
// corruption, latency (with reordering and clogging), duplication. A
// message that arrives on a held link waits until it is released.
// It panics if from or to is out of range, which is a bug in the caller. A
// size is counted within [0, 2³¹-1] bytes.
func (nw *Network) Send(from, to NodeID, payload any, size int) uint64 {
	l := nw.state(from, to)
	c := nw.counts(l)
	nw.nextID++
	id := nw.nextID
	now := nw.w.Now()
	nw.lastSend = now
	m := nw.alloc()
	size = min(max(size, 0), math.MaxInt32) // Message.Size is 32 bits, to keep messages small
	m.ID, m.From, m.To, m.Size, m.Payload, m.SentAt = id, from, to, int32(size), payload, now
	c.sent++
	c.bytesSent += uint64(size)
	nw.tot.sent++
	nw.tot.bytesSent += uint64(size)
	nc := &nw.nodes[from]
	nc.sent++
	nc.bytesSent += uint64(size)
	rec := sim.Record{Kind: "send", Node: int32(from), Peer: int32(to), ID: id}
	if nw.w.Tracing() {
		rec.Value = payload // not hashed; sinks render it if they want text
	}
	nw.w.Trace(rec)

	var extra time.Duration
	if len(nw.rules) > 0 {
		v := nw.applyRules(m)
		if v == Drop {
			nw.drop(m, c, causeRule)
			return id
		}
		extra = time.Duration(v)
	}
	if nw.cut != nil && nw.blocked(from, to) {
		nw.drop(m, c, causePartition)
		return id
	}
	p := &nw.defaults
	if l != nil {
		p = l.params
	}
	at := now
	if p.BandwidthBytesPerSec > 0 {
		if l == nil {
			l = nw.link(from, to) // a busy queue is state
		}
		start := max(now, l.busy)
		tx := txTime(int64(size), p.BandwidthBytesPerSec)
		if p.QueueBytes > 0 && start.Sub(now)+tx > txTime(p.QueueBytes, p.BandwidthBytesPerSec) {
			nw.drop(m, c, causeQueueFull)
			return id
		}
		l.busy = start.Add(tx)
		at = l.busy
	}
	if p.Loss > 0 && nw.rng.Float64() < p.Loss {
		nw.drop(m, c, causeLoss)
		return id
	}
	if p.Corrupt > 0 && nw.rng.Float64() < p.Corrupt {
		m.Corrupted = true
		c.corrupted++
		nw.tot.corrupted++
		nw.w.Trace(sim.Record{Kind: "corrupt", Node: int32(from), Peer: int32(to), ID: id})
	}
	nw.schedule(c, m, at.Add(nw.latency(l, c, p, m)+extra))
	if p.Duplicate > 0 && nw.rng.Float64() < p.Duplicate {
		d := nw.alloc()
		*d = *m
		d.Duplicate = true
		c.duplicated++
		nw.tot.duplicated++
		nw.w.Trace(sim.Record{Kind: "duplicate", Node: int32(from), Peer: int32(to), ID: id})
		nw.schedule(c, d, at.Add(nw.latency(l, c, p, d)+extra))
	}
	return id
}

func (nw *Network) schedule(c *counters, m *Message, at sim.Time) {
	c.inFlight++
	nw.inFlight++
	nw.w.Post(at, nw, evDeliver, int32(m.To), int64(m.ID), 0, m)
}

// latency draws the delay of one message: propagation, plus the reorder
// delay if it is reordered, times the clog factor.
func (nw *Network) latency(l *linkState, c *counters, p *Link, m *Message) time.Duration {
	lat := p.Latency.Sample(nw.rng)
	if p.Reorder > 0 && nw.rng.Float64() < p.Reorder {
		if p.ReorderDelay != (Dist{}) {
			lat += p.ReorderDelay.Sample(nw.rng)
		} else {
			lat += p.Latency.Sample(nw.rng)
		}
		c.reordered++
		nw.tot.reordered++
		nw.w.Trace(sim.Record{Kind: "reorder", Node: int32(m.From), Peer: int32(m.To), ID: m.ID})
	}
	if l != nil && l.clog > 0 {
		lat = scale(lat, l.clog)
	}
	return lat
}

// scale returns d*f, saturating at an hour like Dist.Sample.
func scale(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	if v > float64(time.Hour) {
		return time.Hour
	}
	return time.Duration(v)
}

// txTime is how long the link takes to transmit size bytes: size/bw
// seconds, rounded up to the nanosecond, at most an hour.
func txTime(size, bw int64) time.Duration {
	if size <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(size), uint64(time.Second))
	if hi >= uint64(bw) {
		return time.Hour
	}
	q, r := bits.Div64(hi, lo, uint64(bw))
	if r != 0 {
		q++
	}
	return min(time.Duration(q), time.Hour)
}

func (nw *Network) drop(m *Message, c *counters, cause int) {
	c.dropped[cause]++
	nw.tot.dropped[cause]++
	nw.w.Trace(sim.Record{Kind: "drop", Node: int32(m.From), Peer: int32(m.To), ID: m.ID, Detail: Causes[cause]})
	nw.recycle(m)
}

// Handle runs the network's events: deliveries, releases and unclogs.
func (nw *Network) Handle(ev *sim.Event) {
	switch ev.Kind {
	case evDeliver:
		m := ev.Ptr.(*Message)
		nw.inFlight--
		var l *linkState
		if nw.perLink || nw.holds > 0 {
			l = nw.state(m.From, m.To)
		}
		c := nw.counts(l)
		c.inFlight--
		nw.arrive(m, l, c, true)
	case evRelease:
		ms := ev.Ptr.([]*Message)
		l := nw.peek(ms[0].From, ms[0].To)
		c := nw.counts(l)
		for _, m := range ms {
			c.inFlight--
			nw.inFlight--
			nw.arrive(m, l, c, false)
		}
	case evUnclog:
		nw.unclogEvent(ev)
	}
}

// arrive hands m to the receiver, unless its link is held (and holdable),
// partitioned, or the receiver is down. l is m's link state, if it has one
// that matters: when per-link counting is on or a link is held.
func (nw *Network) arrive(m *Message, l *linkState, c *counters, holdable bool) {
	if holdable && l != nil && l.holding {
		l.held = append(l.held, m)
		nw.held++
		nw.w.Trace(sim.Record{Kind: "held", Node: int32(m.From), Peer: int32(m.To), ID: m.ID})
		return
	}
	if nw.cut != nil && nw.blocked(m.From, m.To) {
		nw.drop(m, c, causePartition)
		return
	}
	if nw.recv != nil && !nw.recv.Receive(m) {
		nw.drop(m, c, causeDown)
		return
	}
	c.delivered++
	c.bytesDelivered += uint64(m.Size)
	nw.tot.delivered++
	nw.tot.bytesDelivered += uint64(m.Size)
	nc := &nw.nodes[m.To]
	nc.delivered++
	nc.bytesDelivered += uint64(m.Size)
	nw.recycle(m)
}
