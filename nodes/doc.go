// Package nodes is the node runtime: it runs user nodes on a sim.World
// over a network.Network, giving each an Env with Send, timers, a local
// clock, its own random stream, a log and metrics, and it applies the node
// faults: crash, restart with volatile state lost, pause, slowness and
// clock offset, drift and jumps.
//
// A node is built by a constructor, so that a restart can build it again:
// whatever the node keeps in its struct is volatile, and whatever it keeps
// in Env.Disk survives restarts. The constructor receives the node's id,
// which is how nodes of one run get different configurations.
//
// Membership changes mid-run without the network changing size: AddSpare
// reserves a slot that Join starts later, Leave drains a node (Drainer)
// or stops it at once, Replace starts a new incarnation with an empty
// disk, and Upgrade restarts a node on a version named with
// DefineVersion, so old and new versions run side by side.
//
// Pause is stop-the-world: work queues and is handled in order after it.
// Slow is a gray failure: each handler call waits (factor−1)·ProcessingTime
// and the node handles one call at a time. Timers run on the local clock's
// rate and are not moved by jumps. docs/faults.md gives the whole model;
// package nodes/faults schedules these faults from data.
package nodes
