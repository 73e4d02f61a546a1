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
type leaseServer struct {
	h       *harness
	holder  nodes.NodeID // -1: none
	expiry  sim.Time
	waiting []nodes.NodeID
}

// handOver is the timer data of an expiry check.
type handOver struct{}

func (s *leaseServer) Start(env *nodes.Env) { s.holder = -1 }

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
		c.h.beliefs = append(c.h.beliefs, belief{node: env.ID(), startNs: c.sinceNs, end: int64(env.TrueNow())})
		c.restUntil = env.Now().Add(50*time.Millisecond + time.Duration(env.Rand().Int64N(int64(150*time.Millisecond))))
	}
}

func (h *harness) issueEnd() sim.Time { return h.cfg.issueEnd }
