package idempotency

import (
	"time"

	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/idempotency"
)

// Messages.
type (
	// charge asks for a payment. Payment identifies it for the harness
	// (the order it pays); Key is the idempotency key, "" when the client
	// sends none.
	charge struct {
		Payment string
		Key     string
		Amount  int64
		Attempt int
	}
	// result answers a charge. Conflict means "in progress, retry later".
	result struct {
		Payment  string
		Attempt  int
		Receipt  string
		Conflict bool
	}
)

// bankDone is the timer data of a finished bank call.
type bankDone struct {
	from nodes.NodeID
	req  charge
}

// diskStore is where the idempotency store lives: it must outlive the
// process, or a restart would forget which payments were charged.
const diskStore = "idempotency"

// payments is the payment service.
type payments struct {
	h       *harness
	store   *idempotency.Store[string]
	charges int
}

func (s *payments) Start(env *nodes.Env) {
	if st, ok := env.Disk()[diskStore].(*idempotency.Store[string]); ok {
		s.store = st
		return
	}
	st, err := idempotency.NewStore[string](idempotency.Config{TTL: time.Hour})
	if err != nil {
		panic(err) // a constant, valid config
	}
	s.store = st
	env.Disk()[diskStore] = st
}

func (s *payments) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	req, ok := msg.(charge)
	if !ok {
		return
	}
	if req.Key != "" {
		switch st, receipt := s.store.Begin(time.Duration(env.Now()), req.Key); st {
		case idempotency.Done:
			env.Send(from, result{Payment: req.Payment, Attempt: req.Attempt, Receipt: receipt}, 64)
			return
		case idempotency.InProgress, idempotency.Full:
			env.Send(from, result{Payment: req.Payment, Attempt: req.Attempt, Conflict: true}, 64)
			return
		}
	}
	// The bank call takes a while; the charge happens when it returns.
	env.SetTimer(s.h.cfg.bank.Sample(env.Rand()), bankDone{from: from, req: req})
}

func (s *payments) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	d := data.(bankDone)
	s.charges++
	receipt := env.Name() + "/" + d.req.Payment
	s.h.effects = append(s.h.effects, invariants.Effect{Key: d.req.Payment, Kind: "charge", AtNs: int64(env.TrueNow())})
	if d.req.Key != "" {
		s.store.Complete(time.Duration(env.Now()), d.req.Key, receipt)
	}
	env.Send(d.from, result{Payment: d.req.Payment, Attempt: d.req.Attempt, Receipt: receipt}, 64)
}
