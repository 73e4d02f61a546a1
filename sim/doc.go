// Package sim is the deterministic discrete-event engine: virtual time, an
// event queue ordered by (time, tie-break), seeded random streams split by
// name, a running trace hash with optional sinks, and metrics.
//
// A World is single-threaded. Everything that happens in it is a pure
// function of its seed and of the events scheduled into it, so the same
// inputs give the same trace hash on any machine, with any GOMAXPROCS.
// Parallelism belongs above the world: run many worlds, one per goroutine.
package sim
