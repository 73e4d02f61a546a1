package kv

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks/linearizability"
	"github.com/faultline/faultline/nodes"
)

// client issues one operation at a time until the issue window closes,
// and records each in the harness history.
type client struct {
	h   *harness
	idx int // zero-based client number, the row in porcupine's picture

	*clientDisk
	req     request
	target  nodes.NodeID
	tries   int
	timeout nodes.TimerID
}

// Timer data: think time is over, or an attempt timed out.
type (
	thinkDone       struct{}
	attemptTimedOut struct{ id uint64 }
)

// clientDisk is what a client keeps across a crash: request ids and
// values must stay unique, and the op it was waiting for stays open.
type clientDisk struct {
	seq uint64
	cur int // index in h.history of the op in flight, or -1
}

func (c *client) Start(env *nodes.Env) {
	d, ok := env.Disk()["client"].(*clientDisk)
	if !ok {
		d = &clientDisk{cur: -1}
		env.Disk()["client"] = d
	}
	c.clientDisk = d
	c.cur = -1 // an op in flight at the crash stays pending
	c.think(env)
}

func (c *client) think(env *nodes.Env) {
	env.SetTimer(5*time.Millisecond+time.Duration(env.Rand().Int64N(int64(20*time.Millisecond))), thinkDone{})
}

func (c *client) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case thinkDone:
		if env.TrueNow() >= c.h.cfg.issueEnd {
			return
		}
		c.issue(env)
	case attemptTimedOut:
		if c.cur < 0 || d.id != c.req.ID {
			return
		}
		if c.tries < attempts {
			c.send(env)
			return
		}
		// The outcome is unknown: it may take effect at any later time.
		c.h.history[c.cur].Pending = true
		c.cur = -1
		c.think(env)
	}
}

func (c *client) issue(env *nodes.Env) {
	rng := env.Rand()
	c.seq++
	key := fmt.Sprintf("k%d", rng.IntN(c.h.cfg.keys))
	c.req = request{ID: uint64(env.ID())<<32 | c.seq, Key: key}
	// Pending until a reply comes: a client that crashes, or gives up,
	// leaves the outcome unknown.
	op := linearizability.Op{Client: c.idx, Key: key, Call: int64(env.TrueNow()), Pending: true}
	if rng.IntN(2) == 0 {
		c.req.Kind, op.Kind = linearizability.Get, linearizability.Get
	} else {
		c.req.Kind, op.Kind = linearizability.Put, linearizability.Put
		c.req.Value = fmt.Sprintf("%d.%d", c.idx, c.seq)
		op.Value = c.req.Value
	}
	// Puts always go to the primary. Gets too, unless a backup may serve
	// them (the planted bug).
	c.target = primary
	if c.h.cfg.buggy && op.Kind == linearizability.Get {
		c.target = nodes.NodeID(rng.IntN(serverCount))
	}
	c.h.history = append(c.h.history, op)
	c.cur = len(c.h.history) - 1
	c.tries = 0
	c.send(env)
}

func (c *client) send(env *nodes.Env) {
	c.tries++
	env.Send(c.target, c.req, 64)
	c.timeout = env.SetTimer(c.h.cfg.opTimeout, attemptTimedOut{c.req.ID})
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	m, ok := msg.(reply)
	if !ok || c.cur < 0 || m.ID != c.req.ID {
		return // a late reply to an op already recorded
	}
	env.CancelTimer(c.timeout)
	op := &c.h.history[c.cur]
	op.OK, op.Pending = true, false
	op.Output = m.Value
	op.Return = int64(env.TrueNow())
	c.cur = -1
	c.think(env)
}
