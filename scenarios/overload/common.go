package overload

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/params"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/timeout"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// buildPipelineParams exposes every key of a pipeline Config as a String
// parameter. The default "" leaves the scenario's choice; any other value
// is applied with Config.Set over it, and validated the same way. Built
// on first use and shared: the scenarios here declare them through
// MoreParams (pipelineTail), so a start of the CLI does not build them.
func buildPipelineParams() []scenarios.Param {
	var probe pipeline.Config
	var out []scenarios.Param
	for _, p := range probe.Params() {
		name := p.Name
		out = append(out, scenarios.Param{
			Name: name, Default: "", Kind: scenarios.String,
			Help: fmt.Sprintf("%s (pipeline default once on: %s; empty keeps the scenario's setting)", p.Help, p.Default),
			Validate: func(v string) error {
				if v == "" {
					return nil
				}
				var scratch pipeline.Config
				err := scratch.Set(name, v)
				var pe *params.Error
				if errors.As(err, &pe) {
					return errors.New(pe.Reason)
				}
				return err
			},
		})
	}
	return out
}

// pipelineTail is the MoreParams of the scenarios with a pipeline: the
// load shape, then every pipeline key.
var pipelineTail = sync.OnceValue(func() []scenarios.Param {
	return append([]scenarios.Param{loadShapeParam()}, buildPipelineParams()...)
})

// pipelineKeys are the names of a pipeline Config's keys, listed once
// instead of for every run.
var pipelineKeys = sync.OnceValue(func() []string {
	var names []string
	for _, p := range pipelineTail()[1:] { // after the load shape
		names = append(names, p.Name)
	}
	return names
})

// applySets applies the pipeline keys the user set over base (which may be
// nil) and returns the result, validated.
func applySets(r *scenarios.Run, base *pipeline.Config) (*pipeline.Config, error) {
	var c pipeline.Config
	if base != nil {
		c = *base
	}
	for _, name := range pipelineKeys() {
		v := r.Params.String(name)
		if v == "" {
			continue
		}
		if err := c.Set(name, v); err != nil {
			return nil, &scenarios.BadInputError{Err: fmt.Errorf("parameter %s: %w", name, err)}
		}
	}
	if err := c.Validate(); err != nil {
		// Keys each valid alone that contradict each other: bad input.
		return nil, &scenarios.BadInputError{Err: fmt.Errorf("pipeline parameters contradict: %w", err)}
	}
	return &c, nil
}

// perAttempt is the pipeline of a caller that only bounds each attempt.
func perAttempt(d time.Duration) *pipeline.Config {
	return &pipeline.Config{Timeout: &timeout.Config{PerAttempt: d}}
}

// asSet returns d as Config.Set stores it for the keys where 0 would mean
// the default (backoff.base, hedge.delay): an explicit 0 becomes -1.
func asSet(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// cluster builds the network and runtime of n nodes through the shared
// cluster glue, so --faults FILE and nemesis=true work here too.
func cluster(r *scenarios.Run, n int, latency time.Duration) (*nodes.Runtime, error) {
	cl, err := r.NewCluster(n, network.Link{Latency: network.Const(latency)})
	if err != nil {
		return nil, err
	}
	return cl.RT, nil
}

// addServer adds a server node and returns its id and a way to reach the
// running instance (which changes on restart).
func addServer(rt *nodes.Runtime, c services.ServerConfig) (nodes.NodeID, func() *services.Server, error) {
	id, err := rt.Add(func(nodes.NodeID) nodes.Node { return services.NewServer(c) })
	return id, func() *services.Server { return rt.Node(id).(*services.Server) }, err
}

func addClient(rt *nodes.Runtime, c services.ClientConfig) (nodes.NodeID, func() *services.Client, error) {
	id, err := rt.Add(func(nodes.NodeID) nodes.Node { return services.NewClient(c) })
	return id, func() *services.Client { return rt.Node(id).(*services.Client) }, err
}

// at runs f at simulated time t.
func at(w *sim.World, t time.Duration, f func()) {
	w.Schedule(sim.At(t), sim.HandlerFunc(func(*sim.Event) { f() }), sim.Event{Node: -1})
}

// untilIdle as a drain runs the world until no event is left.
const untilIdle = -1

// finish runs the world until end plus a drain period, then flushes the
// series of every node that has them, sets the derived metrics of st
// over the window [0, end), and checks conservation of requests.
func finish(r *scenarios.Run, rt *nodes.Runtime, end, drain time.Duration, st ...*services.Stats) error {
	var err error
	if drain == untilIdle {
		err = r.World.Run()
	} else {
		err = r.World.RunUntil(sim.At(end + drain))
	}
	for i := range rt.Len() {
		switch n := rt.Node(nodes.NodeID(i)).(type) {
		case *services.Server:
			n.Finish(sim.At(end))
		case *services.Client:
			n.Finish(sim.At(end))
		}
	}
	for _, s := range st {
		s.Finish(sim.At(end))
		r.Check(conservation(s))
	}
	return err
}

// conservation: every request began is counted once, as succeeded, failed
// or still in flight; and rejected and timed_out are parts of failed.
func conservation(s *services.Stats) checks.Result {
	const name = "requests_conserved"
	req, ok, fail := s.Requests.Value(), s.Succeeded.Value(), s.Failed.Value()
	if ok+fail > req || s.Rejected.Value()+s.TimedOut.Value() > fail || s.InFlight() < 0 {
		return checks.Failf(name, "requests %v, succeeded %v, failed %v (rejected %v, timed_out %v)", req, ok, fail, s.Rejected.Value(), s.TimedOut.Value())
	}
	return checks.Pass(name)
}

// windowRate returns the mean of a rate series over [from, to).
func windowRate(w *sim.World, name string, from, to time.Duration) float64 {
	s := w.Metrics.Series(name, sim.SeriesRate, services.SeriesStep)
	var sum float64
	n := 0
	for _, p := range s.Points(sim.At(to)) {
		t := time.Duration(p.T * 1e9)
		if t >= from && t < to {
			sum += p.V
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// windowBeforeEnd is a Scenario.Validate hook: the window of what, from
// the parameter atKey for forKey, must end before the run's duration, or
// the run would measure a phase that never happens.
func windowBeforeEnd(what, atKey, forKey string) func(scenarios.Values) error {
	return func(v scenarios.Values) error {
		dur, at, span := v.Duration("duration"), v.Duration(atKey), v.Duration(forKey)
		if at+span >= dur {
			return fmt.Errorf("parameters %s=%v, %s=%v and duration=%v contradict: the %s must end before the run does (want %s + %s < duration)",
				atKey, at, forKey, span, dur, what, atKey, forKey)
		}
		return nil
	}
}
