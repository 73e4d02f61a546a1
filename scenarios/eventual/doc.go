// Package eventual is the eventual-consistency scenario: a primary
// replicates asynchronously to replicas, clients read from the replicas,
// and seeded partitions make those reads stale. It measures staleness
// (staleness_max_ms, staleness_p99_ms) and checks that the replicas
// converge after the heal, and that the final value of every key is the
// last write the primary accepted.
//
// In mode=correct the primary orders writes by its own sequence numbers.
// In mode=buggy writes carry the clients' wall-clock timestamps and the
// store keeps the one with the highest (last-writer-wins); the clients'
// clocks are skewed, so an acknowledged later write can lose to an earlier
// one.
package eventual
