package htmlreport

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/catalog"
	"github.com/faultline/faultline/sim"
)

// runScenario runs a built-in scenario with a recorder attached.
func runScenario(t testing.TB, name string, seed uint64, set map[string]string, dir string) (*scenarios.Result, *Recorder) {
	t.Helper()
	sc, vals, err := catalog.New().Prepare(name, set)
	if err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{}
	res := scenarios.Execute(sc, vals, seed, scenarios.Options{Sink: rec, ArtifactDir: dir, Limits: sim.DefaultLimits})
	if res.Status == scenarios.StatusBadInput {
		t.Fatalf("%s: %s", name, res.Error)
	}
	return res, rec
}

// runPlain runs a built-in scenario without a sink.
func runPlain(t testing.TB, name string, seed uint64, set map[string]string) *scenarios.Result {
	t.Helper()
	sc, vals, err := catalog.New().Prepare(name, set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(sc, vals, seed, scenarios.Options{Limits: sim.DefaultLimits})
}
