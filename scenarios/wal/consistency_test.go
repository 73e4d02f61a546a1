package wal

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/eventual"
	"github.com/faultline/faultline/scenarios/idempotency"
	"github.com/faultline/faultline/scenarios/kv"
	"github.com/faultline/faultline/scenarios/lease"
	"github.com/faultline/faultline/scenarios/ledger"
	"github.com/faultline/faultline/scenarios/saga"
	"github.com/faultline/faultline/scenarios/scentest"
)

// TestConsistencyScenariosUnderStorageNemesis: the consistency scenarios
// keep their state in Env.Disk, where every write counts as synced; their
// correct modes hold under crashes and every storage fault.
func TestConsistencyScenariosUnderStorageNemesis(t *testing.T) {
	n := uint64(100)
	if testing.Short() {
		n = 20
	}
	for _, s := range []*scenarios.Scenario{kv.Scenario, ledger.Scenario, lease.Scenario, saga.Scenario, idempotency.Scenario, eventual.Scenario} {
		t.Run(s.Name, func(t *testing.T) {
			scentest.CorrectSeeds(t, s, n, map[string]string{"nemesis": "true", "nemesis.kinds": "storage"}, nil)
		})
	}
}
