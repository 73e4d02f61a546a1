package upgrade

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the rolling-upgrade scenario.
var Scenario = &scenarios.Scenario{
	Name:    "rolling-upgrade",
	Summary: "a heartbeat failure detector upgraded node by node: a compatible rollout holds, a changed format or timeout breaks the mixed cluster",
	Description: "`nodes` nodes send each other a heartbeat every `heartbeat` and suspect a peer they have not heard " +
		"from for `suspect_after`. From `upgrade_at` the nodes restart one by one, every `upgrade_every`, on " +
		"version v2 (the fault line `at 2s upgrade * to v2 every 2s`, unless --faults or the parameter faults gives the schedule), so v1 " +
		"and v2 run side by side. `rollout` picks v2: compatible (reads the old and the new heartbeat format, " +
		"writes the old one, keeps the timing), format (writes a new heartbeat format that v1 does not read), " +
		"or timeout (heartbeats 10 times less often, and waits 6 times longer to suspect). The check " +
		"no_false_suspicion fails when a node suspects a peer that is up and has run long enough to be heard; " +
		"it assumes a reliable network (a partition makes true suspicions of live nodes). Reports " +
		"false_suspicions, first_false_suspicion_ms, and the mixed window (mixed_from_ms, mixed_to_ms).",
	Params: []scenarios.Param{
		{Name: "rollout", Default: "compatible", Kind: scenarios.String, Choices: []string{"compatible", "format", "timeout"},
			Help: "what v2 changes: compatible (reads both formats, writes the old), format (writes a new one), timeout (slower heartbeats)"},
		{Name: "nodes", Default: "5", Kind: scenarios.Int, Min: 2, Max: 1000, Help: "nodes in the group"},
		{Name: "heartbeat", Default: "100ms", Kind: scenarios.Duration, Help: "v1's heartbeat interval", Validate: scenarios.PositiveDuration},
		{Name: "suspect_after", Default: "500ms", Kind: scenarios.Duration, Help: "v1 suspects a peer not heard from for this long", Validate: scenarios.PositiveDuration},
		{Name: "upgrade_at", Default: "2s", Kind: scenarios.Duration, Help: "when the first node restarts on v2"},
		{Name: "upgrade_every", Default: "2s", Kind: scenarios.Duration, Help: "time between two nodes of the rollout", Validate: scenarios.PositiveDuration},
		{Name: "duration", Default: "15s", Kind: scenarios.Duration, Help: "length of the run", Validate: scenarios.PositiveDuration},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.SeededFaultsParam("the rollout: at upgrade_at, upgrade * to v2 every upgrade_every"),
	},
	Validate: func(v scenarios.Values) error {
		if v.Duration("suspect_after") <= v.Duration("heartbeat") {
			return fmt.Errorf("parameters heartbeat=%v and suspect_after=%v contradict: want suspect_after > heartbeat", v.Duration("heartbeat"), v.Duration("suspect_after"))
		}
		return nil
	},
	Run: run,
}

// hbV1 is the heartbeat of v1; hbV2 is the new format, with the sender's
// incarnation.
type hbV1 struct{ Seq uint64 }
type hbV2 struct {
	Seq         uint64
	Incarnation int
}

// release is what one version does.
type release struct {
	interval, suspectAfter time.Duration
	readsV2, writesV2      bool
}

// releases returns v1 and the v2 of the rollout.
func releases(rollout string, hb, suspect time.Duration) (v1, v2 release) {
	v1 = release{interval: hb, suspectAfter: suspect}
	switch rollout {
	case "compatible": // reads both, writes the old: compatible both ways
		v2 = release{interval: hb, suspectAfter: suspect, readsV2: true}
	case "format": // writes what v1 cannot read
		v2 = release{interval: hb, suspectAfter: suspect, readsV2: true, writesV2: true}
	case "timeout": // tuned for fewer messages: v1 gives up before it hears
		v2 = release{interval: 10 * hb, suspectAfter: 6 * suspect, readsV2: true}
	}
	return v1, v2
}

type tick struct{}

// member is one node of the group.
type member struct {
	id        nodes.NodeID
	rel       release
	g         *group
	n         int
	lastHeard []sim.Time // by peer, on the local clock
	suspected []bool
	seq       uint64
}

func (m *member) Start(env *nodes.Env) {
	m.g.started(env)
	m.lastHeard = make([]sim.Time, m.n)
	m.suspected = make([]bool, m.n)
	for i := range m.lastHeard {
		m.lastHeard[i] = env.Now() // a new process gives every peer a full timeout
	}
	m.beat(env)
	env.SetTimer(m.rel.interval, tick{})
}

// Stop implements nodes.Stopper: the runtime calls it when the process
// stops (crash, leave, upgrade).
func (m *member) Stop() { m.g.stopped(m.id) }

func (m *member) beat(env *nodes.Env) {
	m.seq++
	for to := range nodes.NodeID(m.n) {
		if to == env.ID() {
			continue
		}
		if m.rel.writesV2 {
			env.Send(to, hbV2{Seq: m.seq, Incarnation: env.Incarnation()}, 40)
		} else {
			env.Send(to, hbV1{Seq: m.seq}, 32)
		}
	}
}

func (m *member) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	switch msg.(type) {
	case hbV1:
	case hbV2:
		if !m.rel.readsV2 {
			m.g.unknown.Inc() // a message v1 cannot decode: dropped
			env.World().Trace(sim.Record{Kind: "undecodable", Node: int32(env.ID()), Peer: int32(from)})
			return
		}
	default:
		return
	}
	m.lastHeard[from] = env.Now()
	m.suspected[from] = false
}

func (m *member) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	m.beat(env)
	now := env.Now()
	for p := range m.lastHeard {
		if p == int(env.ID()) || m.suspected[p] || now.Sub(m.lastHeard[p]) <= m.rel.suspectAfter {
			continue
		}
		m.suspected[p] = true
		m.g.suspect(env.ID(), nodes.NodeID(p), m.rel.suspectAfter)
	}
	env.SetTimer(m.rel.interval, tick{})
}

// group watches the run from outside the nodes: when each node started,
// which versions run, and every suspicion.
type group struct {
	w              *sim.World
	rt             *nodes.Runtime
	upSince        []sim.Time // since when the node has run without a gap
	stoppedAt      []sim.Time // when its process last stopped, or -1
	mixedFrom      sim.Time   // first time two versions ran, or -1
	mixedTo        sim.Time   // last time they stopped doing so, or -1
	suspicions     *sim.Counter
	falseSuspicion *sim.Counter
	unknown        *sim.Counter
	first          string // the first false suspicion, for the check
	firstAt        sim.Time
}

func (g *group) stopped(id nodes.NodeID) { g.stoppedAt[id] = g.w.Now() }

// started records a process start: one that follows a stop at the same
// instant (an upgrade's restart) leaves no gap in the node's uptime.
func (g *group) started(env *nodes.Env) {
	if id := env.ID(); g.stoppedAt[id] != g.w.Now() {
		g.upSince[id] = g.w.Now()
	}
	mixed := len(g.versionsUp()) > 1
	switch {
	case mixed && g.mixedFrom < 0:
		g.mixedFrom = g.w.Now()
	case !mixed && g.mixedFrom >= 0 && g.mixedTo < 0:
		g.mixedTo = g.w.Now()
	}
}

// versionsUp returns the names of the nodes up now, by version.
func (g *group) versionsUp() map[string][]string {
	out := map[string][]string{}
	for i := range g.rt.Len() {
		id := nodes.NodeID(i)
		if g.rt.Up(id) {
			v := g.rt.Version(id)
			out[v] = append(out[v], network.Name(id))
		}
	}
	return out
}

// suspect records that by suspects peer. The suspicion is false when peer
// is up and has run without a gap for longer than by's own timeout: a
// compatible peer heartbeats all along (and a new process as it starts),
// so it has been heard in that time.
func (g *group) suspect(by, peer nodes.NodeID, timeout time.Duration) {
	g.suspicions.Inc()
	g.w.Trace(sim.Record{Kind: "suspect", Node: int32(by), Peer: int32(peer)})
	now := g.w.Now()
	if !g.rt.Up(peer) || time.Duration(now-g.upSince[peer]) <= timeout {
		return // down, or too new to have been heard: a fair suspicion
	}
	g.falseSuspicion.Inc()
	if g.first != "" {
		return
	}
	g.firstAt = now
	vs := g.versionsUp()
	var parts []string
	for _, v := range []string{"v1", "v2"} {
		if len(vs[v]) > 0 {
			parts = append(parts, v+" on "+strings.Join(vs[v], ","))
		}
	}
	g.first = fmt.Sprintf("%s (%s) suspected %s (%s) at %v while it was up; versions then: %s",
		network.Name(by), g.rt.Version(by), network.Name(peer), g.rt.Version(peer), time.Duration(now), strings.Join(parts, "; "))
}

func run(r *scenarios.Run) error {
	p := r.Params
	n := p.Int("nodes")
	cl, err := r.NewCluster(n, p.Link())
	if err != nil {
		return err
	}
	rt := cl.RT
	// The scenario's own rollout, unless --faults or the faults parameter
	// gives another (shrink hands its candidates over that way).
	line := fmt.Sprintf("at %v upgrade * to v2 every %v", p.Duration("upgrade_at"), p.Duration("upgrade_every"))
	rollout, err := faults.Parse(line, n)
	if err != nil {
		return &scenarios.BadInputError{Err: fmt.Errorf("parameters upgrade_at and upgrade_every: %w", err)}
	}
	if _, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return rollout }); err != nil {
		return err
	}
	v1, v2 := releases(p.String("rollout"), p.Duration("heartbeat"), p.Duration("suspect_after"))
	m := r.World.Metrics
	g := &group{w: r.World, rt: rt, upSince: make([]sim.Time, n), stoppedAt: make([]sim.Time, n), mixedFrom: -1, mixedTo: -1,
		suspicions: m.Counter("suspicions"), falseSuspicion: m.Counter("false_suspicions"), unknown: m.Counter("unknown_messages")}
	for _, v := range []struct {
		name string
		rel  release
	}{{"v1", v1}, {"v2", v2}} {
		if err := rt.DefineVersion(v.name, func(id nodes.NodeID) nodes.Node { return &member{id: id, rel: v.rel, g: g, n: n} }); err != nil {
			return err
		}
	}
	for i := range n {
		g.stoppedAt[i] = -1
		if _, err := rt.AddVersion("v1"); err != nil {
			return err
		}
	}
	dur := p.Duration("duration")
	if err := r.World.RunUntil(sim.At(dur)); err != nil {
		return err
	}
	end := r.World.Now()
	if g.mixedFrom >= 0 && g.mixedTo < 0 {
		g.mixedTo = end // still mixed when the run ended
	}
	ms := func(t sim.Time) float64 { // -1 for never
		if t < 0 {
			return -1
		}
		return float64(t) / 1e6
	}
	r.Metric("mixed_from_ms", ms(g.mixedFrom))
	r.Metric("mixed_to_ms", ms(g.mixedTo))
	r.Metric("first_false_suspicion_ms", -1)
	if g.first == "" {
		r.Check(checks.Pass("no_false_suspicion"))
		return nil
	}
	r.Metric("first_false_suspicion_ms", ms(g.firstAt))
	r.Check(checks.Failf("no_false_suspicion", "%d false suspicions; first: %s", int(g.falseSuspicion.Value()), g.first))
	return nil
}
