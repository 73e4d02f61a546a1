package overload

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Backoff compares backoff policies for clients contending on one
// versioned value with optimistic concurrency.
var Backoff = &scenarios.Scenario{
	Name:    "backoff",
	Summary: "many clients contend for one value with optimistic concurrency: immediate retry against exponential, full, equal and decorrelated jitter",
	Description: "`clients` clients each want to update one shared value once: read its version, then write it " +
		"conditionally on that version. If another write got in between, the write fails with a conflict and " +
		"the client waits its backoff and starts over. With backoff=none every loser retries at once, so the " +
		"same crowd collides again and again; exponential backoff without jitter keeps the crowd together, " +
		"only slower; full, equal and decorrelated jitter spread it out (AWS Architecture Blog, \"Exponential " +
		"Backoff And Jitter\"). Reports attempts (read-write rounds in all), conflicts and completion_ms, " +
		"the time until every client is done. Checks that every client's update was applied exactly once.",
	Params: []scenarios.Param{
		{Name: "clients", Default: "50", Kind: scenarios.Int, Min: 1, Max: 100000, Help: "contending clients"},
		{Name: "backoff", Default: "full-jitter", Kind: scenarios.String, Choices: retry.Kinds, Help: "backoff policy"},
		{Name: "backoff.base", Default: "5ms", Kind: scenarios.Duration, Help: "first backoff delay"},
		{Name: "backoff.cap", Default: "1s", Kind: scenarios.Duration, Help: "largest backoff delay",
			Validate: func(v string) error {
				if d, err := time.ParseDuration(v); err != nil || d <= 0 {
					return fmt.Errorf("bad value %q (accepted: a duration > 0)", v)
				}
				return nil
			}},
		{Name: "max_time", Default: "10m", Kind: scenarios.Duration, Help: "give up after this much simulated time"},
	},
	Run: runBackoff,
}

const (
	opRead  = 0
	opWrite = 1
)

// contenders is one node hosting every client: each reads, writes
// conditionally, and backs off on a conflict.
type contenders struct {
	n       int
	to      nodes.NodeID
	backoff retry.Backoff
	st      *services.Stats
	caller  *services.Caller
	rngs    []*rand.Rand
	tries   []int
	prev    []time.Duration
	start   []sim.Time
	done    int
	lastAt  sim.Time
	conf    *sim.Counter
}

type retryAt struct{ c int }

func (cs *contenders) Start(env *nodes.Env) {
	cs.caller = services.NewCaller(env, services.CallerConfig{To: cs.to, Stream: "client/caller"})
	cs.tries = make([]int, cs.n)
	cs.prev = make([]time.Duration, cs.n)
	for i := range cs.n {
		cs.rngs = append(cs.rngs, env.World().Rand("client/"+strconv.Itoa(i)))
		cs.start = append(cs.start, env.World().Now())
		cs.st.Begin()
		cs.round(env, i)
	}
}

func (cs *contenders) round(env *nodes.Env, i int) {
	cs.st.Attempts.Inc()
	cs.caller.Do(env, opRead, 0, func(r services.Result) {
		cs.caller.DoValue(env, opWrite, r.Value, 0, func(w services.Result) {
			now := env.World().Now()
			if w.OK {
				cs.st.End(now, cs.start[i], w)
				cs.done++
				cs.lastAt = now
				return
			}
			cs.conf.Inc()
			d := cs.backoff.Delay(cs.tries[i], cs.prev[i], cs.rngs[i])
			cs.tries[i]++
			cs.prev[i] = d
			if d == 0 {
				cs.round(env, i)
				return
			}
			env.SetTimer(d, retryAt{c: i})
		})
	})
}

func (cs *contenders) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	if r, ok := msg.(*services.Reply); ok {
		cs.caller.Reply(env, r)
	}
}

func (cs *contenders) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	if t, ok := data.(retryAt); ok {
		cs.round(env, t.c)
		return
	}
	services.RouteTimer(env, data)
}

func runBackoff(r *scenarios.Run) error {
	p := r.Params
	bo, err := retry.NewBackoff(retry.BackoffConfig{Kind: retry.Kind(p.String("backoff")), Base: p.Duration("backoff.base"), Cap: p.Duration("backoff.cap"), Multiplier: 2})
	if err != nil {
		return &scenarios.BadInputError{Err: fmt.Errorf("parameters backoff, backoff.base and backoff.cap: %w", err)}
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	var version, applied int64
	srv, _, err := addServer(rt, services.ServerConfig{Prefix: "server_", Workers: 4, MaxQueue: services.Unbounded,
		Service: services.Exp(time.Millisecond),
		Apply: func(c *services.Call, rep *services.Reply) {
			switch c.Op {
			case opRead:
				rep.Value = version
			case opWrite:
				if c.Value != version {
					rep.OK, rep.Class = false, "conflict"
					return
				}
				version++
				applied++
				rep.Value = version
			}
		}})
	if err != nil {
		return err
	}
	cs := &contenders{n: p.Int("clients"), to: srv, backoff: bo, st: st, conf: m.Counter("conflicts")}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return cs }); err != nil {
		return err
	}
	if err := r.World.RunUntil(sim.At(p.Duration("max_time"))); err != nil {
		return err
	}
	end := cs.lastAt
	st.Finish(end)
	r.Metric("completion_ms", float64(end)/1e6)
	r.Metric("clients_done", float64(cs.done))
	r.Check(conservation(st))
	switch {
	case cs.done != cs.n:
		r.Check(checks.Failf("every_client_done", "%d of %d clients done within %v", cs.done, cs.n, p.Duration("max_time")))
	case applied != int64(cs.n) || version != int64(cs.n):
		r.Check(checks.Failf("every_client_done", "%d clients done but %d writes applied (version %d)", cs.done, applied, version))
	default:
		r.Check(checks.Pass("every_client_done"))
	}
	return nil
}
