package raftlog

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// Node ids: replicas n1-n3, the client n4.
const (
	replicas        = 3
	client   NodeID = 3
	size            = 4
	none            = -1
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// The planted bugs.
const (
	bugNone         = "none"
	bugVolatileVote = "volatile-vote" // the vote is not persisted before the reply
	bugStaleLeader  = "stale-leader"  // a follower takes appends from an older term
	bugEarlyCommit  = "early-commit"  // the leader commits on its own append
)

// Config sets up one run.
type Config struct {
	Bug         string
	Ops         int           // client writes
	Think       time.Duration // client pause between writes
	Timeout     time.Duration // client wait for an answer
	ElectionMin time.Duration // election timeout: uniform in [ElectionMin, 2·ElectionMin)
	Heartbeat   time.Duration
	VoteResend  time.Duration // a candidate asks again for votes it lacks
	CheckQuorum time.Duration // a leader that heard from no majority for this long steps down
}

type entry struct{ Term, Val int } // Val < 0: a new leader's no-op

func (e entry) String() string {
	if e.Val < 0 {
		// The no-op's value names its leader: two leaders of one term
		// (a bug) write two no-ops that differ only there.
		return fmt.Sprintf("no-op of term %d by n%d", e.Term, -e.Val-e.Term*replicas)
	}
	return fmt.Sprintf("write %d of term %d", e.Val, e.Term)
}

// Messages.
type (
	voteReq  struct{ Term, LastIdx, LastTerm int }
	voteResp struct {
		Term    int
		Granted bool
	}
	appendReq struct {
		Term, PrevIdx, PrevTerm int
		Entries                 []entry
		Commit                  int
		Sent                    sim.Time // on the leader's clock, echoed back
	}
	appendResp struct {
		Term  int
		OK    bool
		Match int
		Sent  sim.Time // of the append this answers
	}
	put     struct{ ID, Val int }
	putResp struct {
		ID, Val     int
		OK          bool
		Leader      int // a hint when not OK; none if unknown
		Index, Term int
	}
)

// persisted is what a replica keeps on its disk across crashes.
type persisted struct {
	Term, Voted int
	Log         []entry
}

// timer payloads
type (
	electionTimer  struct{}
	heartbeatTimer struct{ term int }
	revoteTimer    struct{ term int }
	clientTimer    struct{ id int }
	clientNext     struct{}
)

const (
	roleFollower = iota
	roleCandidate
	roleLeader
)

type pendingPut struct {
	from NodeID
	id   int
	val  int
}

type replica struct {
	c    Config
	rec  *recorder
	view *view
	disk *persisted // on env.Disk(): survives crashes

	voted     int // with bug volatile-vote, the vote lives only here
	role      int
	leader    int
	votes     [replicas]bool
	commit    int
	applied   int
	next      [replicas]int
	match     [replicas]int
	heard     [replicas]sim.Time // leader: when it sent the latest append each peer answered
	pending   map[int]pendingPut // leader: index → client request
	election  nodes.TimerID
	acked     int      // writes this replica acknowledged as leader
	ackedAt   sim.Time // the latest, on its clock
	bootTerm  int      // the term on disk at the last start
	restarted bool
	down      bool // crashed: it campaigns no more
}

// Stop is called when the replica crashes (nodes.Stopper).
func (r *replica) Stop() { r.down = true }

func (r *replica) term() int    { return r.disk.Term }
func (r *replica) lastIdx() int { return len(r.disk.Log) }
func (r *replica) lastTerm() int {
	if n := len(r.disk.Log); n > 0 {
		return r.disk.Log[n-1].Term
	}
	return 0
}

// logAtLeast reports whether a log ending at (lastTerm, lastIdx) is at
// least as up to date as r's: the condition for r's vote.
func logAtLeast(lastTerm, lastIdx int, r *replica) bool {
	return lastTerm > r.lastTerm() || (lastTerm == r.lastTerm() && lastIdx >= r.lastIdx())
}

// asUpToDate reports whether r's log is at least as up to date as o's.
func (r *replica) asUpToDate(o *replica) bool { return logAtLeast(r.lastTerm(), r.lastIdx(), o) }

func (r *replica) votedFor() int {
	if r.c.Bug == bugVolatileVote {
		return r.voted
	}
	return r.disk.Voted
}

func (r *replica) setVote(v int) {
	r.voted = v
	if r.c.Bug != bugVolatileVote {
		r.disk.Voted = v
	}
}

func (r *replica) Start(env *nodes.Env) {
	d := env.Disk()
	if p, ok := d["raft"].(*persisted); ok {
		r.disk = p
		r.restarted = true
	} else {
		r.disk = &persisted{Voted: none}
		d["raft"] = r.disk
	}
	r.voted = none
	r.role, r.leader = roleFollower, none
	r.pending = map[int]pendingPut{}
	r.bootTerm = r.disk.Term
	r.resetElection(env)
	if old := r.view.reps[env.ID()]; old != nil {
		// The dangerous restart: the replica had voted for another in
		// the term it comes back in, and no leader of that term had
		// reached it yet: the election may still be open, and the vote
		// must survive.
		voted := old.votedFor() != none && old.votedFor() != int(env.ID()) && old.term() == r.term()
		env.Sometimes("restarts in a term it voted in, the election open", voted && old.leader == none)
		if voted && old.leader == none {
			r.view.cover.Mark(env, "restarts in a term it voted in, the election open")
		}
	}
	r.view.reps[env.ID()] = r
	r.view.visit(env)
}

func (r *replica) resetElection(env *nodes.Env) {
	if r.election != 0 {
		env.CancelTimer(r.election)
	}
	d := r.c.ElectionMin + time.Duration(env.Rand().Int64N(int64(r.c.ElectionMin)))
	r.election = env.SetTimer(d, electionTimer{})
}

func (r *replica) broadcast(env *nodes.Env, msg any) {
	for id := range NodeID(replicas) {
		if id != env.ID() {
			env.Send(id, msg, 64)
		}
	}
}

func (r *replica) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	defer r.view.visit(env)
	switch t := data.(type) {
	case electionTimer:
		if id != r.election {
			return
		}
		r.election = 0
		if r.role == roleLeader {
			return
		}
		r.campaign(env)
	case revoteTimer:
		if r.role != roleCandidate || t.term != r.term() {
			return
		}
		for p := range NodeID(replicas) {
			if p != env.ID() && !r.votes[p] {
				env.Send(p, voteReq{Term: r.term(), LastIdx: r.lastIdx(), LastTerm: r.lastTerm()}, 64)
			}
		}
		env.SetTimer(r.c.VoteResend, revoteTimer{r.term()})
	case heartbeatTimer:
		if r.role != roleLeader || t.term != r.term() {
			return
		}
		if !r.quorumHeard(env) {
			return
		}
		for p := range NodeID(replicas) {
			if p != env.ID() {
				r.sendAppend(env, p)
			}
		}
		env.SetTimer(r.c.Heartbeat, heartbeatTimer{r.term()})
	}
}

// quorumHeard reports whether a majority answered the leader within
// CheckQuorum; if not, the leader steps down (etcd's CheckQuorum), so a
// leader cut off, or paused, does not go on taking writes.
func (r *replica) quorumHeard(env *nodes.Env) bool {
	// The send time of the append answered, not the time the answer
	// is handled: answers queued during a pause are old news.
	heard := 1
	for p := range NodeID(replicas) {
		if p != env.ID() && env.Now()-r.heard[p] < sim.Time(r.c.CheckQuorum) {
			heard++
		}
	}
	if heard <= replicas/2 {
		env.Sometimes("leader steps down by check-quorum", true)
		r.stepDown(env, r.term())
		return false
	}
	return true
}

func (r *replica) campaign(env *nodes.Env) {
	r.disk.Term++
	r.setVote(int(env.ID()))
	r.role, r.leader = roleCandidate, none
	r.votes = [replicas]bool{}
	r.votes[env.ID()] = true
	env.Cover(fmt.Sprintf("n%d candidate in term %d", env.ID()+1, min(r.term(), 6)))
	r.broadcast(env, voteReq{Term: r.term(), LastIdx: r.lastIdx(), LastTerm: r.lastTerm()})
	env.SetTimer(r.c.VoteResend, revoteTimer{r.term()})
	r.resetElection(env)
}

// stepDown makes the replica a follower, in term t if it is newer.
func (r *replica) stepDown(env *nodes.Env, t int) {
	if r.role == roleLeader {
		env.Sometimes("leader loses office with uncommitted entries", r.lastIdx() > r.commit)
		env.Sometimes("leader loses office within a heartbeat of acknowledging a write",
			r.acked > 0 && env.Now()-r.ackedAt < sim.Time(r.c.Heartbeat))
	}
	if t > r.term() {
		r.disk.Term = t
		r.setVote(none)
	}
	if r.role != roleFollower {
		r.role = roleFollower
		r.resetElection(env)
	}
	r.pending = map[int]pendingPut{}
}

func (r *replica) Receive(env *nodes.Env, from NodeID, msg any) {
	defer r.view.visit(env)
	switch m := msg.(type) {
	case voteReq:
		r.onVoteReq(env, from, m)
	case voteResp:
		if m.Term > r.term() {
			r.stepDown(env, m.Term)
			return
		}
		if r.role != roleCandidate || m.Term != r.term() || !m.Granted {
			return
		}
		r.votes[from] = true
		n := 0
		for _, v := range r.votes {
			if v {
				n++
			}
		}
		if n > replicas/2 {
			r.becomeLeader(env)
		}
	case appendReq:
		r.onAppend(env, from, m)
	case appendResp:
		if m.Term > r.term() {
			r.stepDown(env, m.Term)
			return
		}
		if r.role != roleLeader || m.Term != r.term() {
			return
		}
		r.heard[from] = max(r.heard[from], m.Sent)
		if m.OK {
			r.match[from] = max(r.match[from], m.Match)
			r.next[from] = r.match[from] + 1
			r.advanceCommit(env)
		} else {
			r.next[from] = max(1, min(r.next[from]-1, m.Match+1))
			r.sendAppend(env, from)
		}
	case put:
		r.onPut(env, from, m)
	}
}

func (r *replica) onVoteReq(env *nodes.Env, from NodeID, m voteReq) {
	if m.Term > r.term() {
		r.stepDown(env, m.Term)
	}
	if r.role == roleCandidate && m.Term == r.term() {
		env.Sometimes("two candidates in one term", true)
	}
	upToDate := logAtLeast(m.LastTerm, m.LastIdx, r)
	v := r.votedFor()
	grant := m.Term == r.term() && (v == none || v == int(from)) && upToDate
	if grant {
		if r.restarted && m.Term == r.bootTerm {
			env.Sometimes("votes after a restart in the term it crashed in", true)
			r.view.cover.Mark(env, "votes after a restart in the term it crashed in")
		}
		r.setVote(int(from))
		r.resetElection(env)
		if r.view.rival(m.Term, from, r) {
			// A vote that decides between two candidates, either of
			// which it could have voted for: the moment to lose it
			// (volatile-vote).
			r.view.cover.Mark(env, "votes while two candidates campaign in its term")
		}
	}
	env.Send(from, voteResp{Term: r.term(), Granted: grant}, 64)
}

func (r *replica) becomeLeader(env *nodes.Env) {
	r.role, r.leader = roleLeader, int(env.ID())
	env.Reachable("leader elected")
	if prev, ok := r.rec.terms[r.term()]; ok && prev != env.ID() {
		env.Sometimes("a second leader in one term", true) // only a bug gets here
		r.view.cover.Mark(env, "a second leader in one term")
	}
	env.Cover(fmt.Sprintf("n%d leads in term %d", env.ID()+1, min(r.term(), 6)))
	r.rec.leader(r.term(), env.ID(), env.TrueNow())
	for p := range NodeID(replicas) {
		r.next[p], r.match[p], r.heard[p] = r.lastIdx()+1, 0, env.Now()
	}
	// A new leader commits an entry of its own term first (Raft §8).
	r.disk.Log = append(r.disk.Log, entry{Term: r.term(), Val: -(r.term()*replicas + int(env.ID()) + 1)})
	r.match[env.ID()] = r.lastIdx()
	for p := range NodeID(replicas) {
		if p != env.ID() {
			r.sendAppend(env, p)
		}
	}
	env.SetTimer(r.c.Heartbeat, heartbeatTimer{r.term()})
}

func (r *replica) sendAppend(env *nodes.Env, to NodeID) {
	// Clamped: only a second leader of the same term (a bug) shortens a
	// leader's log under its next indexes.
	prev := min(r.next[to]-1, r.lastIdx())
	m := appendReq{Term: r.term(), PrevIdx: prev, Commit: r.commit, Sent: env.Now()}
	if prev > 0 {
		m.PrevTerm = r.disk.Log[prev-1].Term
	}
	m.Entries = append([]entry(nil), r.disk.Log[prev:]...)
	env.Send(to, m, 64+16*len(m.Entries))
}

func (r *replica) onAppend(env *nodes.Env, from NodeID, m appendReq) {
	if m.Term < r.term() {
		env.Sometimes("append from a deposed leader", true)
		env.Sometimes("append with entries from a deposed leader", len(m.Entries) > 0)
		// The dangerous case: the deposed leader's entries would replace
		// some this replica committed in a newer term.
		env.Sometimes("deposed leader's entries reach committed ones of a newer term",
			len(m.Entries) > 0 && m.PrevIdx < r.commit && r.disk.Log[r.commit-1].Term > m.Term)
		if r.c.Bug != bugStaleLeader {
			env.Send(from, appendResp{Term: r.term()}, 64)
			return
		}
		// The bug: no term check; the deposed leader's entries are taken.
		if r.role == roleLeader {
			return
		}
	}
	if m.Term > r.term() {
		r.stepDown(env, m.Term)
	}
	if m.Term == r.term() {
		if r.role == roleCandidate {
			r.role = roleFollower
		}
		if r.role == roleLeader {
			env.Sometimes("a leader takes an append of its own term", true) // only a bug gets here
		}
		r.leader = int(from)
	}
	r.resetElection(env)
	if m.PrevIdx > r.lastIdx() || (m.PrevIdx > 0 && r.disk.Log[m.PrevIdx-1].Term != m.PrevTerm) {
		env.Send(from, appendResp{Term: r.term(), Match: min(r.lastIdx(), m.PrevIdx-1), Sent: m.Sent}, 64)
		return
	}
	for j, e := range m.Entries {
		idx := m.PrevIdx + 1 + j
		if idx <= r.lastIdx() {
			if r.disk.Log[idx-1] == e {
				continue
			}
			env.Sometimes("follower truncates conflicting entries", true)
			if idx <= r.commit {
				// Only a bug gets here: the entry was committed.
				r.rec.truncated(env.ID(), idx, r.disk.Log[idx-1], e, env.TrueNow())
				r.commit, r.applied = idx-1, min(r.applied, idx-1)
			}
			r.disk.Log = r.disk.Log[:idx-1]
		}
		r.disk.Log = append(r.disk.Log, e)
	}
	last := m.PrevIdx + len(m.Entries)
	if m.Commit > r.commit {
		r.commit = min(m.Commit, last)
		r.apply(env)
	}
	env.Send(from, appendResp{Term: r.term(), OK: true, Match: last, Sent: m.Sent}, 64)
}

func (r *replica) onPut(env *nodes.Env, from NodeID, m put) {
	if r.role == roleLeader && !r.quorumHeard(env) {
		r.leader = none
	}
	if r.role != roleLeader {
		env.Send(from, putResp{ID: m.ID, Leader: r.leader}, 64)
		return
	}
	r.disk.Log = append(r.disk.Log, entry{Term: r.term(), Val: m.Val})
	idx := r.lastIdx()
	r.match[env.ID()] = idx
	r.pending[idx] = pendingPut{from: from, id: m.ID, val: m.Val}
	for p := range NodeID(replicas) {
		if p != env.ID() {
			r.sendAppend(env, p)
		}
	}
	if r.c.Bug == bugEarlyCommit && r.heardFromAll(env) {
		// The bug: every follower answered just now, so the entry is taken
		// as safe before any of them has it.
		r.commit = idx
		r.apply(env)
	}
}

// heardFromAll reports whether every follower answered an append sent
// within the last fifth of a heartbeat.
func (r *replica) heardFromAll(env *nodes.Env) bool {
	for p := range NodeID(replicas) {
		if age := env.Now() - r.heard[p]; p != env.ID() && (age < 0 || age > sim.Time(r.c.Heartbeat/5)) {
			return false
		}
	}
	return true
}

func (r *replica) advanceCommit(env *nodes.Env) {
	for n := r.lastIdx(); n > r.commit; n-- {
		if r.disk.Log[n-1].Term != r.term() {
			break
		}
		acks := 0
		for p := range NodeID(replicas) {
			if r.match[p] >= n {
				acks++
			}
		}
		if acks > replicas/2 {
			r.commit = n
			r.apply(env)
			return
		}
	}
}

func (r *replica) apply(env *nodes.Env) {
	for r.applied < r.commit {
		r.applied++
		e := r.disk.Log[r.applied-1]
		r.rec.commit(fmt.Sprintf("n%d applied", env.ID()+1), r.applied, e, env.TrueNow())
		if p, ok := r.pending[r.applied]; ok && r.role == roleLeader {
			delete(r.pending, r.applied)
			if e.Val == p.val {
				r.acked++
				r.ackedAt = env.Now()
				env.Send(p.from, putResp{ID: p.id, Val: p.val, OK: true, Index: r.applied, Term: e.Term}, 64)
			}
		}
	}
}

// clientNode writes 1, 2, ... Ops, one at a time, to the replica it
// believes leads, and tries the next one after a timeout or a refusal.
type clientNode struct {
	c     Config
	rec   *recorder
	state *clientState // on disk: a restarted client goes on
	timer nodes.TimerID
}

type clientState struct {
	Op, Req, Hint int
	Waiting       bool // for the answer to Req
}

func (c *clientNode) Start(env *nodes.Env) {
	d := env.Disk()
	if s, ok := d["client"].(*clientState); ok {
		c.state = s
	} else {
		c.state = &clientState{Op: 1}
		d["client"] = c.state
	}
	env.SetTimer(c.c.Think, clientNext{})
}

func (c *clientNode) send(env *nodes.Env) {
	s := c.state
	if s.Op > c.c.Ops {
		return
	}
	s.Req++
	s.Waiting = true
	env.Send(NodeID(s.Hint), put{ID: s.Req, Val: s.Op}, 64)
	c.timer = env.SetTimer(c.c.Timeout, clientTimer{s.Req})
}

func (c *clientNode) Receive(env *nodes.Env, _ NodeID, msg any) {
	m, ok := msg.(putResp)
	if !ok || m.ID != c.state.Req || !c.state.Waiting {
		return // a duplicate, or an answer after the timeout
	}
	c.state.Waiting = false
	env.CancelTimer(c.timer)
	s := c.state
	if m.OK {
		c.rec.commit("client acknowledged", m.Index, entry{Term: m.Term, Val: m.Val}, env.TrueNow())
		c.rec.acked++
		s.Op++
	} else if m.Leader != none {
		s.Hint = m.Leader
	} else {
		s.Hint = (s.Hint + 1) % replicas
	}
	env.SetTimer(c.c.Think, clientNext{})
}

func (c *clientNode) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch t := data.(type) {
	case clientNext:
		c.send(env)
	case clientTimer:
		if t.id == c.state.Req && c.state.Waiting {
			c.rec.timeouts++
			c.state.Hint = (c.state.Hint + 1) % replicas
			c.send(env)
		}
	}
}

// recorder sees every commit from outside the protocol, for the checks.
type recorder struct {
	at        map[int]entry // index → the first entry committed there
	by        map[int]string
	conflicts int
	first     string
	overwrite int
	firstOver string
	leaders   int
	terms     map[int]NodeID
	twoLeads  int
	acked     int
	timeouts  int
}

func newRecorder() *recorder {
	return &recorder{at: map[int]entry{}, by: map[int]string{}, terms: map[int]NodeID{}}
}

func (rc *recorder) commit(who string, idx int, e entry, now sim.Time) {
	prev, ok := rc.at[idx]
	if !ok {
		rc.at[idx], rc.by[idx] = e, who
		return
	}
	if prev != e {
		rc.conflicts++
		if rc.first == "" {
			rc.first = fmt.Sprintf("at %v %s %s at index %d, but %s %s there", time.Duration(now), who, e, idx, rc.by[idx], prev)
		}
	}
}

func (rc *recorder) truncated(id NodeID, idx int, old, with entry, now sim.Time) {
	rc.overwrite++
	if rc.firstOver == "" {
		rc.firstOver = fmt.Sprintf("at %v n%d replaced committed %s at index %d with %s", time.Duration(now), id+1, old, idx, with)
	}
}

func (rc *recorder) leader(term int, id NodeID, _ sim.Time) {
	rc.leaders++
	if prev, ok := rc.terms[term]; ok && prev != id {
		rc.twoLeads++
	}
	rc.terms[term] = id
}
