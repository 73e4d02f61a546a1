package services

// chunk hands out zeroed values carved from arrays of chunkLen, one
// allocation per chunkLen values. Calls and replies are shared by every
// copy the network delivers (duplicates included) and may be kept by their
// receiver, so they cannot be reused; carving them from chunks leaves the
// garbage collector to free them while cutting the allocations per request.
type chunk[T any] struct {
	buf []T
}

const chunkLen = 64

func (c *chunk[T]) new() *T {
	if len(c.buf) == 0 {
		c.buf = make([]T, chunkLen)
	}
	v := &c.buf[0]
	c.buf = c.buf[1:]
	return v
}
