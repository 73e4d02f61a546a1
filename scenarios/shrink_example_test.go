package scenarios_test

import (
	"fmt"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
)

// A failure whose four faults all stay with its world seed: two of them
// make the split vote that world lacks. With Explore the shrink searches
// other worlds for the same check failing from fewer faults.
func ExampleShrinkRun_explore() {
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "volatile-vote", "shuffle_ties": "true"})
	if err != nil {
		panic(err)
	}
	opts := scenarios.Options{Faults: "at 154ms crash n3 for 283ms\nat 161ms isolate n1 for 313ms\nat 441ms pause n2 for 512ms\nat 449ms crash n3 for 29ms\nat 10s heal"}
	for _, so := range []scenarios.ShrinkOptions{{}, {Explore: 4000, MaxRuns: 10000}} {
		sh, err := scenarios.ShrinkRun(raftlog.Scenario, v, 10000000, opts, so)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d faults, world seed %d\n%s", sh.How, sh.Minimal.Count(), sh.Seed, sh.Minimal)
	}
	// Output:
	// state_machine_safety: 4 faults, world seed 10000000
	// at 154ms crash n3 for 283ms
	// at 161ms isolate n1 for 313ms
	// at 441ms pause n2 for 64ms
	// at 449ms crash n3 for 1ms
	// state_machine_safety: 1 faults, world seed 1548000000
	// at 212ms crash n1 for 1ms
}
