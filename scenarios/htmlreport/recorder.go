package htmlreport

import "github.com/faultline/faultline/sim"

// DefaultMaxRecorded bounds the arrows a Recorder keeps.
const DefaultMaxRecorded = 2_000_000

// Recorder is a sim.Sink that keeps what a report draws, folded as the
// records come: one small struct per message (payload text included),
// the spans of faults, crashes, pauses and partitions, and the first log
// lines and marks. Timer firings are counted, not kept.
type Recorder struct {
	// MaxRecorded bounds the arrows kept; 0 means DefaultMaxRecorded.
	// Messages past it are counted, and the report says so.
	MaxRecorded int
	// MaxLogs bounds the log lines and marks kept; 0 means DefaultMaxLogs.
	MaxLogs int
	// EagerPayloads is how many messages whose payload could change
	// after the send (it holds pointers, slices, maps or interfaces) get
	// it rendered as they are sent, or copied as it is then when it is a
	// pointer to a value that cannot change (see copyOf); 0 means
	// DefaultMaxMessages. Past them, and for payloads that cannot change
	// (see frozen), a payload is kept as a value and rendered only if the
	// report keeps its arrow, so a payload changed after its send shows
	// its later state.
	EagerPayloads int

	b       builder
	started bool
}

// Record folds r in.
func (c *Recorder) Record(r *sim.Record) {
	if !c.started {
		c.started = true
		c.b.maxMsgs, c.b.maxLogs, c.b.maxNode = c.MaxRecorded, c.MaxLogs, -1
		if c.b.maxMsgs <= 0 {
			c.b.maxMsgs = DefaultMaxRecorded
		}
		if c.b.maxLogs <= 0 {
			c.b.maxLogs = DefaultMaxLogs
		}
		c.b.eager = c.EagerPayloads
		if c.b.eager <= 0 {
			c.b.eager = DefaultMaxMessages
		}
	}
	c.b.add(r)
}
