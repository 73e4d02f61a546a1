// Command fencing is faultline's command line over this module's own
// scenario: run, sweep, compare, shrink and the rest, as for the built-in
// ones.
package main

import (
	"example.com/fencing"

	"github.com/faultline/faultline/cmd/faultline/cli"
	"github.com/faultline/faultline/scenarios"
)

func main() {
	cli.Main(cli.App{
		Name:      "fencing",
		Summary:   "a leased lock service under faults",
		Scenarios: []*scenarios.Scenario{fencing.Scenario},
	})
}
