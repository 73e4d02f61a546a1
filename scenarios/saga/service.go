package saga

import (
	"github.com/faultline/faultline/nodes"
)

// Messages between the orchestrator and the services.
type (
	// forward asks a service to do its step for a saga.
	forward struct {
		Saga    string
		Attempt int
	}
	// forwardReply says whether the step took effect.
	forwardReply struct {
		Saga    string
		Attempt int
		OK      bool
	}
	// compensate asks a service to undo its step for a saga, or to make
	// sure it never happens.
	compensate struct{ Saga string }
	// compensated acknowledges a compensation.
	compensated struct{ Saga string }
)

// serviceState is a service's durable state.
type serviceState struct {
	name        string
	done        map[string]bool // the forward step took effect
	compensated map[string]bool // the compensation took effect (or fenced the step off)
	rejected    map[string]bool // the forward step was refused
}

// inEffect reports 1 if the step is in effect for saga (done and not
// compensated): a held reservation, a charge, an order.
func (s *serviceState) inEffect(saga string) int {
	if s.done[saga] && !s.compensated[saga] {
		return 1
	}
	return 0
}

// charged returns the money in effect: price per charge not refunded.
func (s *serviceState) charged() int64 {
	var n int64
	for saga := range s.done {
		n += int64(price * s.inEffect(saga))
	}
	return n
}

// service is inventory, payment or orders; they differ only in name. Its
// state lives on disk, so a crash loses nothing it acknowledged.
type service struct {
	cfg *config
	st  *serviceState
}

func (s *service) Start(env *nodes.Env) {
	if st, ok := env.Disk()["state"].(*serviceState); ok {
		s.st = st
		return
	}
	s.st = newServiceState(env.ID())
	env.Disk()["state"] = s.st
	s.cfg.disks[env.ID()] = s.st
}

func newServiceState(id nodes.NodeID) *serviceState {
	return &serviceState{
		name:        steps[id-inventory].name,
		done:        map[string]bool{},
		compensated: map[string]bool{},
		rejected:    map[string]bool{},
	}
}

func (s *service) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	st := s.st
	switch m := msg.(type) {
	case forward:
		switch {
		case st.done[m.Saga]:
			// A retry or a duplicate: the step already happened.
		case st.compensated[m.Saga] || st.rejected[m.Saga]:
			// Too late (compensated first) or refused before: never do it.
		case env.Rand().Float64() < s.cfg.reject:
			st.rejected[m.Saga] = true // out of stock, card declined, ...
		default:
			st.done[m.Saga] = true
		}
		ok := st.done[m.Saga] && !st.compensated[m.Saga]
		env.Send(from, forwardReply{Saga: m.Saga, Attempt: m.Attempt, OK: ok}, 64)
	case compensate:
		st.compensated[m.Saga] = true
		env.Send(from, compensated(m), 64)
	}
}

func (s *service) Timer(*nodes.Env, nodes.TimerID, any) {}
