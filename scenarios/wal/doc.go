// Package wal is the wal scenario: a log-structured key-value store on a
// node's disk (nodes/storage), under crashes that lose unsynced writes
// and under storage faults, with two planted bugs: acknowledging before
// sync, and recovering without checksums.
package wal
