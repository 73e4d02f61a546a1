package register

import (
	"maps"
	"slices"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/scenarios"
)

// Scenario is the register as a named scenario. It builds its nodes with
// Run.NewCluster, so it takes the common parameters nemesis=true (a
// fault schedule drawn from the seed) and a schedule from --faults FILE
// (scenarios.Options.Faults), like every built-in scenario.
var Scenario = &scenarios.Scenario{
	Name:    "example-register",
	Summary: "a replicated register without quorums, and the fix (quorum=true)",
	Description: "Three replicas and a client that writes and reads. Without quorums, n1 " +
		"acknowledges a write before copying it, so a lost copy gives a stale read; " +
		"the check no_stale_reads fails. With quorum=true it holds under any faults.",
	Params: []scenarios.Param{
		{Name: "quorum", Default: "false", Kind: scenarios.Bool, Help: "write and read a majority (the fix)"},
		{Name: "ops", Default: "400", Kind: scenarios.Int, Min: 1, Max: 100000, Help: "client operations, alternately write and read (400 span the nemesis's 10s)", Workload: true},
	},
	Run: runScenario,
}

func runScenario(r *scenarios.Run) error {
	c := Config{Quorum: r.Params.Bool("quorum"), Ops: r.Params.Int("ops")}.withDefaults()
	cl, err := r.NewCluster(size, network.Link{Latency: c.Latency})
	if err != nil {
		return err
	}
	sys, err := Install(cl.RT, c)
	if err != nil {
		return err
	}
	defer sys.Close()
	if err := r.World.Run(); err != nil {
		return err
	}
	check, metrics := sys.Check()
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		r.Metric(k, metrics[k])
	}
	r.Check(check)
	return nil
}
