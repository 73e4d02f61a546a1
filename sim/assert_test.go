package sim

import "testing"

func TestAssertions(t *testing.T) {
	w := New(1, Options{})
	before := w.TraceHash()
	a := w.Assertions()
	a.Always("positive", true)
	a.Always("positive", false)
	a.Sometimes("leader_crashed", false)
	a.Sometimes("leader_crashed", true)
	a.Sometimes("never", false)
	a.Reachable("recovery")
	a.Cover("role=leader")
	a.Cover("role=leader")
	if w.TraceHash() != before {
		t.Fatal("assertions changed the trace hash")
	}
	got := a.Report()
	want := []struct {
		name        string
		kind        AssertKind
		eval, trues uint64
		ok          bool
	}{
		{"leader_crashed", Sometimes, 2, 1, true},
		{"never", Sometimes, 1, 0, true},
		{"positive", Always, 2, 1, false},
		{"recovery", Reachable, 1, 1, true},
	}
	if len(got) != len(want) {
		t.Fatalf("report %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Kind != w.kind || g.Evaluated != w.eval || g.True != w.trues || g.OK() != w.ok {
			t.Errorf("%d: got %+v ok=%v, want %+v", i, g, g.OK(), w)
		}
	}
	if c := a.Covered(); len(c) != 1 || c[0] != "role=leader" {
		t.Fatalf("covered %v", c)
	}
}
