package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes/faults"
)

// This file serves the scenarios that draw their own fault schedule from
// the seed (kv, saga, eventual, ledger, lease) and still take a schedule
// from outside through FaultsParam: the parameter, and the one way to put
// the schedule in force.

// SeededFaults is the default of the faults parameter of
// SeededFaultsParam: the scenario's own schedule, drawn from the seed's
// "faults" stream.
const SeededFaults = "seeded"

// SeededFaultsParam declares FaultsParam for a scenario with a seeded
// schedule of its own; seeded says in a few words what that schedule
// does. Its values are SeededFaults, NoFaults, or a schedule in the text
// form of docs/faults.md with ';' between faults. ShrinkRun and
// `faultline run --faults FILE` hand the scenario a schedule that way, so
// an empty schedule means no faults rather than the seeded default.
func SeededFaultsParam(seeded string) Param {
	return Param{Name: FaultsParam, Default: SeededFaults, Kind: String,
		Help: "fault schedule: seeded (" + seeded + "), none, or faults in the text form of docs/faults.md separated by ';' (--faults FILE sets it)",
		Validate: func(v string) error {
			if v == SeededFaults || v == NoFaults {
				return nil
			}
			if _, err := faults.Parse(scheduleText(v), 0); err != nil {
				return fmt.Errorf("%w (accepted: seeded, none, or faults separated by ';')", err)
			}
			return nil
		}}
}

// NemesisDurationParam declares the common parameter nemesis.duration
// with the default def, so that nemesis=true fits the scenario's own
// fault window rather than the common 10s.
func NemesisDurationParam(def string) Param {
	return Param{Name: "nemesis.duration", Default: def, Kind: Duration,
		Help: "length of the fault phase of nemesis=true (the default fits the scenario's workload)",
		Validate: func(v string) error {
			if d, err := time.ParseDuration(v); err != nil || d <= 0 {
				return fmt.Errorf("bad value %q (accepted: a duration > 0 such as 2s)", v)
			}
			return nil
		}}
}

// scheduleText turns a FaultsParam value into the text of a fault file.
func scheduleText(v string) string { return strings.ReplaceAll(v, ";", "\n") }

// ApplySchedule puts the run's fault schedule in force and returns it, or
// nil for none. A schedule the cluster applied (nemesis=true, or
// Options.Faults) wins, and then the faults parameter must be
// SeededFaults; otherwise the parameter says: SeededFaults draws the
// scenario's schedule with draw, NoFaults is no faults, and anything else
// is the schedule itself. The schedule goes into the notes as NewCluster
// writes it, so `faultline shrink` can read it back.
//
// Call it right after NewCluster and before adding nodes, as NewCluster
// applies its own there, so that a replay breaks ties as the original
// did. A schedule that does not parse for the cluster's nodes, or one
// given twice, returns a *BadInputError.
func ApplySchedule(r *Run, cl *Cluster, draw func() *faults.Schedule) (*faults.Schedule, error) {
	v := r.Params.String(FaultsParam)
	if cl.Schedule != nil {
		if v != SeededFaults {
			return nil, &BadInputError{Err: errors.New("parameter faults: the run has a fault schedule already (nemesis=true or --faults); give one")}
		}
		return cl.Schedule, nil
	}
	var s *faults.Schedule
	switch v {
	case NoFaults:
		return nil, nil
	case SeededFaults:
		s = draw()
	default:
		var err error
		if s, err = faults.Parse(scheduleText(v), cl.Net.Size()); err != nil {
			return nil, &BadInputError{Err: fmt.Errorf("parameter faults: %w", err)}
		}
	}
	for _, line := range s.Lines() {
		r.Note("%s%s", ScheduleNote, line)
	}
	if _, err := faults.Apply(s, cl.RT, cl.Net); err != nil {
		return nil, err
	}
	return s, nil
}

// QuietAt returns when s, a schedule ApplySchedule returned, stops
// changing anything: the cluster's QuietAt when s is the cluster's own
// (the nemesis's quiet period starts then), its last start or end of a
// fault otherwise, or 0 for no schedule.
func QuietAt(cl *Cluster, s *faults.Schedule) time.Duration {
	switch {
	case s == nil:
		return 0
	case s == cl.Schedule:
		return cl.QuietAt()
	}
	return s.QuietAfter()
}
