package raftlog

import (
	"slices"
	"strings"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
)

// view sees every replica from outside the protocol and records the
// cluster's abstract state for guided exploration (scenarios.StateCover):
// each replica's role, how far its term is behind the newest, whether a
// leader has entries it has not committed (a write under way), whether a follower or
// candidate gave its vote in its term, and whether a replica restarted
// and is still in the term it came back in. Replicas are sorted, so
// states that differ only in which replica is which are one state:
// "F Fv L*" is a leader with a write under way and two followers, one of
// which voted in its term; "C Fv L-*" a leader one term behind, deposed
// without knowing it, with entries it has not committed.
type view struct {
	reps  [replicas]*replica
	cover scenarios.StateCover
	last  uint32
	names map[uint32]string // codes already named, so a state is named once
}

func newView() *view { return &view{names: map[uint32]string{}} }

// Per replica, a code of 6 bits: flags (2), term behind (2), role (2),
// so that replicas sort by role.
const (
	flagA    = 1 << 0 // leader: uncommitted entries; others: voted in its term
	flagR    = 1 << 1 // restarted, still in the term it came back in
	behind1  = 1 << 2 // one term behind the newest
	behind2  = 2 << 2 // two or more
	roleBits = 4      // role + 1 (0: not started) from this bit
)

// visit records the state after a step of env's replica; a step that
// changes nothing of the state costs a few comparisons.
func (v *view) visit(env *nodes.Env) {
	newest := 0
	for _, r := range v.reps {
		if r != nil {
			newest = max(newest, r.term())
		}
	}
	var codes [replicas]uint32
	for i, r := range v.reps {
		if r == nil {
			continue
		}
		c := uint32(r.role+1) << roleBits
		if d := newest - r.term(); d == 1 {
			c |= behind1
		} else if d > 1 {
			c |= behind2
		}
		if (r.role == roleLeader && r.lastIdx() > r.commit) || (r.role != roleLeader && r.votedFor() != none && r.votedFor() != i) {
			c |= flagA
		}
		if r.restarted && r.term() == r.bootTerm {
			c |= flagR
		}
		codes[i] = c
	}
	slices.Sort(codes[:])
	code := codes[0] | codes[1]<<6 | codes[2]<<12
	if code == v.last {
		return
	}
	v.last = code
	name, ok := v.names[code]
	if !ok {
		name = stateName(codes)
		v.names[code] = name
	}
	v.cover.Visit(env, name)
}

// rival reports whether a live replica other than from is a candidate
// in term t with a log at least as up to date as voter's: one that voter,
// had it not voted, would vote for, so that its vote decides between two.
func (v *view) rival(t int, from NodeID, voter *replica) bool {
	for i, r := range v.reps {
		if r != nil && !r.down && NodeID(i) != from && r != voter && r.role == roleCandidate && r.term() == t && r.asUpToDate(voter) {
			return true
		}
	}
	return false
}

func stateName(codes [replicas]uint32) string {
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteByte(' ')
		}
		role := c >> roleBits
		b.WriteString([]string{"-", "F", "C", "L"}[role])
		switch c & (behind1 | behind2) {
		case behind1:
			b.WriteByte('-')
		case behind2:
			b.WriteString("--")
		}
		if c&flagA != 0 {
			if role == roleLeader+1 {
				b.WriteByte('*')
			} else {
				b.WriteByte('v')
			}
		}
		if c&flagR != 0 {
			b.WriteByte('r')
		}
	}
	return b.String()
}
