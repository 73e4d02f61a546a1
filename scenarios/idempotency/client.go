package idempotency

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
)

// client makes its payments one after another, retrying each on a
// time-out or a conflict, with exponential backoff and full jitter.
type client struct {
	h   *harness
	idx int

	*clientDisk
	req     charge
	active  bool
	timeout nodes.TimerID
}

type (
	next    struct{}
	expired struct{ attempt int }
)

// clientDisk survives a client crash, so payment ids stay unique; a
// payment in flight at the crash is abandoned.
type clientDisk struct {
	n int // payments started
}

func (c *client) Start(env *nodes.Env) {
	d, ok := env.Disk()["client"].(*clientDisk)
	if !ok {
		d = &clientDisk{}
		env.Disk()["client"] = d
	}
	c.clientDisk = d
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(10*time.Millisecond))), next{})
}

func (c *client) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case next:
		if c.active {
			c.attempt(env)
			return
		}
		if c.n == c.h.cfg.payments {
			return
		}
		c.n++
		payment := fmt.Sprintf("c%d-p%d", c.idx, c.n)
		c.req = charge{Payment: payment, Amount: 100}
		if !c.h.cfg.buggy {
			c.req.Key = payment // the key names the payment, not the attempt
		}
		c.active = true
		c.attempt(env)
	case expired:
		if c.active && d.attempt == c.req.Attempt {
			c.retry(env)
		}
	}
}

func (c *client) attempt(env *nodes.Env) {
	c.req.Attempt++
	c.h.sends++
	env.Send(service, c.req, 128)
	c.timeout = env.SetTimer(c.h.cfg.timeout, expired{c.req.Attempt})
}

// retry backs off and tries again, or gives up after the last attempt.
func (c *client) retry(env *nodes.Env) {
	if c.req.Attempt >= c.h.cfg.attempts {
		c.h.gaveUp++
		c.done(env)
		return
	}
	backoff := min(5*time.Millisecond<<c.req.Attempt, 50*time.Millisecond)
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(backoff)+1)), next{})
}

func (c *client) done(env *nodes.Env) {
	c.active = false
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(10*time.Millisecond))), next{})
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	m, ok := msg.(result)
	if !ok || !c.active || m.Payment != c.req.Payment || m.Attempt != c.req.Attempt {
		return // a late answer to an earlier attempt
	}
	env.CancelTimer(c.timeout)
	if m.Conflict {
		c.retry(env)
		return
	}
	c.h.confirmed++
	c.done(env)
}
