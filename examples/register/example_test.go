package register_test

import (
	"fmt"

	"github.com/faultline/faultline/examples/register"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/scenarios"
)

// A protocol of your own, run for one seed under a fault schedule written
// by hand: messages from n1 to n2 and n3 are lost for a while, and so are the copies
// of a write, and a later read from n2 or n3 is stale.
func ExampleRun() {
	sched := faults.MustParse("at 100ms oneway n1->n2,n3 for 300ms", 4)
	out := register.Run(1, register.Config{}, sched)
	fmt.Println(out.Check.Outcome, out.Check.Name)
	fmt.Println("stale reads:", out.Metrics["stale_reads"])

	fixed := register.Run(1, register.Config{Quorum: true}, sched)
	fmt.Println("with quorums:", fixed.Check.Outcome, "after", fixed.Metrics["reads"], "reads")
	// Output:
	// fail no_stale_reads
	// stale reads: 3
	// with quorums: ok after 50 reads
}

// The same protocol as a scenario (see scenario.go): Values validates
// the parameters, Execute
// runs one seed and returns the metrics, the checks, the trace hash and
// the command that replays the run. Options.Schedule is a fault schedule,
// parsed once; FaultsFile names its file in the replay command.
func Example_scenario() {
	s := register.Scenario
	v, err := s.Values(map[string]string{"ops": "100"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := scenarios.Execute(s, v, 1, scenarios.Options{
		Schedule:   faults.MustParse("at 100ms oneway n1->n2,n3 for 300ms", 0),
		FaultsFile: "oneway.faults",
	})
	fmt.Println("status:", res.Status)
	for _, c := range res.Checks {
		fmt.Println("check:", c.Outcome, c.Name)
	}
	fmt.Println("stale reads:", res.Metrics["stale_reads"])
	fmt.Println("trace hash:", res.TraceHash)
	fmt.Println("replay:", res.Replay)

	// Bad input is an error that names the parameter.
	_, err = s.Values(map[string]string{"ops": "0"})
	fmt.Println(err)
	// Output:
	// status: fail
	// check: fail no_stale_reads
	// stale reads: 3
	// trace hash: f0d9097022184131
	// replay: faultline run example-register --seed 1 --set ops=100 --faults oneway.faults
	// scenario example-register: parameter ops: bad value "0" (accepted: an integer in [1, 100000])
}
