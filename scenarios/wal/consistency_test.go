package wal

import (
	"testing"

	"github.com/faultline/faultline/scenarios/scentest"

	_ "github.com/faultline/faultline/scenarios/eventual"    // register
	_ "github.com/faultline/faultline/scenarios/idempotency" // register
	_ "github.com/faultline/faultline/scenarios/kv"          // register
	_ "github.com/faultline/faultline/scenarios/lease"       // register
	_ "github.com/faultline/faultline/scenarios/ledger"      // register
	_ "github.com/faultline/faultline/scenarios/saga"        // register
)

// TestConsistencyScenariosUnderStorageNemesis: the consistency scenarios
// keep their state in Env.Disk, where every write counts as synced; their
// correct modes hold under crashes and every storage fault.
func TestConsistencyScenariosUnderStorageNemesis(t *testing.T) {
	n := uint64(100)
	if testing.Short() {
		n = 20
	}
	for _, name := range []string{"kv", "ledger", "lease", "saga", "idempotency", "eventual"} {
		t.Run(name, func(t *testing.T) {
			scentest.CorrectSeeds(t, name, n, map[string]string{"nemesis": "true", "nemesis.kinds": "storage"}, nil)
		})
	}
}
