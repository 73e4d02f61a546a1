package lease

import (
	"slices"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// Messages.
type (
	// acquire asks for the lease, or renews it for its holder.
	acquire struct{}
	// grant gives the lease until Expiry, a reading of the server's clock.
	grant struct{ Expiry sim.Time }
)

// leaseServer grants the lease. Expiry is absolute server time, so a
// holder's view of it is only as good as the agreement of the two clocks.
// It writes its grant to disk before it sends it, so a restarted server
// does not grant a lease that is still held.
type leaseServer struct {
	h *harness
	*serverDisk
}

type serverDisk struct {
	holder  nodes.NodeID // -1: none
	expiry  sim.Time
	waiting []nodes.NodeID
}

// handOver is the timer data of an expiry check.
type handOver struct{}

func (s *leaseServer) Start(env *nodes.Env) {
	d, ok := env.Disk()["lease"].(*serverDisk)
	if !ok {
		d = &serverDisk{holder: -1}
		env.Disk()["lease"] = d
	}
	s.serverDisk = d
	if s.holder != -1 {
		env.SetTimer(max(s.expiry.Sub(env.Now()), 0), handOver{})
	}
}

func (s *leaseServer) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if _, ok := msg.(acquire); !ok {
		return
	}
	now := env.Now()
	switch {
	case s.holder == from && now < s.expiry:
		s.give(env, from) // renewal
	case s.holder == -1 || now >= s.expiry:
		s.give(env, from)
	case !slices.Contains(s.waiting, from):
		s.waiting = append(s.waiting, from)
	}
}

// give grants the lease to id until now + lease, and checks again at expiry.
func (s *leaseServer) give(env *nodes.Env, id nodes.NodeID) {
	if s.holder != id {
		s.h.grants++
	}
	s.holder = id
	s.expiry = env.Now().Add(s.h.cfg.lease)
	s.waiting = slices.DeleteFunc(s.waiting, func(w nodes.NodeID) bool { return w == id })
	env.Send(id, grant{Expiry: s.expiry}, 32)
	env.SetTimer(s.h.cfg.lease, handOver{})
}

func (s *leaseServer) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	// The lease lapsed on the server's clock: hand it to the next waiter.
	if s.holder != -1 && env.Now() >= s.expiry && len(s.waiting) > 0 {
		s.give(env, s.waiting[0])
	}
}

// contender wants the lease, works for a while once it has it, and then
// lets it lapse.
type contender struct {
	h *harness

	holding   bool
	sinceNs   int64    // true time the current belief started
	until     sim.Time // local time at which the belief ends: expiry - margin
	endTimer  nodes.TimerID
	workUntil sim.Time // local time at which it stops renewing
	restUntil sim.Time // local time at which it competes again
	wanting   bool
}

// Timer data.
type (
	tick      struct{} // send acquire: a request or a renewal
	beliefEnd struct{}
)

func (c *contender) Start(env *nodes.Env) {
	c.h.restarted(env.ID(), env.TrueNow())
	c.wanting = true
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(20*time.Millisecond))), tick{})
}

func (c *contender) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	g, ok := msg.(grant)
	if !ok || !c.wanting {
		return
	}
	until := g.Expiry.Add(-c.h.cfg.margin)
	now := env.Now()
	if now >= until || (c.holding && until <= c.until) {
		return // too late to use, or nothing new
	}
	if !c.holding {
		c.holding = true
		c.sinceNs = int64(env.TrueNow())
		c.workUntil = now.Add(100*time.Millisecond + time.Duration(env.Rand().Int64N(int64(300*time.Millisecond))))
	}
	c.until = until
	c.h.holding(env.ID(), c.sinceNs, env.TrueNow().Add(until.Sub(now)))
	env.CancelTimer(c.endTimer)
	c.endTimer = env.SetTimer(until.Sub(now), beliefEnd{})
}

func (c *contender) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch data.(type) {
	case tick:
		if env.TrueNow() >= c.h.issueEnd() {
			c.wanting = false
			return
		}
		if c.holding && env.Now() >= c.workUntil {
			c.wanting = false // done: let the lease lapse
		}
		if !c.holding && !c.wanting && env.Now() >= c.restUntil {
			c.wanting = true // rested: compete again
		}
		if c.wanting {
			env.Send(server, acquire{}, 32)
		}
		every := 20 * time.Millisecond
		if c.holding {
			every = c.h.cfg.lease / 4
		}
		env.SetTimer(every, tick{})
	case beliefEnd:
		if !c.holding {
			return
		}
		c.holding = false
		c.h.released(env.ID(), env.TrueNow())
		c.restUntil = env.Now().Add(50*time.Millisecond + time.Duration(env.Rand().Int64N(int64(150*time.Millisecond))))
	}
}

func (h *harness) issueEnd() sim.Time { return h.cfg.issueEnd }

// The harness keeps each contender's open belief outside the node, so a
// belief cut short by a crash is still counted.

// holding records that node believes it holds the lease since sinceNs,
// and, if nothing renews it, until the true time until.
func (h *harness) holding(node nodes.NodeID, sinceNs int64, until sim.Time) {
	h.open[node] = belief{node: node, startNs: sinceNs, end: int64(until)}
}

// released closes node's belief at now.
func (h *harness) released(node nodes.NodeID, now sim.Time) {
	if b, ok := h.open[node]; ok {
		b.end = int64(now)
		h.beliefs = append(h.beliefs, b)
		delete(h.open, node)
	}
}

// restarted closes the belief a crash cut short. The crash time is not
// known here; the belief would have ended at its expiry at the latest,
// or by the restart, so that is when it is taken to end: never later
// than a holder that stopped renewing, which the margin allows for.
func (h *harness) restarted(node nodes.NodeID, now sim.Time) {
	if b, ok := h.open[node]; ok {
		h.released(node, min(now, sim.Time(b.end)))
	}
}
