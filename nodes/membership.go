package nodes

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/sim"
)

// Drainer is implemented by nodes that can leave gracefully. Drain runs
// when a graceful leave starts: the node should stop taking new work (fail
// its readiness check, say) and finish what it holds. The runtime stops
// the node when the drain period ends.
type Drainer interface {
	Drain(env *Env)
}

// AddSpare registers a node slot that ctor builds when it joins (Join).
// Until then the node is down and not a member: messages to it are
// dropped (cause "down") and Restart leaves it down. Spares give a run a
// cluster that grows: the network has a place for every node that may
// ever join.
func (rt *Runtime) AddSpare(ctor Constructor) (NodeID, error) {
	p, err := rt.register(ctor)
	if err != nil {
		return 0, err
	}
	p.out = true
	return p.id, nil
}

// DefineVersion names a constructor that Upgrade, Join and Replace can
// switch a node to, e.g. "v2" for a new release. The constructor gets the
// node's id, so one version can build different roles.
func (rt *Runtime) DefineVersion(name string, ctor Constructor) error {
	if name == "" || strings.ContainsAny(name, " \t,") {
		return fmt.Errorf("nodes: version name %q: want a non-empty word", name)
	}
	if _, ok := rt.versions[name]; ok {
		return fmt.Errorf("nodes: version %q defined twice", name)
	}
	if rt.versions == nil {
		rt.versions = map[string]Constructor{}
	}
	rt.versions[name] = ctor
	return nil
}

// AddVersion is Add with the constructor of a defined version, which the
// node then reports as its version (Env.Version).
func (rt *Runtime) AddVersion(version string) (NodeID, error) {
	if version == "" {
		return 0, fmt.Errorf("nodes: AddVersion needs a version")
	}
	if err := rt.checkVersion(version); err != nil {
		return 0, fmt.Errorf("nodes: %w", err)
	}
	p, err := rt.register(rt.versions[version])
	if err != nil {
		return 0, err
	}
	p.version = version
	rt.boot(p)
	return p.id, nil
}

// Versions returns the defined version names, sorted.
func (rt *Runtime) Versions() []string { return slices.Sorted(maps.Keys(rt.versions)) }

func (rt *Runtime) checkVersion(v string) error {
	if v == "" {
		return nil
	}
	if _, ok := rt.versions[v]; ok {
		return nil
	}
	if len(rt.versions) == 0 {
		return fmt.Errorf("unknown version %q (this run defines no versions)", v)
	}
	return fmt.Errorf("unknown version %q (accepted: %s)", v, strings.Join(rt.Versions(), ", "))
}

// Member reports whether node id is a member: added, or joined, and not
// left since. A crashed member is still a member.
func (rt *Runtime) Member(id NodeID) bool { return !rt.procs[id].out }

// Version returns the version node id runs, or "" for the constructor it
// was added with.
func (rt *Runtime) Version(id NodeID) string { return rt.procs[id].version }

// Incarnation returns how many times node id was replaced or rejoined
// after a leave: 0 for the node as first started.
func (rt *Runtime) Incarnation(id NodeID) int { return rt.procs[id].incarnation }

// Join makes node id a member and starts it as a new node: a spare
// (AddSpare) for the first time, or a node that left, as a new incarnation
// with an empty disk. version, unless "", is the version it runs. Joining
// a member does nothing.
func (rt *Runtime) Join(id NodeID, version string) error {
	if err := rt.checkVersion(version); err != nil {
		return err
	}
	p := rt.procs[id]
	if !p.out {
		return nil
	}
	if p.up { // still draining: the leave is cut short
		rt.stop(p, "leave", "")
	}
	p.out, p.leaving = false, false
	rt.wipe(p, version)
	rt.w.Trace(sim.Record{Kind: "join", Node: int32(id), Peer: -1, Detail: p.version})
	rt.boot(p)
	return nil
}

// wipe gives p an empty disk and, if it ran before, a new incarnation.
func (rt *Runtime) wipe(p *proc, version string) {
	if p.node != nil {
		p.incarnation++
	}
	p.disk = map[string]any{}
	p.store = nil
	if version != "" {
		p.version = version
	}
}

// Leave takes node id out of the cluster. With drain > 0 the leave is
// graceful: the node's Drain runs now (if it is a Drainer) and the node
// stops after drain. With drain 0 it stops now, as abruptly as a crash.
// A node that left stays down through Restart; Join brings it back as a
// new node. Leaving a node that is not a member does nothing.
func (rt *Runtime) Leave(id NodeID, drain time.Duration) {
	p := rt.procs[id]
	if p.out {
		return
	}
	p.out = true
	if drain <= 0 || !p.up {
		rt.leaveNow(p)
		return
	}
	p.leaving = true
	p.leaveSeq++
	rt.w.Trace(sim.Record{Kind: "drain", Node: int32(id), Peer: -1, Detail: drain.String()})
	rt.w.Schedule(rt.w.Now().Add(drain), rt, sim.Event{Kind: evLeave, Node: int32(id), A: p.leaveSeq})
	if d, ok := p.node.(Drainer); ok {
		d.Drain(p.env)
	}
}

// leaveEnd ends the drain of a graceful leave whose token is seq, unless
// a join cut it short.
func (rt *Runtime) leaveEnd(p *proc, seq int64) {
	if p.leaving && seq == p.leaveSeq {
		rt.leaveNow(p)
	}
}

func (rt *Runtime) leaveNow(p *proc) {
	p.leaving = false
	if p.up {
		rt.stop(p, "leave", "")
		return
	}
	rt.w.Trace(sim.Record{Kind: "leave", Node: int32(p.id), Peer: -1})
}

// Replace stops member id and starts a new node in its place: a new
// incarnation with an empty disk, running version (or the same version
// if ""). Replacing a node that is not a member does nothing.
func (rt *Runtime) Replace(id NodeID, version string) error {
	if err := rt.checkVersion(version); err != nil {
		return err
	}
	p := rt.procs[id]
	if p.out {
		return nil
	}
	if p.up {
		rt.stop(p, "replace", "")
	} else {
		rt.w.Trace(sim.Record{Kind: "replace", Node: int32(id), Peer: -1})
	}
	rt.wipe(p, version)
	rt.boot(p)
	return nil
}

// Upgrade switches node id to version: a running node restarts at once
// with the version's constructor (volatile state lost, and the disk cut
// back as at a crash: the process exits without a last sync); a node
// that is down runs it when it next starts.
func (rt *Runtime) Upgrade(id NodeID, version string) error {
	if version == "" {
		return fmt.Errorf("upgrade needs a version")
	}
	if err := rt.checkVersion(version); err != nil {
		return err
	}
	p := rt.procs[id]
	p.version = version
	if !p.up || p.leaving {
		rt.w.Trace(sim.Record{Kind: "upgrade", Node: int32(id), Peer: -1, Detail: version})
		return nil
	}
	rt.stop(p, "upgrade", version)
	rt.boot(p)
	return nil
}

// Incarnation returns the node's incarnation: 0 as first started, one
// more after each replace and each rejoin.
func (e *Env) Incarnation() int { return e.p.incarnation }

// Version returns the version the node runs, or "" for the constructor
// it was added with.
func (e *Env) Version() string { return e.p.version }
