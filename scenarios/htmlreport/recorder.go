package htmlreport

import "github.com/faultline/faultline/sim"

// DefaultMaxRecords bounds the records a Recorder keeps.
const DefaultMaxRecords = 2_000_000

// Recorder is a sim.Sink that keeps the trace records a report draws.
// Timer firings are counted, not kept: the report does not draw them.
type Recorder struct {
	// MaxRecords bounds the records kept; 0 means DefaultMaxRecords.
	// Records past it are counted in Dropped, and the report says so.
	MaxRecords int

	recs    []sim.Record
	dropped uint64
	timers  uint64
}

// Record keeps a copy of r.
func (c *Recorder) Record(r *sim.Record) {
	if r.Kind == "timer" {
		c.timers++
		return
	}
	limit := c.MaxRecords
	if limit == 0 {
		limit = DefaultMaxRecords
	}
	if len(c.recs) >= limit {
		c.dropped++
		return
	}
	c.recs = append(c.recs, *r)
}

// Records returns the records kept, in trace order.
func (c *Recorder) Records() []sim.Record { return c.recs }

// Dropped returns how many records did not fit MaxRecords.
func (c *Recorder) Dropped() uint64 { return c.dropped }
