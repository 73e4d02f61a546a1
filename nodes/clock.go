package nodes

import (
	"time"

	"github.com/faultline/faultline/sim"
)

// Clock maps true time to a node's local clock: local = true + Offset +
// drift·true. Jumps are added to Offset when they happen.
type Clock struct {
	Offset   time.Duration
	DriftPPM float64
}

// Read returns the local reading at true time t.
func (c Clock) Read(t sim.Time) sim.Time {
	return t + sim.Time(c.Offset) + sim.Time(float64(t)*c.DriftPPM/1e6)
}

// TrueDuration converts a local duration to true time: a clock running
// fast fires its timers early.
func (c Clock) TrueDuration(d time.Duration) time.Duration {
	if c.DriftPPM == 0 {
		return d
	}
	return time.Duration(float64(d) / (1 + c.DriftPPM/1e6))
}

// SetClock sets node id's clock offset and drift.
func (rt *Runtime) SetClock(id NodeID, offset time.Duration, driftPPM float64) {
	rt.procs[id].clock = Clock{Offset: offset, DriftPPM: driftPPM}
}

// JumpClock moves node id's clock by d (negative jumps go back).
func (rt *Runtime) JumpClock(id NodeID, d time.Duration) {
	rt.procs[id].clock.Offset += d
	rt.w.Trace(sim.Record{Kind: "clock_jump", Node: id, Peer: -1, Detail: d.String()})
}
