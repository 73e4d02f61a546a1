// Command faultline runs deterministic simulations of distributed systems:
// single runs, seed sweeps and comparisons of resilience configurations,
// over the built-in scenarios. It is the command-line library cli over
// scenarios/catalog; a user's own binary is the same few lines over
// their scenarios.
package main

import (
	"github.com/faultline/faultline/cmd/faultline/cli"
	"github.com/faultline/faultline/scenarios/catalog"
)

func main() {
	cli.Main(cli.App{Scenarios: catalog.All()})
}
