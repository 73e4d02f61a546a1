// Package raftlog is the raftlog scenario: a small Raft-like replicated
// log (leader election with terms and votes, log replication, commit on a
// quorum of acknowledgements, check-quorum step-down) on three replicas
// and a client, with planted bugs chosen by the parameter bug. Each bug
// needs faults that coincide with a short phase of the protocol, so it
// fails on few random nemesis seeds: a benchmark for guided exploration.
package raftlog
