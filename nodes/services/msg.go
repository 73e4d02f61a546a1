package services

import (
	"time"

	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// Health-check operations. A server answers them at once, without a
// worker: shallow says the process is up, deep also asks its dependencies.
const (
	OpHealthShallow = -1
	OpHealthDeep    = -2
)

// Call is a request message: one attempt.
type Call struct {
	ID       uint64   // the caller's attempt id, echoed in the Reply
	Op       int      // the operation, scenario-defined (≥ 0), or a health check
	Deadline sim.Time // true time at which the caller stops waiting; 0 = never
	Value    int64    // scenario data, e.g. the version a conditional write expects
}

// Reply answers a Call.
type Reply struct {
	ID         uint64
	OK         bool
	Class      retry.Class // failure class when !OK
	Degraded   bool        // OK thanks to a fallback further down
	Value      int64       // scenario data, e.g. the version read
	RetryAfter time.Duration
}

// callSize and replySize are the bytes a call and a reply take on the wire.
const callSize, replySize = 256, 512
