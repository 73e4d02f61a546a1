// Package scenarios holds the catalogue of named scenarios and the runner
// that executes them: one run, a sweep over seeds, and a comparison of
// configurations.
//
// A scenario is a description, a list of parameters with defaults, and a
// function that builds a world from its parameters and runs it. A run is a
// pure function of (scenario, parameters, seed): the runner creates the
// world from the seed, and the scenario draws all its randomness from it.
// Scenario implementations live in subpackages and register themselves;
// import scenarios/catalog to get them all.
package scenarios
