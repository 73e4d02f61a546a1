// Package benchpair times two pieces of code side by side in one benchmark:
// they alternate in short rounds (A, B, A, B ...), each round timed by the
// CPU time of the calling thread where the system offers it, so a busy
// neighbour that takes the core away counts against neither side, and the
// ratio of the two is the median of the rounds' ratios.
//
// Work the runtime does on other threads, the background garbage
// collector above all, is not counted: compare code that allocates alike,
// and read B/op beside the ratio.
//
// It is for benchmarks only; nothing in a simulated world uses it.
package benchpair
