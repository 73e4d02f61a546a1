package catalog

// The consistency scenarios: each has a correct mode and a mode with a
// planted bug that its check must catch.
import (
	_ "github.com/faultline/faultline/scenarios/eventual"    // register
	_ "github.com/faultline/faultline/scenarios/idempotency" // register
	_ "github.com/faultline/faultline/scenarios/kv"          // register
	_ "github.com/faultline/faultline/scenarios/lease"       // register
	_ "github.com/faultline/faultline/scenarios/ledger"      // register
	_ "github.com/faultline/faultline/scenarios/saga"        // register
	_ "github.com/faultline/faultline/scenarios/wal"         // register
)
