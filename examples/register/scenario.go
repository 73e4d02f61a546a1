package register

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
)

func init() { scenarios.Register(Scenario) }

// Scenario is the register as a named scenario. With nemesis on and no
// faults set, each seed draws its own fault schedule; the schedule a run
// used is in its notes, one fault per note (see scenarios.ScheduleNote).
var Scenario = &scenarios.Scenario{
	Name:    "example-register",
	Summary: "a replicated register without quorums, and the fix (quorum=true)",
	Description: "Three replicas and a client that writes and reads. Without quorums, n1 " +
		"acknowledges a write before copying it, so a lost copy gives a stale read; " +
		"the check no_stale_reads fails. With quorum=true it holds under any faults.",
	Params: []scenarios.Param{
		{Name: "quorum", Default: "false", Kind: scenarios.Bool, Help: "write and read a majority (the fix)"},
		{Name: "ops", Default: "100", Kind: scenarios.Int, Min: 1, Max: 100000, Help: "client operations, alternately write and read"},
		{Name: "nemesis", Default: "true", Kind: scenarios.Bool, Help: "draw a random fault schedule from the seed"},
		{Name: "faults", Default: "", Kind: scenarios.String, Help: "a fault schedule to run instead of the nemesis's; ';' separates lines",
			Validate: func(v string) error { _, err := ParseSchedule(v); return err }},
	},
	Run: runScenario,
}

// nemesisOptions keep the faults inside the client's working time.
var nemesisOptions = faults.NemesisOptions{Nodes: size, Duration: 2 * time.Second, Quiet: time.Second}

func runScenario(r *scenarios.Run) error {
	var sched *faults.Schedule
	switch {
	case r.Params.String("faults") != "":
		sched, _ = ParseSchedule(r.Params.String("faults"))
	case r.Params.Bool("nemesis"):
		plan, err := faults.Generate(r.World.Rand("faults"), nemesisOptions)
		if err != nil {
			return fmt.Errorf("nemesis: %w", err)
		}
		sched = plan.Schedule
	}
	if sched != nil {
		for _, line := range sched.Lines() {
			r.Note("%s%s", scenarios.ScheduleNote, line)
		}
	}
	out := RunIn(r.World, Config{Quorum: r.Params.Bool("quorum"), Ops: r.Params.Int("ops")}, sched)
	for k, v := range out.Metrics {
		r.Metric(k, v)
	}
	if out.Err != nil {
		return out.Err
	}
	r.Check(out.Check)
	return nil
}
