package catalog

import "testing"

// TestMoreParamsBuiltOnce: a scenario's MoreParams is called on every
// parameter lookup of a run (Scenario.declares), so each built-in one
// must hand back the list it built the first time, not build another.
func TestMoreParamsBuiltOnce(t *testing.T) {
	lazy := 0
	for _, s := range All() {
		if s.MoreParams == nil {
			continue
		}
		lazy++
		a, b := s.MoreParams(), s.MoreParams()
		if len(a) == 0 {
			t.Errorf("%s: MoreParams returns no parameters", s.Name)
			continue
		}
		if len(a) != len(b) || &a[0] != &b[0] {
			t.Errorf("%s: MoreParams built a new list on its second call; wrap the builder in sync.OnceValue", s.Name)
		}
	}
	if lazy == 0 {
		t.Fatal("no built-in scenario declares MoreParams; the overload scenarios' pipeline keys should")
	}
	t.Logf("%d scenarios declare MoreParams", lazy)
}
