package overload

import (
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/nodes/services/load"
	"github.com/faultline/faultline/patterns/backpressure"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Backpressure shows a producer outpacing its consumer, with and without a
// bounded queue that pushes back.
var Backpressure = &scenarios.Scenario{
	Name:    "backpressure",
	Summary: "producer → consumer: without a bound the queue (memory) grows; with one the producer slows to the consumer's pace",
	Description: "A producer makes items at `rate` per second (Poisson) and sends them to a consumer that " +
		"processes one at a time in `service` on average. With bound=off the consumer's queue grows by the " +
		"difference for the whole run: memory_bytes_max is the price. With bound=on the queue is a " +
		"patterns/backpressure queue of `capacity` items: when it is full the consumer tells the producer to " +
		"pause and resumes it when a slot frees, so the queue never exceeds its capacity and the producer's " +
		"rate (produced_rps) falls to the consumer's (consumed_rps). Checks: every item is accounted for, and " +
		"the bounded queue never holds more than its capacity.",
	Params: []scenarios.Param{
		{Name: "bound", Default: "on", Kind: scenarios.String, Choices: []string{"on", "off"}, Help: "bounded queue with backpressure"},
		{Name: "capacity", Default: "50", Kind: scenarios.Int, Min: 1, Max: 1e6, Help: "queue capacity when bounded"},
		{Name: "rate", Default: "200", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "items produced per second when not paused"},
		{Name: "service", Default: "exp:10ms", Kind: scenarios.String, Help: "consumer time per item: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "item_bytes", Default: "1024", Kind: scenarios.Int, Min: 1, Max: 1e9, Help: "memory per queued item"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "how long the producer runs"},
		loadShapeParam(),
	},
	Run: runBackpressure,
}

type item struct {
	seq  uint64
	made sim.Time
}

type pause struct{}
type resume struct{}

type producer struct {
	to     nodes.NodeID
	rate   float64
	stop   time.Duration
	rng    *rand.Rand
	seq    uint64
	paused bool
	armed  bool
	st     *services.Stats
	// shape scales rate over time by thinning; constant draws as before.
	shape   load.Shape
	offered *sim.Series
}

func (p *producer) Start(env *nodes.Env) {
	p.rng = env.World().Rand("client/producer")
	p.arm(env)
}

func (p *producer) arm(env *nodes.Env) {
	peak := p.shape.MaxRate(p.rate)
	if p.armed || p.paused || peak <= 0 {
		return
	}
	p.armed = true
	env.SetTimer(time.Duration(p.rng.ExpFloat64()/peak*1e9), nil)
}

func (p *producer) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	p.armed = false
	if p.paused || env.World().Now().Duration() >= p.stop {
		return
	}
	if !p.shape.IsConstant() && p.rng.Float64()*p.shape.MaxRate(p.rate) >= p.shape.Rate(env.World().Now().Duration(), p.rate) {
		p.arm(env) // a thinned candidate: no item this time
		return
	}
	if p.offered != nil {
		p.offered.Add(env.World().Now(), 1)
	}
	p.seq++
	p.st.Begin()
	p.st.Attempts.Inc()
	env.Send(p.to, &item{seq: p.seq, made: env.World().Now()}, 1024)
	p.arm(env)
}

func (p *producer) Receive(env *nodes.Env, _ nodes.NodeID, msg any) {
	switch msg.(type) {
	case pause:
		p.paused = true
	case resume:
		p.paused = false
		p.arm(env)
	}
}

type consumer struct {
	from     nodes.NodeID
	q        *backpressure.Queue[*item]
	service  services.Dist
	rng      *rand.Rand
	busy     bool
	st       *services.Stats
	qlen     *sim.Gauge
	level    *services.Level
	maxQueue int
}

func (c *consumer) Start(env *nodes.Env) { c.rng = env.World().Rand("server/consumer") }

func (c *consumer) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	it, ok := msg.(*item)
	if !ok {
		return
	}
	if c.q.Offer(backpressure.Producer(it.seq), it) == backpressure.Blocked {
		env.Send(from, pause{}, 16)
	}
	c.changed(env)
	c.work(env)
}

func (c *consumer) changed(env *nodes.Env) {
	n := c.q.Len()
	c.maxQueue = max(c.maxQueue, n)
	c.qlen.Set(env.World().Now(), float64(n))
	c.level.Set(env.World().Now(), float64(n))
}

func (c *consumer) work(env *nodes.Env) {
	if c.busy {
		return
	}
	it, ok, woken := c.q.Take()
	if !ok {
		return
	}
	if len(woken) > 0 {
		env.Send(c.from, resume{}, 16)
	}
	c.changed(env)
	c.busy = true
	env.SetTimer(c.service.Sample(c.rng), it)
}

func (c *consumer) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	it := data.(*item)
	c.st.End(env.World().Now(), it.made, services.Result{OK: true})
	c.busy = false
	c.work(env)
}

func runBackpressure(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	capacity := p.Int("capacity")
	bounded := p.String("bound") == "on"
	if !bounded {
		capacity = 1 << 40
	}
	q, err := backpressure.New[*item](backpressure.Config{Capacity: capacity})
	if err != nil {
		return err
	}
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	m := r.World.Metrics
	st := services.NewStats(m, "")
	dur := p.Duration("duration")
	cons := &consumer{from: 1, q: q, service: dist, st: st, qlen: m.Gauge("queue_len"), level: services.NewLevel(m, "queue_len")}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return cons }); err != nil {
		return err
	}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node {
		pr := &producer{to: 0, rate: p.Float("rate"), stop: dur, st: st, shape: shapeOf(r)}
		if !pr.shape.IsConstant() {
			pr.offered = r.World.Metrics.Series(OfferedSeries, sim.SeriesRate, services.SeriesStep)
		}
		return pr
	}); err != nil {
		return err
	}
	var consumedBy float64
	at(r.World, dur, func() { consumedBy = st.Succeeded.Value() })
	// Run the producer's time, then let the consumer drain what is left.
	if err := r.World.Run(); err != nil {
		return err
	}
	cons.level.Flush(sim.At(dur))
	st.Finish(sim.At(dur))
	produced, consumed := st.Requests.Value(), st.Succeeded.Value()
	r.Metric("produced_rps", produced/dur.Seconds())
	// Rates over the producer's run, not the drain after it.
	r.Metric("consumed_rps", consumedBy/dur.Seconds())
	r.Metric("goodput_rps", consumedBy/dur.Seconds())
	r.Metric("memory_bytes_max", float64(cons.maxQueue*p.Int("item_bytes")))
	r.Check(conservation(st))
	if left := float64(q.Len() + q.Blocked()); produced != consumed+left || left != 0 {
		r.Check(checks.Failf("items_accounted", "produced %v, consumed %v, left %v after draining", produced, consumed, left))
	} else {
		r.Check(checks.Pass("items_accounted"))
	}
	if bounded {
		if cons.maxQueue > capacity {
			r.Check(checks.Failf("queue_within_capacity", "queue reached %d > capacity %d", cons.maxQueue, capacity))
		} else {
			r.Check(checks.Pass("queue_within_capacity"))
		}
	}
	return nil
}
