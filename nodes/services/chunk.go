package services

import "github.com/faultline/faultline/sim"

// chunk hands out zeroed values carved from arrays of chunkLen, one
// allocation per chunkLen values. Calls and replies are shared by every
// copy the network delivers (duplicates included) and may be kept by their
// receiver, so they cannot be reused; carving them from chunks leaves the
// garbage collector to free them while cutting the allocations per request.
// With the world's arena set, the arrays come from it, and a worker's next
// world reuses them.
type chunk[T any] struct {
	buf   []T
	arena *sim.Arena
}

const chunkLen = 64

func (c *chunk[T]) new() *T {
	if len(c.buf) == 0 {
		c.buf = sim.Take[T](c.arena, chunkLen)
	}
	v := &c.buf[0]
	c.buf = c.buf[1:]
	return v
}
