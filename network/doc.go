// Package network models the links between simulated nodes: per-link
// latency distributions, loss, duplication, reordering, bandwidth with a
// bounded queue, corruption, partitions expressed as grudges, clogging,
// hold and release, and scoped fault rules. It counts messages and bytes
// per link, by outcome, which is the run's transport cost.
//
// The network schedules deliveries on a sim.World and hands each delivered
// message to a Receiver (the node runtime). All draws come from the world's
// "net" stream.
package network
