package register

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// Node ids: three replicas and the client.
const (
	replicas        = 3
	client   NodeID = 3
	size            = 4 // nodes in the world
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// Config sets up one run.
type Config struct {
	Quorum  bool          // the fixed protocol
	Ops     int           // client operations, alternately write and read; default 100
	Think   time.Duration // client pause between operations; default 20ms
	Timeout time.Duration // client call timeout; default 30ms
	Latency network.Dist  // every link; default uniform 1ms-5ms
}

func (c Config) withDefaults() Config {
	if c.Ops <= 0 {
		c.Ops = 100
	}
	if c.Think <= 0 {
		c.Think = 20 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Millisecond
	}
	if c.Latency == (network.Dist{}) {
		c.Latency = network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}
	}
	return c
}

// Messages.
type (
	write     struct{ Version, Value int }
	read      struct{}
	ack       struct{}
	value     struct{ Version, Value int }
	replicate struct{ Version, Value int } // n1 to the others, fire and forget
)

// replica keeps its state on Disk, so a crash loses nothing it
// acknowledged: the bug is in the protocol, not in the storage.
type replica struct{ quorum bool }

func state(env *nodes.Env) value {
	v, _ := env.Disk()["state"].(value)
	return v
}

func (r *replica) apply(env *nodes.Env, version, val int) {
	if version > state(env).Version {
		env.Disk()["state"] = value{Version: version, Value: val}
	}
}

func (r *replica) Start(*nodes.Env) {}

func (r *replica) Receive(env *nodes.Env, from NodeID, msg any) {
	switch m := msg.(type) {
	case replicate:
		r.apply(env, m.Version, m.Value)
	case *proc.Request:
		switch b := m.Body.(type) {
		case write:
			r.apply(env, b.Version, b.Value)
			if !r.quorum {
				// The bug: acknowledge before the copies are safe.
				for id := range NodeID(replicas) {
					if id != env.ID() {
						env.Send(id, replicate(b), proc.DefaultSize)
					}
				}
			}
			env.Send(from, &proc.Response{ID: m.ID, Body: ack{}}, proc.DefaultSize)
		case read:
			env.Send(from, &proc.Response{ID: m.ID, Body: state(env)}, proc.DefaultSize)
		}
	}
}

func (r *replica) Timer(*nodes.Env, nodes.TimerID, any) {}

// history is what the client saw, for the check.
type history struct {
	writesAcked, writesFailed, reads, readsFailed int
	lastAcked                                     int      // highest acknowledged write
	stale                                         []string // stale reads, described
}

// runClient is the client, written as ordinary sequential code.
func runClient(c Config, h *history) func(p *proc.P) {
	return func(p *proc.P) {
		for i := 1; i <= c.Ops; i++ {
			if i%2 == 1 {
				v := (i + 1) / 2
				if writeValue(p, c, v) {
					h.writesAcked++
					h.lastAcked = max(h.lastAcked, v)
				} else {
					h.writesFailed++
				}
			} else {
				got, from, ok := readValue(p, c)
				switch {
				case !ok:
					h.readsFailed++
				case got.Value < h.lastAcked:
					h.reads++
					h.stale = append(h.stale, fmt.Sprintf("read at %v from %s returned %d, but write %d was acknowledged before it began",
						p.Env().TrueNow(), network.Name(from), got.Value, h.lastAcked))
				default:
					h.reads++
				}
			}
			p.Sleep(c.Think)
		}
	}
}

func writeValue(p *proc.P, c Config, v int) bool {
	w := write{Version: v, Value: v}
	if !c.Quorum {
		_, err := p.Call(0, w, c.Timeout)
		return err == nil
	}
	acks := 0
	for id := range NodeID(replicas) {
		if _, err := p.Call(id, w, c.Timeout); err == nil {
			acks++
		}
	}
	return acks > replicas/2
}

func readValue(p *proc.P, c Config) (value, NodeID, bool) {
	if !c.Quorum {
		from := NodeID(p.Rand().IntN(replicas))
		resp, err := p.Call(from, read{}, c.Timeout)
		if err != nil {
			return value{}, from, false
		}
		return resp.(value), from, true
	}
	var best value
	var from NodeID
	answers := 0
	for id := range NodeID(replicas) {
		if resp, err := p.Call(id, read{}, c.Timeout); err == nil {
			answers++
			if v := resp.(value); v.Version >= best.Version {
				best, from = v, id
			}
		}
	}
	return best, from, answers > replicas/2
}

// Outcome is what one run gives.
type Outcome struct {
	Check     checks.Result      // "no_stale_reads"
	Metrics   map[string]float64 // writes_acked, writes_failed, reads, reads_failed, stale_reads
	TraceHash uint64
	Err       error // a limit or a panic
}

// System is the register installed on a node runtime.
type System struct {
	g proc.Group
	h *history
}

// Install adds the three replicas and the client to rt, which must have
// a network of four nodes. Call Close when the run is over.
func Install(rt *nodes.Runtime, c Config) (*System, error) {
	c = c.withDefaults()
	if n := rt.Network().Size(); n != size {
		return nil, fmt.Errorf("register: the network has %d nodes, want %d", n, size)
	}
	s := &System{h: &history{}}
	for range replicas {
		if _, err := rt.Add(func(NodeID) nodes.Node { return &replica{quorum: c.Quorum} }); err != nil {
			return nil, err
		}
	}
	if _, err := rt.Add(s.g.Constructor(runClient(c, s.h))); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the client's coroutine if it is still parked.
func (s *System) Close() { s.g.Close() }

// Check returns the no_stale_reads check and the client's counts.
func (s *System) Check() (checks.Result, map[string]float64) {
	h := s.h
	m := map[string]float64{
		"writes_acked": float64(h.writesAcked), "writes_failed": float64(h.writesFailed),
		"reads": float64(h.reads), "reads_failed": float64(h.readsFailed), "stale_reads": float64(len(h.stale)),
	}
	if len(h.stale) == 0 {
		return checks.Passf("no_stale_reads", "%d reads, none older than the last acknowledged write", h.reads), m
	}
	return checks.Failf("no_stale_reads", "%d stale reads; first: %s", len(h.stale), h.stale[0]), m
}

// Run runs the register for seed under the fault schedule sched (nil for
// none): the whole simulation in one call, without the scenario runner.
func Run(seed uint64, c Config, sched *faults.Schedule) Outcome {
	w := sim.New(seed, sim.Options{Limits: sim.Limits{MaxTime: sim.At(time.Hour)}})
	c = c.withDefaults()
	net, err := network.New(w, size, network.Link{Latency: c.Latency})
	if err != nil {
		return Outcome{Err: err}
	}
	rt := nodes.NewRuntime(w, net)
	sys, err := Install(rt, c)
	if err != nil {
		return Outcome{Err: err}
	}
	defer sys.Close()
	if sched != nil {
		if _, err := faults.Apply(sched, rt, net); err != nil {
			return Outcome{Err: err}
		}
	}
	out := Outcome{Err: w.Run(), TraceHash: w.TraceHash()}
	out.Check, out.Metrics = sys.Check()
	return out
}
