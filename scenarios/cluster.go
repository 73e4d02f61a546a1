package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/sim"
)

// BadInputError is an input error found once the run started, e.g. a
// fault file naming a node the cluster does not have. The run ends with
// StatusBadInput, and the CLI exits 2.
type BadInputError struct{ Err error }

func (e *BadInputError) Error() string { return e.Err.Error() }
func (e *BadInputError) Unwrap() error { return e.Err }

// Cluster is a network and a node runtime with the run's fault schedule
// applied.
type Cluster struct {
	Net *network.Network
	RT  *nodes.Runtime
	// Schedule is the fault schedule in force: the run's --faults file, or
	// the nemesis's, or nil.
	Schedule *faults.Schedule
	// Plan is what the nemesis drew, when nemesis=true.
	Plan *faults.Plan
}

// QuietAt returns the time from which the fault schedule changes
// nothing more, so liveness can be checked: the start of the nemesis's
// quiet period, or the last start or end of a fault of a --faults file,
// or 0 without faults.
func (c *Cluster) QuietAt() time.Duration {
	switch {
	case c.Plan != nil:
		return c.Plan.QuietAt
	case c.Schedule != nil:
		return c.Schedule.QuietAfter()
	}
	return 0
}

// RunUntilQuiet runs the world until settle past QuietAt: through the
// fault schedule, then settle of quiet time for the system to recover and
// its liveness to be checked. It is for protocols that never go idle
// (heartbeats, leases, clients that loop), for which World.Run would not
// return. Without a fault schedule it runs for settle.
func (c *Cluster) RunUntilQuiet(settle time.Duration) error {
	w := c.RT.World()
	return w.RunUntil(sim.Time(c.QuietAt() + settle))
}

// NewCluster builds a network of n nodes whose links use links, changed by
// the common parameters net (every link) and links (one link each), and the
// node runtime on it, then applies the run's fault schedule:
// Options.Schedule or the text of Options.Faults (checked for n now that n
// is known), or, with the parameter nemesis=true, a schedule drawn from the
// seed's "faults" stream. The
// schedule, and the nemesis's knobs, go into the run's notes, one line
// each, in the text form of a fault file. Add the nodes to c.RT next.
//
// A fault file that does not parse for n nodes, or a links value that names
// a node beyond n, returns a *BadInputError;
// return it from the scenario's Run and the run ends with StatusBadInput.
// A run has at most one cluster.
func (r *Run) NewCluster(n int, links network.Link) (*Cluster, error) {
	if r.cluster {
		return nil, errors.New("scenarios: NewCluster called twice in one run")
	}
	r.cluster = true
	net, err := network.New(r.World, n, links)
	if err != nil {
		return nil, err
	}
	if err := applyLinkParams(net, r.scenario, r.Params, n); err != nil {
		return nil, &BadInputError{Err: err}
	}
	c := &Cluster{Net: net, RT: nodes.NewRuntime(r.World, net)}
	r.built = c
	r.rt = c.RT
	c.RT.SetBuggify(r.Buggify)
	nemesis := commonNemesis(r.scenario, r.Params)
	switch {
	case r.opts.Faults != "" && r.opts.Schedule != nil:
		return nil, &BadInputError{Err: errors.New("Options: Faults and Schedule both give a fault schedule; set one")}
	case (r.opts.Faults != "" || r.opts.Schedule != nil) && nemesis:
		return nil, &BadInputError{Err: errors.New("--faults and nemesis=true both give a fault schedule; use one")}
	case r.opts.Faults != "" || r.opts.Schedule != nil:
		s, name, err := r.fileSchedule(n)
		if err != nil {
			return nil, err
		}
		c.Schedule = s
		r.Note("faults: %d from %s", len(s.Faults), name)
	case nemesis:
		kinds, _ := faults.ParseKinds(r.Params.String("nemesis.kinds"))
		exclude, _ := faults.ParseKinds(r.Params.String("nemesis.exclude"))
		p, err := faults.Generate(r.World.Rand("faults"), faults.NemesisOptions{
			Nodes:    n,
			Duration: r.Params.Duration("nemesis.duration"),
			Quiet:    r.Params.Duration("nemesis.quiet"),
			Core:     r.Params.Bool("nemesis.core"),
			Kinds:    kinds,
			Exclude:  exclude,
		})
		if err != nil {
			return nil, &BadInputError{Err: fmt.Errorf("parameter nemesis: %w", err)}
		}
		c.Plan, c.Schedule = p, p.Schedule
		for _, k := range p.Describe() {
			r.Note("%s", k)
		}
	}
	if c.Schedule != nil {
		for _, line := range c.Schedule.Lines() {
			r.Note("fault: %s", line)
		}
		if _, err := faults.Apply(c.Schedule, c.RT, net); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// noteScheduleReach notes, for a run that ended at end, when its fault
// schedule did nothing or was cut short: a nemesis window longer than
// the run would otherwise look like a test of faults that never happened.
func (r *Run) noteScheduleReach(end sim.Time) {
	c := r.built
	if c == nil || c.Schedule == nil || len(c.Schedule.Faults) == 0 {
		return
	}
	first, started := c.Schedule.Faults[0].At, 0
	for _, f := range c.Schedule.Faults {
		first = min(first, f.At)
		if sim.At(f.At) <= end {
			started++
		}
	}
	n := len(c.Schedule.Faults)
	switch {
	case started == 0:
		r.Note("faults: none took effect: the run ended at %v, before the first fault at %v (lengthen the run, or shorten nemesis.duration)", time.Duration(end), first)
	case started < n:
		r.Note("faults: %d of %d took effect: the run ended at %v, before the rest", started, n, time.Duration(end))
	}
	if last := c.Net.LastSend(); started > 0 && last < sim.At(first) {
		r.Note("faults: they met no traffic: the last message was sent at %v, before the first fault at %v (lengthen the workload, or shorten nemesis.duration)", time.Duration(max(last, 0)), first)
	}
	if q := c.QuietAt(); c.Plan != nil && sim.At(q) > end {
		r.Note("faults: the quiet period at %v began after the run ended at %v, so recovery after the faults was not checked", q, time.Duration(end))
	}
}

// commonNemesis reports whether the common parameter nemesis is on. A
// scenario that declares its own nemesis parameter runs its own nemesis.
func commonNemesis(s *Scenario, v Values) bool {
	return s != nil && !s.declares("nemesis") && has(v, "nemesis") && v.Bool("nemesis")
}

// shuffleTies reads the common parameter shuffle_ties: true, false, or
// auto, which shuffles only runs of the common nemesis (they look for
// rare interleavings). A scenario may declare shuffle_ties itself as a
// bool.
func shuffleTies(s *Scenario, v Values) bool {
	if !has(v, "shuffle_ties") {
		return false
	}
	switch v.String("shuffle_ties") {
	case "true":
		return true
	case "auto":
		return commonNemesis(s, v)
	}
	return false
}

func has(v Values, name string) bool {
	_, ok := v.m[name]
	return ok
}

// PositiveDuration is a Param.Validate for a Duration parameter that must
// not be zero (a run length, a period).
func PositiveDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > MaxDuration {
		return fmt.Errorf("bad value %q (accepted: a duration in (0s, 24h] such as 5s)", s)
	}
	return nil
}

func (r *Run) noteBuggify() {
	if !r.Buggify.On() {
		return
	}
	sites := r.Buggify.Sites()
	if len(sites) == 0 {
		r.Note("buggify: on, no site enabled")
		return
	}
	r.Note("buggify sites enabled: %s", strings.Join(sites, ", "))
}

// fileSchedule returns the schedule of Options.Schedule or Options.Faults
// for n nodes, and the name of the file it came from.
func (r *Run) fileSchedule(n int) (*faults.Schedule, string, error) {
	name := r.opts.FaultsFile
	if name == "" {
		name = "faults"
	}
	var s *faults.Schedule
	var err error
	if r.opts.Schedule != nil {
		s, err = r.opts.Schedule.For(n)
		if e, ok := err.(*faults.Error); ok {
			e.File = name
		}
	} else {
		s, err = faults.ParseFile(name, r.opts.Faults, n)
	}
	if err != nil {
		return nil, "", &BadInputError{Err: fmt.Errorf("--faults %w", err)}
	}
	return s, name, nil
}
