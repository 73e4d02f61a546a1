package services

import (
	"fmt"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/sim"
)

// Unbounded is the MaxQueue of a queue without a bound.
const Unbounded = -1

// PoolConfig configures a worker pool and its queue.
type PoolConfig struct {
	// Workers serve calls in parallel; 0 means 1.
	Workers int
	// MaxQueue bounds the calls waiting for a worker: Unbounded (-1), or
	// ≥ 0 (0: a call that finds every worker busy is rejected).
	MaxQueue int
	// Shed, when set, replaces the FIFO queue with a load shedder: bounded,
	// optionally dropping calls that waited too long, optionally LIFO.
	Shed *shed.Config
	// CheckDeadline drops a call whose caller already gave up when a
	// worker takes it, instead of working on it (zombie work).
	CheckDeadline bool
}

// Validate checks the configuration.
func (c PoolConfig) Validate() error {
	switch {
	case c.Workers < 0:
		return fmt.Errorf("server workers %d: want ≥ 1", c.Workers)
	case c.MaxQueue < Unbounded:
		return fmt.Errorf("server queue %d: want ≥ 0, or -1 for unbounded", c.MaxQueue)
	}
	if c.Shed != nil {
		if err := c.Shed.Validate(); err != nil {
			return fmt.Errorf("server shed: %w", err)
		}
	}
	return nil
}

// Pool holds calls until one of its workers is free, then passes them on;
// a worker stays taken until the call ends (Server.End). A call that finds
// the queue full, or that the shedder drops, is rejected as overloaded.
// Metrics: PREFIXshed, PREFIXexpired, the gauges PREFIXqueue_len and
// PREFIXbusy, and the series PREFIXqueue_len.
type Pool struct {
	Shed, Expired   *sim.Counter
	QueueLen, BusyG *sim.Gauge
	QueueSeries     *Level

	c     PoolConfig
	busy  int
	fifo  []*Job // FIFO queue when c.Shed is nil
	head  int
	shedq *shed.Shedder[*Job]
	s     *Server
	next  Stage
}

// NewPool returns the stage; it panics on a config that fails Validate.
func NewPool(c PoolConfig, next Stage) *Pool { return new(Pool).init(c, next) }

func (p *Pool) init(c PoolConfig, next Stage) *Pool {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	*p = Pool{c: c, next: next}
	if c.Shed != nil {
		q, err := shed.New[*Job](*c.Shed)
		if err != nil {
			panic(err)
		}
		p.shedq = q
	}
	return p
}

// Next implements Stage.
func (p *Pool) Next() Stage { return p.next }

// Start implements Stage.
func (p *Pool) Start(env *nodes.Env, s *Server) {
	now := s.Now()
	p.s = s
	p.Expired, p.Shed = s.Counter("expired"), s.Counter("shed")
	p.QueueLen, p.BusyG = s.Gauge("queue_len"), s.Gauge("busy")
	p.QueueLen.Set(now, 0)
	p.BusyG.Set(now, 0)
	p.QueueSeries = NewLevel(env.World().Metrics, s.prefix+"queue_len")
}

// Len returns the calls waiting for a worker.
func (p *Pool) Len() int {
	if p.shedq != nil {
		return p.shedq.Len()
	}
	return len(p.fifo) - p.head
}

// Busy returns the workers at work (or waiting on a dependency).
func (p *Pool) Busy() int { return p.busy }

// Serve implements Stage: begin at once if a worker is free and nobody
// waits, else queue or reject.
func (p *Pool) Serve(env *nodes.Env, j *Job) {
	if p.busy < p.c.Workers && p.Len() == 0 {
		p.begin(env, j)
		return
	}
	now := p.s.Now()
	if p.shedq != nil {
		if !p.shedq.Offer(now.Duration(), j) {
			p.reject(env, j)
			return
		}
	} else {
		if p.c.MaxQueue != Unbounded && len(p.fifo)-p.head >= p.c.MaxQueue {
			p.reject(env, j)
			return
		}
		if len(p.fifo) == cap(p.fifo) {
			p.fifo = sim.Grow(env.World().Arena(), p.fifo, 1)
		}
		p.fifo = append(p.fifo, j)
	}
	p.queueChanged(now)
	// A free worker may exist while the queue was not empty only briefly
	// (never with FIFO); take work if so.
	p.dispatch(env)
}

func (p *Pool) reject(env *nodes.Env, j *Job) {
	p.Shed.Inc()
	p.s.End(env, j, p.s.NewReply(Reply{Class: retry.Overloaded}))
}

func (p *Pool) queueChanged(now sim.Time) {
	n := float64(p.Len())
	p.QueueLen.Set(now, n)
	p.QueueSeries.Set(now, n)
}

// take returns the next call from the queue, or nil; calls the shedder
// drops on the way are rejected.
func (p *Pool) take(env *nodes.Env) *Job {
	if p.shedq != nil {
		j, ok, dropped := p.shedq.Take(p.s.Now().Duration())
		for _, d := range dropped {
			p.reject(env, d)
		}
		if !ok {
			return nil
		}
		return j
	}
	if p.head == len(p.fifo) {
		return nil
	}
	j := p.fifo[p.head]
	p.fifo[p.head] = nil
	p.head++
	if p.head > 1024 && p.head*2 > len(p.fifo) {
		p.fifo = append(p.fifo[:0], p.fifo[p.head:]...)
		p.head = 0
	}
	return j
}

// dispatch gives free workers the calls in the queue.
func (p *Pool) dispatch(env *nodes.Env) {
	changed := false
	for p.busy < p.c.Workers {
		j := p.take(env)
		if j == nil {
			break
		}
		changed = true
		if p.c.CheckDeadline && j.Call.Deadline != 0 && p.s.Now() >= j.Call.Deadline {
			p.Expired.Inc()
			p.s.End(env, j, nil) // the caller gave up: no reply, no work
			continue
		}
		p.begin(env, j)
	}
	if changed {
		p.queueChanged(p.s.Now())
	}
}

func (p *Pool) begin(env *nodes.Env, j *Job) {
	p.busy++
	p.BusyG.Set(p.s.Now(), float64(p.busy))
	j.working, j.Busy = true, p.busy
	p.next.Serve(env, j)
}

// release frees the worker of a call that ended and gives it more work.
func (p *Pool) release(env *nodes.Env) {
	p.busy--
	p.BusyG.Set(p.s.Now(), float64(p.busy))
	p.dispatch(env)
}
