package eventual

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// client alternates writes to the primary and reads from a random
// replica, one at a time, until the issue window closes.
type client struct {
	h   *harness
	idx int

	*clientDisk
	cur     any // the write or readReq in flight, or nil
	tries   int
	timeout nodes.TimerID
}

type (
	thinkDone struct{}
	timedOut  struct{ id uint64 }
)

// clientDisk survives a client crash, so write ids stay unique.
type clientDisk struct{ seq uint64 }

func (c *client) Start(env *nodes.Env) {
	d, ok := env.Disk()["client"].(*clientDisk)
	if !ok {
		d = &clientDisk{}
		env.Disk()["client"] = d
	}
	c.clientDisk = d
	c.think(env)
}

func (c *client) think(env *nodes.Env) {
	c.cur = nil
	env.SetTimer(5*time.Millisecond+time.Duration(env.Rand().Int64N(int64(20*time.Millisecond))), thinkDone{})
}

func (c *client) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case thinkDone:
		if env.TrueNow() < c.h.issueEnd {
			c.issue(env)
		}
	case timedOut:
		w, isWrite := c.cur.(write)
		switch {
		case c.cur == nil || d.id != c.curID():
		case isWrite && c.tries < attempts:
			c.send(env, primary, w)
		default:
			c.think(env) // give up: the write may or may not have happened
		}
	}
}

func (c *client) curID() uint64 {
	switch m := c.cur.(type) {
	case write:
		return m.ID
	case readReq:
		return m.ID
	}
	return 0
}

func (c *client) issue(env *nodes.Env) {
	rng := env.Rand()
	c.seq++
	id := uint64(env.ID())<<32 | c.seq
	key := fmt.Sprintf("k%d", rng.IntN(c.h.keys))
	c.tries = 0
	if rng.IntN(2) == 0 {
		// The timestamp is this client's wall clock, skewed.
		w := write{ID: id, Key: key, Value: fmt.Sprintf("%d.%d", c.idx, c.seq), TS: int64(env.Now())}
		c.send(env, primary, w)
		return
	}
	c.send(env, nodes.NodeID(1+rng.IntN(c.h.replicas)), readReq{ID: id, Key: key})
}

func (c *client) send(env *nodes.Env, to nodes.NodeID, msg any) {
	c.cur = msg
	c.tries++
	env.Send(to, msg, 64)
	c.timeout = env.SetTimer(opTimeout, timedOut{c.curID()})
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	var id uint64
	switch m := msg.(type) {
	case writeAck:
		c.h.ack(m.ID)
		id = m.ID
	case readResp:
		id = m.ID
	}
	if c.cur == nil || id != c.curID() {
		return
	}
	env.CancelTimer(c.timeout)
	c.think(env)
}

// accept records a write the primary accepted.
func (h *harness) accept(now sim.Time, w write, readBack string) {
	if h.index == nil {
		h.index = map[uint64]int{}
	}
	h.index[w.ID] = len(h.writes)
	h.writes = append(h.writes, accepted{atNs: int64(now), key: w.Key, value: w.Value, readBack: readBack})
}

// ack records that the client learned its write was accepted.
func (h *harness) ack(id uint64) {
	if i, ok := h.index[id]; ok {
		h.writes[i].acked = true
	}
}
