package eventual

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
)

// seededFaults is the default of the faults parameter: the scenario's
// own schedule, drawn from the seed's "faults" stream.
const seededFaults = "seeded"

// faultsParam declares the faults parameter (scenarios.FaultsParam), the
// way this scenario takes a fault schedule: ShrinkRun and `faultline run
// --faults FILE` hand it over that way, so an empty schedule means no
// faults rather than the seeded default.
func faultsParam(seeded string) scenarios.Param {
	return scenarios.Param{Name: scenarios.FaultsParam, Default: seededFaults, Kind: scenarios.String,
		Help: "fault schedule: seeded (" + seeded + "), none, or faults in the text form of docs/faults.md separated by ';' (--faults FILE sets it)",
		Validate: func(v string) error {
			if v == seededFaults || v == scenarios.NoFaults {
				return nil
			}
			if _, err := faults.Parse(scheduleText(v), 0); err != nil {
				return fmt.Errorf("%w (accepted: seeded, none, or faults separated by ';')", err)
			}
			return nil
		}}
}

// nemesisDuration declares nemesis.duration with a default that fits the
// scenario's own fault window.
func nemesisDuration(def string) scenarios.Param {
	return scenarios.Param{Name: "nemesis.duration", Default: def, Kind: scenarios.Duration,
		Help: "length of the fault phase of nemesis=true (the default fits the scenario's workload)",
		Validate: func(v string) error {
			if d, err := time.ParseDuration(v); err != nil || d <= 0 {
				return fmt.Errorf("bad value %q (accepted: a duration > 0 such as 2s)", v)
			}
			return nil
		}}
}

func scheduleText(v string) string { return strings.ReplaceAll(v, ";", "\n") }

// applySchedule puts the run's fault schedule in force and returns it, or
// nil for none. A schedule the cluster applied (nemesis=true, or
// Options.Faults) wins; otherwise the faults parameter says: seeded draws
// the scenario's default schedule with draw, none is no faults, and
// anything else is the schedule itself. The schedule goes into the notes
// as Run.NewCluster writes it, so `faultline shrink` can read it back.
// Call it right after NewCluster, before adding nodes, as NewCluster
// applies its own, so that a replay breaks ties as the original did.
func applySchedule(r *scenarios.Run, cl *scenarios.Cluster, draw func() *faults.Schedule) (*faults.Schedule, error) {
	v := r.Params.String(scenarios.FaultsParam)
	if cl.Schedule != nil {
		if v != seededFaults {
			return nil, &scenarios.BadInputError{Err: errors.New("parameter faults: the run has a fault schedule already (nemesis=true or --faults); give one")}
		}
		return cl.Schedule, nil
	}
	var s *faults.Schedule
	switch v {
	case scenarios.NoFaults:
		return nil, nil
	case seededFaults:
		s = draw()
	default:
		var err error
		if s, err = faults.Parse(scheduleText(v), cl.Net.Size()); err != nil {
			return nil, &scenarios.BadInputError{Err: fmt.Errorf("parameter faults: %w", err)}
		}
	}
	for _, line := range s.Lines() {
		r.Note("%s%s", scenarios.ScheduleNote, line)
	}
	if _, err := faults.Apply(s, cl.RT, cl.Net); err != nil {
		return nil, err
	}
	return s, nil
}

// quietAt returns when s stops changing anything, or 0 for no schedule.
func quietAt(cl *scenarios.Cluster, s *faults.Schedule) time.Duration {
	switch {
	case s == nil:
		return 0
	case s == cl.Schedule:
		return cl.QuietAt()
	}
	return s.QuietAfter()
}
