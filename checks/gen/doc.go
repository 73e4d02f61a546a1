// Package gen holds rapid generators for property tests: fault schedules
// (nodes/faults), network link parameters (network.Link) and resilience
// pipeline configurations (patterns/pipeline).
//
// The generators are built to shrink well. A schedule is a slice of
// faults, so rapid removes faults; times and durations are small integers
// times a step, so rapid moves them toward 0 and toward one step; kinds,
// nodes and factors shrink toward the first kind, n1 and the mildest
// value. When a property fails, rapid reports the smallest case it
// found; DrawSchedule logs it in the fault-file text form, which
// `faultline run SCENARIO --faults FILE` replays.
//
// This package imports rapid, which registers flags in init: import it
// only from tests, never from the faultline command.
package gen
