package eventual

import (
	"maps"
	"slices"

	"github.com/faultline/faultline/nodes"
)

// Messages.
type (
	// write is a client's write. TS is the client's wall-clock reading,
	// which only mode=buggy looks at.
	write struct {
		ID         uint64
		Key, Value string
		TS         int64
	}
	writeAck struct{ ID uint64 }
	readReq  struct {
		ID  uint64
		Key string
	}
	readResp struct {
		ID    uint64
		Value string
	}
	// shipMsg carries the primary's log from Prev on.
	shipMsg struct {
		Prev    int
		Entries []write
	}
	shipAck struct{ Len int }
)

// maxShip bounds one shipMsg.
const maxShip = 64

// cell is the stored value of one key.
type cell struct {
	value string
	ts    int64
	id    uint64
}

// store is the primary (n1) or a replica. Every store applies the same log
// in the same order with the same rule, so they converge to one state.
// The log is durable: a restarted store rebuilds its state and its
// deduplication from it.
type store struct {
	h *harness
	*storeDisk
	state map[string]cell

	seen  map[uint64]bool      // primary: write ids already accepted
	match map[nodes.NodeID]int // primary: replica -> its log length, as far as it knows
}

type storeDisk struct {
	log       []write // primary: every accepted write; replica: the applied prefix
	changedNs int64   // true time of the last change of state
}

func (s *store) Start(env *nodes.Env) {
	d, ok := env.Disk()["store"].(*storeDisk)
	if !ok {
		d = &storeDisk{}
		env.Disk()["store"] = d
	}
	s.storeDisk = d
	s.h.disks[env.ID()] = d
	s.state = map[string]cell{}
	s.seen = map[uint64]bool{}
	for _, w := range s.log {
		s.update(w)
		s.seen[w.ID] = true
	}
	if env.ID() == primary {
		s.match = map[nodes.NodeID]int{}
		env.SetTimer(ship, nil)
	}
}

// values returns the state the log d holds, without timestamps, for the
// checks. It reads the disk, not a node: a node restarted and crashed at
// one instant never started, and has no state of its own.
func (h *harness) values(d *storeDisk) map[string]string {
	s := &store{h: h, state: map[string]cell{}}
	out := map[string]string{}
	if d == nil {
		return out // crashed before it ever started
	}
	for _, w := range d.log {
		s.update(w)
	}
	for _, k := range slices.Sorted(maps.Keys(s.state)) {
		out[k] = s.state[k].value
	}
	return out
}

// apply applies one log entry. mode=correct takes the log order as the
// truth; mode=buggy keeps the value with the highest client timestamp.
func (s *store) apply(env *nodes.Env, w write) {
	if s.update(w) {
		s.changedNs = int64(env.TrueNow())
	}
}

// update applies w to the state and reports whether a value changed.
func (s *store) update(w write) bool {
	old, ok := s.state[w.Key]
	if s.h.buggy && ok && (w.TS < old.ts || (w.TS == old.ts && w.ID < old.id)) {
		return false // last-writer-wins: a "newer" timestamp is already there
	}
	s.state[w.Key] = cell{value: w.Value, ts: w.TS, id: w.ID}
	return !ok || old.value != w.Value
}

func (s *store) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	for rep := nodes.NodeID(1); rep <= nodes.NodeID(s.h.replicas); rep++ {
		prev := s.match[rep]
		end := min(len(s.log), prev+maxShip)
		env.Send(rep, shipMsg{Prev: prev, Entries: slices.Clone(s.log[prev:end])}, 64+64*(end-prev))
	}
	env.SetTimer(ship, nil)
}

func (s *store) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case write:
		if env.ID() != primary {
			return
		}
		if !s.seen[m.ID] {
			// A duplicate or a retry must not be applied again: it would
			// overwrite whatever was written since.
			s.seen[m.ID] = true
			s.log = append(s.log, m)
			s.apply(env, m)
			// The harness reads the write back as it is acknowledged.
			s.h.accept(env.TrueNow(), m, s.state[m.Key].value)
		}
		env.Send(from, writeAck{ID: m.ID}, 32)
	case shipMsg:
		if m.Prev <= len(s.log) && m.Prev+len(m.Entries) > len(s.log) {
			for _, w := range m.Entries[len(s.log)-m.Prev:] {
				s.log = append(s.log, w)
				s.apply(env, w)
			}
		}
		env.Send(from, shipAck{Len: len(s.log)}, 32)
	case shipAck:
		s.match[from] = max(s.match[from], m.Len) // a replica's log never shrinks
	case readReq:
		s.h.observeRead(env.TrueNow(), len(s.log))
		env.Send(from, readResp{ID: m.ID, Value: s.state[m.Key].value}, 64)
	}
}
