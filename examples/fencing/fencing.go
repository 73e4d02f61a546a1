// Package fencing is a lock service with leases, written as an outside
// user would write a protocol against faultline's public API, in its own
// module. A client that holds the lock writes to a storage node; a client
// paused past its lease (a GC pause, a slow link) may still write after
// the next holder has. Fencing tokens make the storage refuse such a
// write; without them (fenced=false, the planted bug) the storage
// accepts it, and the check fenced_writes fails.
package fencing

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// Node ids: the lock server, the storage and the clients.
const (
	server  nodes.NodeID = 0 // n1
	storage nodes.NodeID = 1 // n2
)

// Config sets up one run.
type Config struct {
	Clients int           // lock clients, n3 onwards
	Fenced  bool          // the storage refuses tokens older than the newest it saw
	Lease   time.Duration // how long a grant lasts on the server's clock
	Work    time.Duration // how long a holder works before it writes
	Timeout time.Duration // a client's wait for a grant or a write's answer
}

// Messages.
type (
	acquire struct{}
	grant   struct{ Token uint64 }
	busy    struct{}
	release struct{ Token uint64 }
	write   struct {
		Token uint64
		By    nodes.NodeID
	}
	written struct {
		Token uint64
		OK    bool
	}
)

// lockServer grants the lock to one client at a time, for a lease. Its
// state lives on its disk, so a restart keeps the token counter.
type lockServer struct{ lease time.Duration }

type lockState struct {
	holder  nodes.NodeID
	until   time.Duration // lease end on the server's clock
	token   uint64
	granted bool
}

func (s *lockServer) state(env *nodes.Env) *lockState {
	st, _ := env.Disk()["lock"].(*lockState)
	if st == nil {
		st = &lockState{}
		env.Disk()["lock"] = st
	}
	return st
}

func (s *lockServer) Start(*nodes.Env) {}

func (s *lockServer) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	st, now := s.state(env), time.Duration(env.Now())
	switch m := msg.(type) {
	case acquire:
		if st.granted && st.holder != from && now < st.until {
			env.Send(from, busy{}, 16)
			return
		}
		st.token++
		st.holder, st.until, st.granted = from, now+s.lease, true
		env.Send(from, grant{Token: st.token}, 16)
	case release:
		if st.granted && st.holder == from && st.token == m.Token {
			st.granted = false
		}
	}
}

func (s *lockServer) Timer(*nodes.Env, nodes.TimerID, any) {}

// store is the storage node. It keeps the order of the writes it
// accepted, for the check.
type store struct {
	fenced   bool
	newest   uint64
	accepted []write
	refused  int
}

// seriesStep is the width of a plot's time step.
const seriesStep = 500 * time.Millisecond

func (s *store) Start(*nodes.Env) {}

func (s *store) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	w, ok := msg.(write)
	if !ok {
		return
	}
	if s.fenced && w.Token < s.newest {
		s.refused++
		env.Metrics().Series("writes_refused_rps", sim.SeriesRate, seriesStep).Add(env.TrueNow(), 1)
		env.Send(from, written{Token: w.Token}, 16)
		return
	}
	s.newest = max(s.newest, w.Token)
	s.accepted = append(s.accepted, w)
	env.Metrics().Series("writes_accepted_rps", sim.SeriesRate, seriesStep).Add(env.TrueNow(), 1)
	env.Send(from, written{Token: w.Token, OK: true}, 16)
}

func (s *store) Timer(*nodes.Env, nodes.TimerID, any) {}

// client loops: acquire, work, write, release, think.
type client struct {
	cfg   Config
	token uint64
	wait  nodes.TimerID // the pending timeout, or 0
	phase string        // "acquiring", "working", "writing", "thinking"
}

type timer string

func (c *client) Start(env *nodes.Env) { c.think(env) }

func (c *client) think(env *nodes.Env) {
	c.phase = "thinking"
	env.SetTimer(time.Duration(10+env.Rand().IntN(40))*time.Millisecond, timer("wake"))
}

func (c *client) acquire(env *nodes.Env) {
	c.phase = "acquiring"
	env.Send(server, acquire{}, 16)
	c.wait = env.SetTimer(c.cfg.Timeout, timer("timeout"))
}

func (c *client) stopWaiting(env *nodes.Env) {
	if c.wait != 0 {
		env.CancelTimer(c.wait)
		c.wait = 0
	}
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case grant:
		if c.phase != "acquiring" {
			return
		}
		c.stopWaiting(env)
		c.token, c.phase = m.Token, "working"
		env.SetTimer(c.cfg.Work, timer("work done"))
	case busy:
		if c.phase == "acquiring" {
			c.stopWaiting(env)
			c.think(env)
		}
	case written:
		if c.phase == "writing" && m.Token == c.token {
			c.stopWaiting(env)
			env.Send(server, release{Token: c.token}, 16)
			c.think(env)
		}
	}
}

func (c *client) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	switch data.(timer) {
	case "wake":
		c.acquire(env)
	case "work done":
		// The holder trusts its lease: it does not look at a clock.
		c.phase = "writing"
		env.Send(storage, write{Token: c.token, By: env.ID()}, 64)
		c.wait = env.SetTimer(c.cfg.Timeout, timer("timeout"))
	case "timeout":
		if id == c.wait {
			c.wait = 0
			c.think(env)
		}
	}
}

// System is an installed lock service, for its check and metrics.
type System struct {
	store *store
}

// Install adds the server, the storage and the clients to rt, in node
// order n1, n2, n3...
func Install(rt *nodes.Runtime, cfg Config) (*System, error) {
	sys := &System{store: &store{fenced: cfg.Fenced}}
	ctors := []nodes.Constructor{
		func(nodes.NodeID) nodes.Node { return &lockServer{lease: cfg.Lease} },
		func(nodes.NodeID) nodes.Node { return sys.store },
	}
	for range cfg.Clients {
		ctors = append(ctors, func(nodes.NodeID) nodes.Node { return &client{cfg: cfg} })
	}
	for _, ctor := range ctors {
		if _, err := rt.Add(ctor); err != nil {
			return nil, err
		}
	}
	return sys, nil
}

// Check is the safety property: the storage accepted writes in token
// order, so no holder wrote after a newer holder had.
func (s *System) Check() checks.Result {
	for i := 1; i < len(s.store.accepted); i++ {
		prev, w := s.store.accepted[i-1], s.store.accepted[i]
		if w.Token < prev.Token {
			return checks.Failf("fenced_writes", "write %d of %d: %s wrote with token %d after %s had written with token %d",
				i+1, len(s.store.accepted), network.Name(w.By), w.Token, network.Name(prev.By), prev.Token)
		}
	}
	return checks.Passf("fenced_writes", "%d writes in token order", len(s.store.accepted))
}

// Metrics are the run's counts.
func (s *System) Metrics() map[string]float64 {
	return map[string]float64{
		"writes_accepted": float64(len(s.store.accepted)),
		"writes_refused":  float64(s.store.refused),
	}
}

func (c Config) String() string {
	return fmt.Sprintf("%d clients, fenced=%v, lease %v, work %v", c.Clients, c.Fenced, c.Lease, c.Work)
}
