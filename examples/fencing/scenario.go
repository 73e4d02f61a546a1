package fencing

import (
	"maps"
	"slices"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/scenarios"
)

// Scenario is the lock service as a faultline scenario. It builds its
// nodes with Run.NewCluster, so fault files, the nemesis and shrinking
// apply to it like to any built-in scenario.
var Scenario = &scenarios.Scenario{
	Name:    "fencing",
	Summary: "a leased lock and a storage node: a holder paused past its lease writes late; fencing tokens refuse it",
	Description: "n1 grants a lock for a lease; n2 stores the holders' writes; n3.. are clients that " +
		"acquire, work, write and release. A client paused past its lease, or whose write is delayed, " +
		"writes after the next holder. With fenced=true the storage refuses the older token; with " +
		"fenced=false the check fenced_writes fails.",
	Nodes: "n1 = lock server, n2 = storage, n3.. = clients",
	Params: []scenarios.Param{
		{Name: "fenced", Default: "true", Kind: scenarios.Bool, Help: "the storage refuses tokens older than the newest it saw (false: the planted bug)"},
		{Name: "clients", Default: "3", Kind: scenarios.Int, Min: 1, Max: 100, Help: "lock clients"},
		{Name: "lease", Default: "100ms", Kind: scenarios.Duration, Help: "how long a grant lasts", Validate: scenarios.PositiveDuration},
		{Name: "work", Default: "40ms", Kind: scenarios.Duration, Help: "how long a holder works before it writes", Validate: scenarios.PositiveDuration},
		{Name: "duration", Default: "15s", Kind: scenarios.Duration, Help: "how long the clients run when there are no faults; with faults, until 5s after the last", Validate: scenarios.PositiveDuration},
	},
	Run: run,
}

func run(r *scenarios.Run) error {
	cfg := Config{
		Clients: r.Params.Int("clients"),
		Fenced:  r.Params.Bool("fenced"),
		Lease:   r.Params.Duration("lease"),
		Work:    r.Params.Duration("work"),
		Timeout: 50 * time.Millisecond,
	}
	link := network.Link{Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond}}
	cl, err := r.NewCluster(2+cfg.Clients, link)
	if err != nil {
		return err
	}
	sys, err := Install(cl.RT, cfg)
	if err != nil {
		return err
	}
	// The clients never stop: run through the faults, then a quiet spell.
	settle := max(5*time.Second, r.Params.Duration("duration")-cl.QuietAt())
	if err := cl.RunUntilQuiet(settle); err != nil {
		return err
	}
	m := sys.Metrics()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		r.Metric(k, m[k])
	}
	r.Metrics(cl.Net.CostMetrics())
	r.Check(sys.Check())
	return nil
}
