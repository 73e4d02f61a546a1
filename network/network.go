package network

import (
	"fmt"
	"math/rand/v2"

	"github.com/faultline/faultline/sim"
)

// NodeID identifies a node: 0..N-1. Its display name is "n" + (id+1).
type NodeID = int32

// Name returns the display name of id, e.g. "n1" for 0.
func Name(id NodeID) string { return fmt.Sprintf("n%d", id+1) }

// Message is one message in flight.
type Message struct {
	ID        uint64
	From, To  NodeID
	Size      int // bytes, for bandwidth and transport cost
	Payload   any
	SentAt    sim.Time
	Corrupted bool // set when the link corrupted the payload
	Duplicate bool // a copy made by the link
}

// Receiver takes delivered messages. It returns false when the destination
// is down, and the network counts the message as dropped for that cause.
type Receiver interface {
	Receive(m *Message) bool
}

// Link holds the parameters of one directed link. The zero value is a
// perfect link with zero latency.
type Link struct {
	Latency   Dist
	Loss      float64 // probability a message is lost
	Duplicate float64 // probability a message is delivered twice
}

// Validate checks the parameters.
func (l Link) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", l.Loss}, {"duplicate", l.Duplicate}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("%s %v: want a probability in [0, 1]", p.name, p.v)
		}
	}
	return nil
}

// Drop causes.
const (
	CauseLoss      = "loss"
	CausePartition = "partition"
	CauseDown      = "down"
)

// LinkStats counts what happened on one directed link.
type LinkStats struct {
	Sent, Delivered, Duplicated uint64
	BytesSent, BytesDelivered   uint64
	Dropped                     map[string]uint64 // by cause
}

type linkState struct {
	params *Link
	stats  LinkStats
}

// event kinds
const (
	evDeliver uint16 = 100 + iota
)

// Network is the set of links of one world.
type Network struct {
	w        *sim.World
	rng      *rand.Rand
	n        int
	defaults Link
	links    map[uint64]*linkState
	recv     Receiver
	grudge   []map[NodeID]bool // grudge[to][from]: to drops what from sends
	nextID   uint64
}

// New returns a network of n nodes whose links all use defaults.
func New(w *sim.World, n int, defaults Link) (*Network, error) {
	if n <= 0 {
		return nil, fmt.Errorf("network: node count %d must be > 0", n)
	}
	if err := defaults.Validate(); err != nil {
		return nil, fmt.Errorf("network defaults: %w", err)
	}
	return &Network{
		w: w, rng: w.Rand("net"), n: n, defaults: defaults,
		links: map[uint64]*linkState{},
	}, nil
}

// Size returns the number of nodes.
func (nw *Network) Size() int { return nw.n }

// SetReceiver sets where delivered messages go.
func (nw *Network) SetReceiver(r Receiver) { nw.recv = r }

func key(from, to NodeID) uint64 { return uint64(uint32(from))<<32 | uint64(uint32(to)) }

func (nw *Network) link(from, to NodeID) *linkState {
	k := key(from, to)
	l, ok := nw.links[k]
	if !ok {
		l = &linkState{params: &nw.defaults, stats: LinkStats{Dropped: map[string]uint64{}}}
		nw.links[k] = l
	}
	return l
}

// SetLink overrides the parameters of the directed link from → to.
func (nw *Network) SetLink(from, to NodeID, p Link) error {
	if err := nw.check(from, to); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("link %s->%s: %w", Name(from), Name(to), err)
	}
	nw.link(from, to).params = &p
	return nil
}

func (nw *Network) check(ids ...NodeID) error {
	for _, id := range ids {
		if id < 0 || int(id) >= nw.n {
			return fmt.Errorf("node id %d out of range [0, %d)", id, nw.n)
		}
	}
	return nil
}

// Send puts a message from → to on the wire and returns its id.
func (nw *Network) Send(from, to NodeID, payload any, size int) uint64 {
	nw.nextID++
	m := &Message{ID: nw.nextID, From: from, To: to, Size: size, Payload: payload, SentAt: nw.w.Now()}
	l := nw.link(from, to)
	l.stats.Sent++
	l.stats.BytesSent += uint64(size)
	nw.w.Trace(sim.Record{Kind: "send", Node: from, Peer: to, ID: m.ID})
	p := l.params
	if nw.blocked(from, to) {
		nw.drop(l, m, CausePartition)
		return m.ID
	}
	if p.Loss > 0 && nw.rng.Float64() < p.Loss {
		nw.drop(l, m, CauseLoss)
		return m.ID
	}
	nw.w.After(p.Latency.Sample(nw.rng), nw, sim.Event{Kind: evDeliver, Node: to, A: int64(m.ID), Ptr: m})
	if p.Duplicate > 0 && nw.rng.Float64() < p.Duplicate {
		d := *m
		d.Duplicate = true
		l.stats.Duplicated++
		nw.w.Trace(sim.Record{Kind: "duplicate", Node: from, Peer: to, ID: m.ID})
		nw.w.After(p.Latency.Sample(nw.rng), nw, sim.Event{Kind: evDeliver, Node: to, A: int64(m.ID), Ptr: &d})
	}
	return m.ID
}

func (nw *Network) drop(l *linkState, m *Message, cause string) {
	l.stats.Dropped[cause]++
	nw.w.Trace(sim.Record{Kind: "drop", Node: m.From, Peer: m.To, ID: m.ID, Detail: cause})
}

// Handle delivers a message.
func (nw *Network) Handle(ev *sim.Event) {
	m := ev.Ptr.(*Message)
	l := nw.link(m.From, m.To)
	if nw.blocked(m.From, m.To) {
		nw.drop(l, m, CausePartition)
		return
	}
	if nw.recv != nil && !nw.recv.Receive(m) {
		nw.drop(l, m, CauseDown)
		return
	}
	l.stats.Delivered++
	l.stats.BytesDelivered += uint64(m.Size)
}

func (nw *Network) blocked(from, to NodeID) bool {
	return nw.grudge != nil && nw.grudge[to][from]
}
