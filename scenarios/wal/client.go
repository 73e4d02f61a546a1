package wal

import (
	"bytes"
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
)

// clientDisk survives a client crash: versions keep rising, and what was
// acknowledged stays known to the checks.
type clientDisk struct {
	req     uint64
	next    map[string]uint64 // next version to write, per key
	acked   map[string]uint64 // highest acknowledged version, per key
	puts    int
	gets    int
	corrupt []string // values read that no client wrote
	stale   []string // reads older than an acknowledged write
}

type (
	nextOp     struct{}
	retryTimer struct{ req uint64 }
)

const retryAfter = 40 * time.Millisecond

// client owns keys of its own and, one request at a time, writes new
// versions of them and reads them back.
type client struct {
	cfg *config
	*clientDisk
	keys []string
	cur  any // the request in flight, or nil
}

func (c *client) Start(env *nodes.Env) {
	d, ok := env.Disk()["client"].(*clientDisk)
	if !ok {
		d = &clientDisk{next: map[string]uint64{}, acked: map[string]uint64{}}
		env.Disk()["client"] = d
		c.cfg.clients = append(c.cfg.clients, d)
	}
	c.clientDisk = d
	for k := range c.cfg.keys {
		c.keys = append(c.keys, fmt.Sprintf("%s-k%d", env.Name(), k))
	}
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(10*time.Millisecond))), nextOp{})
}

func (c *client) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch t := data.(type) {
	case nextOp:
		if env.TrueNow() >= c.cfg.issueEnd {
			return
		}
		rng := env.Rand()
		key := c.keys[rng.IntN(len(c.keys))]
		c.req++
		if rng.IntN(10) < 6 {
			c.next[key]++
			c.cur = putReq{Req: c.req, Key: key, Version: c.next[key]}
		} else {
			c.cur = getReq{Req: c.req, Key: key}
		}
		c.send(env)
	case retryTimer:
		if c.cur != nil && t.req == c.req {
			c.send(env)
		}
	}
}

func (c *client) send(env *nodes.Env) {
	env.Send(storeID, c.cur, 96)
	env.SetTimer(retryAfter, retryTimer{c.req})
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case putReply:
		p, ok := c.cur.(putReq)
		if !ok || m.Req != p.Req || !m.OK {
			return // a stale reply, or a refusal: the retry sends it again
		}
		c.acked[p.Key] = max(c.acked[p.Key], p.Version)
		c.puts++
	case getReply:
		g, ok := c.cur.(getReq)
		if !ok || m.Req != g.Req || !m.OK {
			return
		}
		c.gets++
		c.checkRead(env, g.Key, m)
	default:
		return
	}
	c.cur = nil
	env.SetTimer(time.Millisecond+time.Duration(env.Rand().Int64N(int64(4*time.Millisecond))), nextOp{})
}

// checkRead holds a read to what this client wrote: the value is the one
// written as its version, and no older than the last acknowledged.
func (c *client) checkRead(env *nodes.Env, key string, m getReply) {
	at := env.TrueNow()
	switch {
	case m.Version == 0 && m.Value == nil:
		if c.acked[key] > 0 {
			c.stale = append(c.stale, fmt.Sprintf("at %v %s read nothing, version %d was acknowledged", time.Duration(at), key, c.acked[key]))
		}
	case m.Version > c.next[key] || !bytes.Equal(m.Value, valueOf(key, m.Version)):
		c.corrupt = append(c.corrupt, fmt.Sprintf("at %v %s read %q as version %d, which was never written", time.Duration(at), key, m.Value, m.Version))
	case m.Version < c.acked[key]:
		c.stale = append(c.stale, fmt.Sprintf("at %v %s read version %d, version %d was acknowledged", time.Duration(at), key, m.Version, c.acked[key]))
	}
}
