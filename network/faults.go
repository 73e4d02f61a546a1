package network

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/sim"
)

// Clog multiplies the latency of messages sent on from → to by factor
// (> 0) for duration, after which the link unclogs by itself. A duration of
// 0 clogs until Unclog. Messages already in flight keep their latency. A
// later Clog of the same link replaces this one.
func (nw *Network) Clog(from, to NodeID, factor float64, duration time.Duration) error {
	if err := nw.checkClog(factor, duration, from, to); err != nil {
		return err
	}
	nw.clog(nw.link(from, to), factor, duration)
	nw.w.Trace(sim.Record{Kind: "clog", Node: int32(from), Peer: int32(to), Detail: clogDetail(factor, duration)})
	return nil
}

// ClogNode clogs every link into and out of id, which makes it a slow
// ("gray") node. It allocates the 2(n-1) link states it needs.
func (nw *Network) ClogNode(id NodeID, factor float64, duration time.Duration) error {
	if err := nw.checkClog(factor, duration, id); err != nil {
		return err
	}
	for o := range NodeID(nw.n) {
		if o != id {
			nw.clog(nw.link(id, o), factor, duration)
			nw.clog(nw.link(o, id), factor, duration)
		}
	}
	nw.w.Trace(sim.Record{Kind: "clog", Node: int32(id), Peer: -1, Detail: clogDetail(factor, duration)})
	return nil
}

// Unclog restores the latency of from → to.
func (nw *Network) Unclog(from, to NodeID) error {
	if err := nw.check(from, to); err != nil {
		return err
	}
	if l := nw.peek(from, to); l != nil && l.clog != 0 {
		l.clog = 0
		l.clogGen = 0
		nw.w.Trace(sim.Record{Kind: "unclog", Node: int32(from), Peer: int32(to)})
	}
	return nil
}

// Clogged returns the latency factor of from → to, or 1.
func (nw *Network) Clogged(from, to NodeID) float64 {
	if l := nw.peek(from, to); l != nil && l.clog != 0 {
		return l.clog
	}
	return 1
}

func (nw *Network) checkClog(factor float64, duration time.Duration, ids ...NodeID) error {
	if err := nw.check(ids...); err != nil {
		return fmt.Errorf("clog: %w", err)
	}
	if !(factor > 0) || math.IsInf(factor, 0) {
		return fmt.Errorf("clog factor %v: want a finite number > 0", factor)
	}
	if duration < 0 {
		return fmt.Errorf("clog duration %v: want a duration ≥ 0 (0 = until Unclog)", duration)
	}
	return nil
}

func (nw *Network) clog(l *linkState, factor float64, duration time.Duration) {
	// Generations are unique in the network, so that an unclog event
	// cannot match a later clog of a link whose state was freed between.
	nw.clogSeq++
	l.clog = factor
	l.clogGen = nw.clogSeq
	if duration > 0 {
		nw.w.After(duration, nw, sim.Event{Kind: evUnclog, Node: int32(l.to), A: int64(key(l.from, l.to)), B: int64(l.clogGen)})
	}
}

func (nw *Network) unclogEvent(ev *sim.Event) {
	k := uint64(ev.A)
	l := nw.peek(NodeID(k>>32), NodeID(uint32(k)))
	if l == nil || l.clogGen != uint64(ev.B) || l.clog == 0 {
		return // a later Clog or Unclog superseded this one
	}
	l.clog = 0
	nw.w.Trace(sim.Record{Kind: "unclog", Node: int32(l.from), Peer: int32(l.to)})
}

func clogDetail(factor float64, duration time.Duration) string {
	return "x" + strconv.FormatFloat(factor, 'g', -1, 64) + " for " + duration.String()
}

// Hold starts holding the link from → to: messages that arrive on it,
// including those already in flight, wait until ReleaseOne or ReleaseAll
// instead of being delivered.
func (nw *Network) Hold(from, to NodeID) error {
	if err := nw.check(from, to); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	if l := nw.link(from, to); !l.holding {
		l.holding = true
		nw.holds++
	}
	nw.w.Trace(sim.Record{Kind: "hold", Node: int32(from), Peer: int32(to)})
	return nil
}

// Held returns copies of the messages held on from → to, in arrival order.
func (nw *Network) Held(from, to NodeID) []Message {
	l := nw.peek(from, to)
	if l == nil {
		return nil
	}
	out := make([]Message, len(l.held))
	for i, m := range l.held {
		out[i] = *m
	}
	return out
}

// ReleaseOne delivers the held message id on from → to (the first one, if a
// duplicate is held too), now; the link stays held.
func (nw *Network) ReleaseOne(from, to NodeID, id uint64) error {
	if err := nw.check(from, to); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	l := nw.peek(from, to)
	if l == nil {
		return fmt.Errorf("release: no message %d held on %s", id, LinkName(from, to))
	}
	i := slices.IndexFunc(l.held, func(m *Message) bool { return m.ID == id })
	if i < 0 {
		return fmt.Errorf("release: no message %d held on %s", id, LinkName(from, to))
	}
	m := l.held[i]
	l.held = slices.Delete(l.held, i, i+1)
	nw.held--
	nw.release(l, []*Message{m})
	return nil
}

// ReleaseAll delivers every message held on from → to, now and in arrival
// order, ends the hold, and returns how many it released.
func (nw *Network) ReleaseAll(from, to NodeID) int {
	l := nw.peek(from, to)
	if l == nil {
		return 0
	}
	held := l.held
	l.held = nil
	if l.holding {
		l.holding = false
		nw.holds--
	}
	nw.held -= len(held)
	if len(held) > 0 {
		nw.release(l, held)
	} else {
		nw.w.Trace(sim.Record{Kind: "release", Node: int32(from), Peer: int32(to)})
	}
	return len(held)
}

// release schedules one event that delivers ms in order, so that no tie
// shuffling can reorder them.
func (nw *Network) release(l *linkState, ms []*Message) {
	for _, m := range ms {
		nw.w.Trace(sim.Record{Kind: "release", Node: int32(m.From), Peer: int32(m.To), ID: m.ID})
	}
	nw.counts(l).inFlight += int64(len(ms))
	nw.inFlight += int64(len(ms))
	nw.w.After(0, nw, sim.Event{Kind: evRelease, Node: int32(l.to), A: int64(ms[0].ID), Ptr: ms})
}

// Verdict is what a fault rule decides for a message: Pass, Drop, or
// Delay(d).
type Verdict int64

const (
	// Pass lets the message through unchanged.
	Pass Verdict = 0
	// Drop drops the message; it counts as CauseRule.
	Drop Verdict = -1
)

// Delay returns the verdict that adds d to the message's latency. A d ≤ 0
// is Pass.
func Delay(d time.Duration) Verdict {
	if d <= 0 {
		return Pass
	}
	return Verdict(d)
}

// String returns "pass", "drop" or "delay(D)".
func (v Verdict) String() string {
	switch {
	case v == Pass:
		return "pass"
	case v < 0:
		return "drop"
	}
	return "delay(" + time.Duration(v).String() + ")"
}

type rule struct {
	id uint64
	fn func(m *Message) Verdict
}

// AddRule installs a fault rule, which sees every message at send time
// (ID, From, To, Size, Payload, SentAt) before the link does anything
// else. Rules run in installation order; the first Drop ends the chain,
// and the delays of the others add up. The rule must not keep m. The
// returned function removes the rule; calling it again does nothing.
func (nw *Network) AddRule(fn func(m *Message) Verdict) (undo func()) {
	nw.ruleSeq++
	id := nw.ruleSeq
	nw.rules = append(nw.rules, rule{id: id, fn: fn})
	nw.w.Trace(sim.Record{Kind: "rule", Node: -1, Peer: -1, ID: id, Detail: "add"})
	return func() {
		i := slices.IndexFunc(nw.rules, func(r rule) bool { return r.id == id })
		if i < 0 {
			return
		}
		nw.rules = slices.Delete(nw.rules, i, i+1)
		nw.w.Trace(sim.Record{Kind: "rule", Node: -1, Peer: -1, ID: id, Detail: "remove"})
	}
}

// Rules returns the number of installed rules.
func (nw *Network) Rules() int { return len(nw.rules) }

func (nw *Network) applyRules(m *Message) Verdict {
	var total Verdict
	for _, r := range nw.rules {
		v := r.fn(m)
		if v < 0 {
			return Drop
		}
		if v > 0 {
			v = min(v, Verdict(24*time.Hour))
			nw.w.Trace(sim.Record{Kind: "delay", Node: int32(m.From), Peer: int32(m.To), ID: m.ID, Detail: v.String()})
		}
		total = min(total+v, Verdict(24*time.Hour)) // both ≤ 2^63/2: no overflow
	}
	return total
}
