package services

import (
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// A Stage does one job to a call on its way through a Server (admit it,
// queue it, time its work, fail it, call a dependency, reply) and then
// passes it to the next stage, holds it, or ends it with Server.End.
// Stages wrap each other as net/http handlers do:
//
//	NewRateLimit(rl, NewHang(NewPool(pc, NewWork(wc, NewWait(NewRespond(nil))))))
//
// A stage belongs to one server: build a fresh stack for each start.
type Stage interface {
	// Start binds the stage to its server when the node starts: it
	// registers the stage's metrics and takes the server's random stream.
	Start(env *nodes.Env, s *Server)
	// Serve handles j.
	Serve(env *nodes.Env, j *Job)
	// Next returns the stage this one passes calls to, nil for the last.
	// The server walks the stack through Next to start every stage and to
	// find the ones its knobs reach.
	Next() Stage
}

// Job is one call inside a server, from its arrival to its end.
type Job struct {
	From    NodeID
	Call    Call
	Arrived sim.Time
	// Busy is the workers at work when a worker took the call, itself
	// included (0 while queued).
	Busy int
	// Service is the simulated time the work takes, set by Work and
	// stretched by the stages after it, spent by Wait.
	Service time.Duration

	// The job holds no pointers, so the garbage collector never scans
	// the server's chunks of jobs nor pays write barriers on them.
	wait     int  // index among the server's Wait stages of the one holding the job
	dep      int  // index of the next dependency to consider
	degraded bool // a dependency answered thanks to a fallback
	working  bool // a worker holds the job
}
