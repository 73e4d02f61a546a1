// Package kv is the replicated key-value store scenario: a fixed primary
// replicates a log synchronously to a majority of three servers, under
// seeded partitions, crashes and message loss, while clients record a
// history that is checked for linearizability with porcupine.
//
// In mode=correct every operation goes to the primary, which answers reads
// from committed state. In mode=buggy reads are served by whichever server
// the client picks, and a backup answers from its own, possibly stale, copy.
// The linearizability check tells the two apart.
package kv
