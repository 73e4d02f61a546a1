package proc

import "github.com/faultline/faultline/nodes"

// Group owns the coroutines of one run, so that none outlives it. The zero
// Group is ready to use. It is not safe for concurrent use (one world, one
// goroutine).
type Group struct {
	procs []*Proc
}

// Constructor returns a nodes.Constructor that builds a process running
// body. When a node restarts, the constructor stops the coroutine of its
// crashed incarnation before building the new one. One constructor may
// serve many nodes.
func (g *Group) Constructor(body func(p *P)) nodes.Constructor {
	last := map[NodeID]*Proc{}
	return func(id NodeID) nodes.Node {
		if old := last[id]; old != nil {
			old.Stop()
		}
		n := g.Node(body)
		last[id] = n
		return n
	}
}

// Node returns a process running body that Close will stop.
func (g *Group) Node(body func(p *P)) *Proc {
	live := g.procs[:0]
	for _, n := range g.procs {
		if !n.Done() {
			live = append(live, n)
		}
	}
	clear(g.procs[len(live):])
	n := Node(body)
	g.procs = append(live, n)
	return n
}

// Live returns the number of processes whose coroutine has not finished.
func (g *Group) Live() int {
	k := 0
	for _, n := range g.procs {
		if !n.Done() {
			k++
		}
	}
	return k
}

// Close stops every coroutine still parked, in creation order. Call it
// when the run is over (defer it right after creating the group).
func (g *Group) Close() {
	for _, n := range g.procs {
		n.Stop()
	}
	g.procs = nil
}
