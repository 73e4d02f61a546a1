package kv

import (
	"slices"

	"github.com/faultline/faultline/checks/linearizability"
	"github.com/faultline/faultline/nodes"
)

// Messages between clients and servers.
type (
	// request is a client operation. ID is unique per operation and is
	// reused by the client's retries, so the primary can deduplicate.
	request struct {
		ID    uint64
		Kind  linearizability.Kind
		Key   string
		Value string
	}
	// reply answers a request.
	reply struct {
		ID    uint64
		Value string
	}
	// appendEntries carries the log from Prev on, and the commit index.
	appendEntries struct {
		Prev    int
		Entries []entry
		Commit  int
	}
	// appendAck reports the length of a backup's log.
	appendAck struct{ Len int }
)

// entry is one put in the replicated log.
type entry struct {
	ID    uint64
	Key   string
	Value string
}

// maxEntries bounds one appendEntries message.
const maxEntries = 64

// Disk keys: the log and the commit index survive a crash.
const (
	diskLog    = "log"
	diskCommit = "commit"
)

// server is one of n1..n3. The primary (n1) orders puts; every server keeps
// the log durable and applies it up to the commit index it knows.
type server struct {
	cfg *config

	log    []entry
	commit int
	state  map[string]string // the log applied up to commit
	seen   map[uint64]int    // request id -> log index + 1 (primary)

	// primary only, volatile
	match   map[nodes.NodeID]int // backup -> its log length
	waiting map[int][]waiter     // log index -> clients awaiting the commit
}

type waiter struct {
	to nodes.NodeID
	id uint64
}

func (s *server) Start(env *nodes.Env) {
	d := env.Disk()
	if l, ok := d[diskLog].([]entry); ok {
		s.log = l
	}
	if c, ok := d[diskCommit].(int); ok {
		s.commit = c
	}
	s.state = map[string]string{}
	s.seen = map[uint64]int{}
	for i, e := range s.log {
		s.seen[e.ID] = i + 1
	}
	for _, e := range s.log[:s.commit] {
		s.state[e.Key] = e.Value
	}
	if env.Tracing() && len(s.log) > 0 {
		env.Log("recovered %d log entries from disk, %d committed", len(s.log), s.commit)
	}
	if env.ID() == primary {
		s.match = map[nodes.NodeID]int{}
		s.waiting = map[int][]waiter{}
		env.SetTimer(heartbeat, nil)
	}
}

func (s *server) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	for b := nodes.NodeID(1); b < serverCount; b++ {
		s.sendEntries(env, b)
	}
	env.SetTimer(heartbeat, nil)
}

// sendEntries sends backup b the entries it lacks, or a heartbeat.
func (s *server) sendEntries(env *nodes.Env, b nodes.NodeID) {
	prev := s.match[b]
	end := min(len(s.log), prev+maxEntries)
	msg := appendEntries{Prev: prev, Entries: slices.Clone(s.log[prev:end]), Commit: s.commit}
	env.Send(b, msg, 64+64*len(msg.Entries))
}

func (s *server) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case request:
		s.request(env, from, m)
	case appendEntries:
		s.appendEntries(env, from, m)
	case appendAck:
		if env.ID() != primary {
			return
		}
		if m.Len > s.match[from] {
			s.match[from] = m.Len
			s.advanceCommit(env)
		}
	}
}

func (s *server) request(env *nodes.Env, from nodes.NodeID, m request) {
	switch m.Kind {
	case linearizability.Get:
		// A backup answers only in buggy mode: its state lags the primary's.
		if env.ID() == primary || s.cfg.buggy {
			if env.Tracing() && env.ID() != primary {
				env.Log("get %s: answering from my own copy %q (commit %d), not the primary's", m.Key, s.state[m.Key], s.commit)
			}
			env.Send(from, reply{ID: m.ID, Value: s.state[m.Key]}, 64)
		}
	case linearizability.Put:
		if env.ID() != primary {
			return
		}
		if idx, dup := s.seen[m.ID]; dup {
			// A retry or a duplicated message: never append twice.
			if idx <= s.commit {
				env.Send(from, reply{ID: m.ID}, 64)
			} else {
				s.waiting[idx] = append(s.waiting[idx], waiter{from, m.ID})
			}
			return
		}
		s.log = append(s.log, entry{ID: m.ID, Key: m.Key, Value: m.Value})
		env.Disk()[diskLog] = s.log
		idx := len(s.log)
		s.seen[m.ID] = idx
		s.waiting[idx] = append(s.waiting[idx], waiter{from, m.ID})
		for b := nodes.NodeID(1); b < serverCount; b++ {
			s.sendEntries(env, b)
		}
	}
}

// advanceCommit commits the longest prefix a majority holds, makes the new
// commit index durable, applies it and answers the waiting clients.
func (s *server) advanceCommit(env *nodes.Env) {
	lens := []int{len(s.log)}
	for b := nodes.NodeID(1); b < serverCount; b++ {
		lens = append(lens, s.match[b])
	}
	slices.Sort(lens)
	majority := lens[len(lens)/2] // the length at least two of three hold
	if majority <= s.commit {
		return
	}
	old := s.commit
	s.commit = majority
	env.Disk()[diskCommit] = s.commit
	if env.Tracing() {
		env.Log("committed entries %d-%d (a majority holds %d)", old+1, s.commit, majority)
	}
	for i := old; i < s.commit; i++ {
		e := s.log[i]
		s.state[e.Key] = e.Value
		for _, w := range s.waiting[i+1] {
			env.Send(w.to, reply{ID: w.id}, 64)
		}
		delete(s.waiting, i+1)
	}
}

func (s *server) appendEntries(env *nodes.Env, from nodes.NodeID, m appendEntries) {
	if env.ID() == primary {
		return
	}
	if m.Prev <= len(s.log) && m.Prev+len(m.Entries) > len(s.log) {
		s.log = append(s.log, m.Entries[len(s.log)-m.Prev:]...)
		env.Disk()[diskLog] = s.log
	}
	if c := min(m.Commit, len(s.log)); c > s.commit {
		for _, e := range s.log[s.commit:c] {
			s.state[e.Key] = e.Value
		}
		s.commit = c
		env.Disk()[diskCommit] = s.commit
	}
	env.Send(from, appendAck{Len: len(s.log)}, 32)
}
