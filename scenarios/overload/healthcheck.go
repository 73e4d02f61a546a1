package overload

import (
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// HealthCheck shows a load balancer that keeps routing to a replica that
// lost its database unless its health checks look deep enough.
var HealthCheck = &scenarios.Scenario{
	Name:    "health-check",
	Summary: "a load balancer over N replicas, one loses its database: shallow checks keep routing to it, deep checks route around it",
	Description: "A load balancer spreads requests round-robin over `replicas` replicas and probes each every " +
		"`interval`. At `fail_at` replica 1 loses its database: it still runs, and fails every request fast. " +
		"With check=none or check=shallow (is the process up?) the balancer keeps sending it 1/N of the " +
		"traffic, which all fails. With check=deep the replica's readiness check looks at its database " +
		"(patterns/health, a critical dependency), the probe fails, and the balancer routes around it within " +
		"one interval. Reports success_rate and routed_to_broken (requests sent to the broken replica after " +
		"it broke). The balancer knows its backends by address: with `spares` > 0 the slots after the " +
		"replicas are down until a fault line joins them (`at 5s join n5`); a probe that gets no answer by " +
		"the next one marks its backend down, and one that succeeds brings it in, so the balancer learns of " +
		"a joined node, and of one that crashed or left. A graceful leave (`leave n2 drain 3s`) fails the " +
		"node's checks first, so the balancer stops routing to it before it stops. Reports routed_to_joined " +
		"(requests sent to the spare slots).",
	Params: []scenarios.Param{
		{Name: "check", Default: "deep", Kind: scenarios.String, Choices: []string{"none", "shallow", "deep"}, Help: "health check kind"},
		{Name: "replicas", Default: "4", Kind: scenarios.Int, Min: 2, Max: 1000, Help: "replicas behind the balancer"},
		{Name: "spares", Default: "0", Kind: scenarios.Int, Min: 0, Max: 1000, Help: "backend slots after the replicas, down until a join fault starts them"},
		{Name: "interval", Default: "1s", Kind: scenarios.Duration, Help: "probe interval",
			Validate: scenarios.PositiveDuration},
		{Name: "fail_at", Default: "5500ms", Kind: scenarios.Duration, Help: "when replica 1 loses its database"},
		{Name: "rate", Default: "100", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "requests per second"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
		loadShapeParam(),
	},
	Run: runHealthCheck,
}

const probeBit = 1 << 62

type probeTick struct{}

// balancer is a client node that also probes its replicas.
type balancer struct {
	*services.Client
	replicas []nodes.NodeID
	healthy  []bool
	op       int // the probe's operation, or 0 for no probing
	interval time.Duration
	probeID  uint64
	inFlight map[uint64]int // probe id → replica index; looked up only
	pending  []uint64       // replica index → its unanswered probe, or 0
}

func (b *balancer) Start(env *nodes.Env) {
	b.Client.Start(env)
	if b.op != 0 {
		env.SetTimer(b.interval, probeTick{})
	}
}

func (b *balancer) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	if _, ok := data.(probeTick); !ok {
		b.Client.Timer(env, id, data)
		return
	}
	for i, to := range b.replicas {
		if old := b.pending[i]; old != 0 {
			// No answer in a whole interval: the replica is down or gone.
			delete(b.inFlight, old)
			b.healthy[i] = false
		}
		b.probeID++
		pid := probeBit | b.probeID
		b.inFlight[pid] = i
		b.pending[i] = pid
		env.Send(to, &services.Call{ID: pid, Op: b.op}, 64)
	}
	env.SetTimer(b.interval, probeTick{})
}

func (b *balancer) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if rep, ok := msg.(*services.Reply); ok && rep.ID&probeBit != 0 {
		if i, ok := b.inFlight[rep.ID]; ok {
			delete(b.inFlight, rep.ID)
			b.pending[i] = 0
			b.healthy[i] = rep.OK
		}
		return
	}
	b.Client.Receive(env, from, msg)
}

func runHealthCheck(r *scenarios.Run) error {
	p := r.Params
	n, spares := p.Int("replicas"), p.Int("spares")
	rt, err := cluster(r, n+spares+1, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	var ids []nodes.NodeID
	server := func(nodes.NodeID) nodes.Node {
		return services.NewServer(services.ServerConfig{Prefix: "replicas_", Workers: 10, MaxQueue: services.Unbounded,
			Service: services.Exp(20 * time.Millisecond), Attempts: st.Attempts})
	}
	for i := range n + spares {
		add := rt.Add
		if i >= n {
			add = rt.AddSpare // a backend address that nothing answers yet
		}
		id, err := add(server)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	const broken = 0
	dur, failAt := p.Duration("duration"), p.Duration("fail_at")
	toBroken := r.World.Metrics.Counter("routed_to_broken")
	var toJoined *sim.Counter
	if spares > 0 {
		toJoined = r.World.Metrics.Counter("routed_to_joined")
	}
	backends := len(ids)
	lb := &balancer{replicas: ids, healthy: make([]bool, backends), interval: p.Duration("interval"), inFlight: map[uint64]int{},
		pending: make([]uint64, backends)}
	for i := range n {
		lb.healthy[i] = true // spares come in by a probe that succeeds
	}
	lb.op = map[string]int{"none": 0, "shallow": services.OpHealthShallow, "deep": services.OpHealthDeep}[p.String("check")]
	next := 0
	pick := func() nodes.NodeID {
		for range backends {
			i := next % backends
			next++
			if lb.healthy[i] {
				if i == broken && r.World.Now() >= sim.At(failAt) {
					toBroken.Inc()
				}
				if i >= n {
					toJoined.Inc()
				}
				return ids[i]
			}
		}
		return ids[next%n] // nothing looks healthy: try a replica anyway
	}
	lb.Client = services.NewClient(shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{Pick: pick, Stats: st, Pipeline: perAttempt(time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
	}))
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return lb }); err != nil {
		return err
	}
	at(r.World, failAt, func() { rt.Node(ids[broken]).(*services.Server).SetBroken(true) })
	if err := finish(r, rt, dur, 2*time.Second, st); err != nil {
		return err
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	return nil
}
