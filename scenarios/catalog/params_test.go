package catalog

import (
	"testing"

	"github.com/faultline/faultline/scenarios/scentest"
)

// TestScenariosReadDeclaredParams finds, in the source of every built-in
// scenario, each parameter read by a name that is not declared or as a
// type it is not declared as: bugs that would panic at run time.
func TestScenariosReadDeclaredParams(t *testing.T) {
	n := scentest.ParamReads(t, All()...)
	t.Logf("checked %d parameter reads", n)
	if n < 50 {
		t.Fatalf("checked only %d parameter reads; the scenarios read far more", n)
	}
}
