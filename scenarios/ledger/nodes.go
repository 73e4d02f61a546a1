package ledger

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/nodes"
)

// event is one entry of the log: an account debited or credited.
type event struct {
	Transfer string
	Kind     string // "AccountDebited" or "AccountCredited"
	Account  string
	Delta    int64
}

// Messages.
type (
	transfer struct {
		ID       string
		From, To string
		Amount   int64
	}
	transferReply struct {
		ID       string
		Accepted bool
	}
	// deliver carries log events From onwards to the projector.
	deliver struct {
		From   int
		Events []event
	}
	// ackMsg reports how many events the projector has applied.
	ackMsg struct{ Applied int }
	// subscribe asks the ledger to deliver from From on (after a restart).
	subscribe struct{ From int }
)

// maxDeliver bounds a deliver message; it is even, so a transfer's two
// events travel together when the batch starts at a transfer boundary.
const maxDeliver = 64

// ledger is the command side: it validates transfers and appends events to
// its durable log. Everything else it holds is rebuilt on restart.
type ledger struct {
	cfg      *config
	env      *nodes.Env
	balances map[string]int64
	outcome  map[string]bool // transfer id -> accepted
	acked    int             // events the projector has applied, as far as the ledger knows
}

func (l *ledger) disk() []event {
	log, _ := l.env.Disk()["log"].([]event)
	return log
}

func (l *ledger) Start(env *nodes.Env) {
	l.env = env
	l.cfg.ledgerDisk = env.Disk()
	l.balances = replay(l.cfg.accounts, nil)
	l.outcome = map[string]bool{}
	for _, e := range l.disk() {
		l.balances[e.Account] += e.Delta
		l.outcome[e.Transfer] = true
	}
	env.SetTimer(push, nil)
}

func (l *ledger) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	log := l.disk()
	if l.acked < len(log) {
		end := min(len(log), l.acked+maxDeliver)
		env.Send(projectorID, deliver{From: l.acked, Events: slices.Clone(log[l.acked:end])}, 64*(end-l.acked))
	}
	env.SetTimer(push, nil)
}

func (l *ledger) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	switch m := msg.(type) {
	case transfer:
		accepted, seen := l.outcome[m.ID]
		if !seen {
			accepted = m.From != m.To && l.balances[m.From] >= m.Amount
			l.outcome[m.ID] = accepted
			if accepted {
				// The log is the truth: append first, then apply.
				env.Disk()["log"] = append(l.disk(),
					event{Transfer: m.ID, Kind: "AccountDebited", Account: m.From, Delta: -m.Amount},
					event{Transfer: m.ID, Kind: "AccountCredited", Account: m.To, Delta: m.Amount})
				l.balances[m.From] -= m.Amount
				l.balances[m.To] += m.Amount
			}
		}
		env.Send(from, transferReply{ID: m.ID, Accepted: accepted}, 64)
	case ackMsg:
		// Not max: after a projector restart its count starts again at 0,
		// and a stale ack only causes a harmless re-send.
		l.acked = m.Applied
	case subscribe:
		l.acked = m.From
	}
}

// projector is the read side: balances built from delivered events, kept
// in memory and replayed from the log after a restart.
type projector struct {
	cfg      *config
	balances map[string]int64
	applied  int // events applied, which is the log position of the next
}

func (p *projector) Start(env *nodes.Env) {
	p.balances = replay(p.cfg.accounts, nil)
	p.cfg.starts++
	env.Send(ledgerID, subscribe{From: 0}, 32)
}

func (p *projector) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	m, ok := msg.(deliver)
	if !ok {
		return
	}
	for i, e := range m.Events {
		pos := m.From + i
		p.cfg.deliveries++
		if pos < p.applied {
			p.cfg.duplicates++
			if !p.cfg.buggy {
				continue // already applied: the log position is the dedup key
			}
		} else if pos > p.applied {
			break // a gap: wait for the missing events
		}
		p.balances[e.Account] += e.Delta
		p.applied = max(p.applied, pos+1)
	}
	env.Send(ledgerID, ackMsg{Applied: p.applied}, 32)
}

func (p *projector) Timer(*nodes.Env, nodes.TimerID, any) {}

// client sends transfers one at a time, retrying each with its id until
// the ledger answers.
type client struct {
	cfg *config
	*clientDisk
	cur  transfer
	busy bool
}

// clientDisk survives a client crash: transfer ids stay unique, and the
// counts add up over restarts.
type clientDisk struct {
	seq, accepted, rejected int
}

type (
	nextTransfer struct{}
	retryTimer   struct{ id string }
)

func (c *client) Start(env *nodes.Env) {
	d, ok := env.Disk()["client"].(*clientDisk)
	if !ok {
		d = &clientDisk{}
		env.Disk()["client"] = d
		c.cfg.clients[env.ID()] = d
	}
	c.clientDisk = d
	env.SetTimer(time.Duration(env.Rand().Int64N(int64(20*time.Millisecond))), nextTransfer{})
}

func (c *client) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case nextTransfer:
		if env.TrueNow() >= c.cfg.issueEnd {
			return
		}
		rng := env.Rand()
		c.seq++
		from := rng.IntN(c.cfg.accounts)
		to := (from + 1 + rng.IntN(c.cfg.accounts-1)) % c.cfg.accounts
		c.cur = transfer{ID: fmt.Sprintf("%s-t%d", env.Name(), c.seq), From: account(from), To: account(to), Amount: 1 + rng.Int64N(300)}
		c.busy = true
		c.send(env)
	case retryTimer:
		if c.busy && d.id == c.cur.ID {
			c.send(env)
		}
	}
}

func (c *client) send(env *nodes.Env) {
	env.Send(ledgerID, c.cur, 64)
	env.SetTimer(30*time.Millisecond, retryTimer{c.cur.ID})
}

func (c *client) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	m, ok := msg.(transferReply)
	if !ok || !c.busy || m.ID != c.cur.ID {
		return
	}
	c.busy = false
	if m.Accepted {
		c.accepted++
	} else {
		c.rejected++
	}
	env.SetTimer(5*time.Millisecond+time.Duration(env.Rand().Int64N(int64(20*time.Millisecond))), nextTransfer{})
}
