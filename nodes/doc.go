// Package nodes is the node runtime: it runs user nodes on a sim.World
// over a network.Network, giving each an Env with Send, timers, a local
// clock, its own random stream, a log and metrics, and it applies the node
// faults: crash, restart with volatile state lost, pause, slowness and
// clock offset, drift and jumps.
//
// A node is built by a constructor, so that a restart can build it again:
// whatever the node keeps in its struct is volatile, and whatever it keeps
// in Env.Disk survives restarts.
package nodes
