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
type store struct {
	h *harness

	log       []write // primary: every accepted write; replica: the applied prefix
	state     map[string]cell
	changedNs int64 // true time of the last change of state

	seen  map[uint64]bool      // primary: write ids already accepted
	match map[nodes.NodeID]int // primary: replica -> its log length
}

func (s *store) Start(env *nodes.Env) {
	s.state = map[string]cell{}
	if env.ID() == primary {
		s.seen = map[uint64]bool{}
		s.match = map[nodes.NodeID]int{}
		env.SetTimer(ship, nil)
	}
}

// values returns the state without timestamps, for the checks.
func (s *store) values() map[string]string {
	out := make(map[string]string, len(s.state))
	for _, k := range slices.Sorted(maps.Keys(s.state)) {
		out[k] = s.state[k].value
	}
	return out
}

// apply applies one log entry. mode=correct takes the log order as the
// truth; mode=buggy keeps the value with the highest client timestamp.
func (s *store) apply(env *nodes.Env, w write) {
	old, ok := s.state[w.Key]
	if s.h.buggy && ok && (w.TS < old.ts || (w.TS == old.ts && w.ID < old.id)) {
		return // last-writer-wins: a "newer" timestamp is already there
	}
	s.state[w.Key] = cell{value: w.Value, ts: w.TS, id: w.ID}
	if !ok || old.value != w.Value {
		s.changedNs = int64(env.TrueNow())
	}
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
		s.match[from] = max(s.match[from], m.Len)
	case readReq:
		s.h.observeRead(env.TrueNow(), len(s.log))
		env.Send(from, readResp{ID: m.ID, Value: s.state[m.Key].value}, 64)
	}
}
