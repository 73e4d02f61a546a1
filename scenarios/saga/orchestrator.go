package saga

import (
	"time"

	"github.com/faultline/faultline/nodes"
)

// attempts is how many times a forward step is sent before its outcome is
// declared unknown.
const attempts = 2

// sagaRun is the orchestrator's record of one saga.
type sagaRun struct {
	id        string
	started   bool
	step      int   // the forward step in progress
	attempt   int   // its attempt
	undo      []int // steps still to compensate, last first
	undoing   bool
	finished  bool
	committed bool
	startNs   int64
	endNs     int64
}

// Timer data.
type (
	startSaga   struct{ i int }
	stepTimeout struct {
		i, step, attempt int
	}
	compRetry struct{ i, step int }
)

// orchestratorNode runs the sagas. Its saga log is durable; its timers
// are not, so a restart resumes every saga where the log left it.
type orchestratorNode struct {
	cfg *config
	*orchState
}

// orchState is the orchestrator's durable state, written as it changes.
type orchState struct {
	runs      []*sagaRun
	bySaga    map[string]int
	compSends int
}

func (o *orchestratorNode) Start(env *nodes.Env) {
	if st, ok := env.Disk()["sagas"].(*orchState); ok {
		o.orchState = st
		o.resume(env)
		return
	}
	o.orchState = newOrchState(o.cfg)
	env.Disk()["sagas"] = o.orchState
	o.cfg.disks[env.ID()] = o.orchState
	for i := range o.cfg.sagas {
		env.SetTimer(time.Duration(i)*spacing, startSaga{i})
	}
}

func newOrchState(cfg *config) *orchState {
	st := &orchState{bySaga: map[string]int{}}
	for i := range cfg.sagas {
		st.runs = append(st.runs, &sagaRun{id: sagaID(i)})
		st.bySaga[sagaID(i)] = i
	}
	return st
}

// resume restarts the work a crash dropped with the timers: a saga not
// yet started starts when it was due; an abort goes on compensating; a
// forward step in flight is sent again (a new attempt: the service does
// a step at most once, and the reply to an older attempt is ignored).
func (o *orchestratorNode) resume(env *nodes.Env) {
	for i, r := range o.runs {
		switch {
		case r.finished:
		case !r.started:
			env.SetTimer(max(time.Duration(i)*spacing-time.Duration(env.Now()), 0), startSaga{i})
		case r.undoing:
			o.sendComp(env, i)
		default:
			o.sendStep(env, i)
		}
	}
}

func (o *orchestratorNode) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case startSaga:
		r := o.runs[d.i]
		r.started, r.startNs = true, int64(env.TrueNow())
		o.sendStep(env, d.i)
	case stepTimeout:
		r := o.runs[d.i]
		if r.undoing || r.finished || r.step != d.step || r.attempt != d.attempt {
			return
		}
		if r.attempt < attempts {
			o.sendStep(env, d.i)
			return
		}
		// The step may or may not have happened: compensate it too.
		o.abort(env, d.i, r.step+1)
	case compRetry:
		r := o.runs[d.i]
		if len(r.undo) > 0 && r.undo[0] == d.step {
			o.sendComp(env, d.i)
		}
	}
}

func (o *orchestratorNode) sendStep(env *nodes.Env, i int) {
	r := o.runs[i]
	r.attempt++
	env.Send(steps[r.step].service, forward{Saga: r.id, Attempt: r.attempt}, 64)
	env.SetTimer(o.cfg.timeout, stepTimeout{i, r.step, r.attempt})
}

// abort compensates the first n steps, last first.
func (o *orchestratorNode) abort(env *nodes.Env, i, n int) {
	r := o.runs[i]
	r.undoing = true
	for s := n - 1; s >= 0; s-- {
		// The planted bug: when the order step fails, the charge is
		// never refunded.
		if o.cfg.buggy && n == len(steps) && steps[s].name == "charge" {
			continue
		}
		r.undo = append(r.undo, s)
	}
	o.sendComp(env, i)
}

// sendComp sends the next compensation and retries it until acknowledged.
func (o *orchestratorNode) sendComp(env *nodes.Env, i int) {
	r := o.runs[i]
	if len(r.undo) == 0 {
		o.finish(env, i, false)
		return
	}
	s := r.undo[0]
	o.compSends++
	env.Send(steps[s].service, compensate{Saga: r.id}, 64)
	env.SetTimer(o.cfg.timeout, compRetry{i, s})
}

func (o *orchestratorNode) finish(env *nodes.Env, i int, committed bool) {
	r := o.runs[i]
	r.finished, r.committed, r.endNs = true, committed, int64(env.TrueNow())
}

func (o *orchestratorNode) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case forwardReply:
		i := o.bySaga[m.Saga]
		r := o.runs[i]
		if r.undoing || r.finished || steps[r.step].service != from || m.Attempt != r.attempt {
			return
		}
		switch {
		case !m.OK:
			o.abort(env, i, r.step) // refused: only the earlier steps happened
		case r.step == len(steps)-1:
			o.finish(env, i, true)
		default:
			r.step++
			r.attempt = 0
			o.sendStep(env, i)
		}
	case compensated:
		i := o.bySaga[m.Saga]
		r := o.runs[i]
		if len(r.undo) > 0 && steps[r.undo[0]].service == from {
			r.undo = r.undo[1:]
			o.sendComp(env, i)
		}
	}
}
