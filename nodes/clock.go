package nodes

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/sim"
)

// Clock maps true time to a node's local clock:
//
//	local = true + Offset + DriftPPM·(true − Anchor)/1e6
//
// Anchor is the true time from which the current drift runs; it is 0
// unless the drift or the offset changed during the run, so that a change
// never makes the reading jump by the drift accumulated so far. Jumps are
// added to Offset when they happen.
type Clock struct {
	Offset   time.Duration
	DriftPPM float64
	Anchor   sim.Time
}

// Read returns the local reading at true time t.
func (c Clock) Read(t sim.Time) sim.Time {
	if c.DriftPPM == 0 {
		return t + sim.Time(c.Offset) // the drift term is exactly 0
	}
	return t + sim.Time(c.Offset) + sim.Time(float64(t-c.Anchor)*c.DriftPPM/1e6)
}

// TrueDuration converts a local duration to true time: a clock running
// fast fires its timers early. A positive duration stays at least 1 ns:
// rounded down to 0, a 1 ns timer on a fast clock would fire at the same
// true time, see the same local reading, and be set again, forever.
func (c Clock) TrueDuration(d time.Duration) time.Duration {
	if c.DriftPPM == 0 {
		return d
	}
	td := time.Duration(float64(d) / (1 + c.DriftPPM/1e6))
	if td <= 0 && d > 0 {
		return 1
	}
	return td
}

// SetClock sets node id's clock offset and drift, measured from the start
// of the run: local = true + offset + drift·true. Call it before the run
// starts; during a run, SetOffset and SetDrift change the clock without a
// jump.
func (rt *Runtime) SetClock(id NodeID, offset time.Duration, driftPPM float64) {
	rt.procs[id].clock = Clock{Offset: offset, DriftPPM: driftPPM}
}

// ClockOf returns node id's clock.
func (rt *Runtime) ClockOf(id NodeID) Clock { return rt.procs[id].clock }

// SetDrift changes node id's drift from now on. The local reading is
// continuous: the drift accumulated so far is kept.
func (rt *Runtime) SetDrift(id NodeID, driftPPM float64) {
	p := rt.procs[id]
	now := rt.w.Now()
	p.clock = Clock{Offset: time.Duration(p.clock.Read(now) - now), DriftPPM: driftPPM, Anchor: now}
	rt.w.Trace(sim.Record{Kind: "clock_drift", Node: int32(id), Peer: -1, Detail: fmt.Sprintf("%+gppm", driftPPM)})
}

// SetOffset sets node id's local clock to true time + offset now; its
// drift goes on from there.
func (rt *Runtime) SetOffset(id NodeID, offset time.Duration) {
	p := rt.procs[id]
	p.clock = Clock{Offset: offset, DriftPPM: p.clock.DriftPPM, Anchor: rt.w.Now()}
	rt.w.Trace(sim.Record{Kind: "clock_offset", Node: int32(id), Peer: -1, Detail: signed(offset)})
}

// JumpClock moves node id's clock by d (negative jumps go back). Pending
// timers are not moved: they run on a monotonic clock.
func (rt *Runtime) JumpClock(id NodeID, d time.Duration) {
	rt.procs[id].clock.Offset += d
	rt.w.Trace(sim.Record{Kind: "clock_jump", Node: int32(id), Peer: -1, Detail: d.String()})
}

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}
