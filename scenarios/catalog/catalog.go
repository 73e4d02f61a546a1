// Package catalog is the list of built-in scenarios. It holds no global
// state and registers nothing: All returns the scenarios, and a program
// builds its own scenarios.Catalog from them, with or without its own.
package catalog

import (
	"github.com/faultline/faultline/examples/orders"
	"github.com/faultline/faultline/examples/register"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/eventual"
	"github.com/faultline/faultline/scenarios/idempotency"
	"github.com/faultline/faultline/scenarios/kv"
	"github.com/faultline/faultline/scenarios/lease"
	"github.com/faultline/faultline/scenarios/ledger"
	"github.com/faultline/faultline/scenarios/overload"
	"github.com/faultline/faultline/scenarios/pingpong"
	"github.com/faultline/faultline/scenarios/raftlog"
	"github.com/faultline/faultline/scenarios/saga"
	"github.com/faultline/faultline/scenarios/upgrade"
	"github.com/faultline/faultline/scenarios/wal"
)

// All returns the built-in scenarios: the request-path scenarios, the
// consistency scenarios (each with a correct mode and a planted bug), the
// smallest world, and the user-written example protocol whose docs run it
// from the CLI. Each call returns a new slice of the same scenarios.
func All() []*scenarios.Scenario {
	return []*scenarios.Scenario{
		// Request path: patterns under load and faults.
		overload.Queue, overload.Timeout, overload.Backoff, overload.RetryBudget,
		overload.Cascade, overload.Bulkhead, overload.Fallback, overload.LoadShedding,
		overload.Backpressure, overload.HealthCheck, overload.RetryStorm, overload.Chaos,
		overload.Hedging, overload.RateLimit, overload.Throttle,
		// Consistency: a correct mode and a planted bug each.
		kv.Scenario, eventual.Scenario, idempotency.Scenario, saga.Scenario,
		ledger.Scenario, lease.Scenario, wal.Scenario, raftlog.Scenario,
		// Topology: a rolling upgrade, compatible or not.
		upgrade.Scenario,
		pingpong.Scenario,
		register.Scenario, orders.Scenario,
	}
}

// New returns the built-in scenarios as a catalogue.
func New() *scenarios.Catalog { return scenarios.MustCatalog(All()...) }
