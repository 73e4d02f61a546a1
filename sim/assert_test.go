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

// TestAssertionTimes: FirstTrue is the first true evaluation's time,
// TrueAt the 1st, 2nd and 4th; a fingerprint's time is its first.
func TestAssertionTimes(t *testing.T) {
	w := New(1, Options{})
	h := HandlerFunc(func(*Event) {
		w.Assertions().Sometimes("s", w.Now() >= 20)
		w.Assertions().Cover("fp")
	})
	for at := Time(10); at <= 70; at += 10 {
		w.Schedule(at, h, Event{})
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	a := w.Reported().Report()[0]
	if a.FirstTrue != 20 || len(a.TrueAt) != 3 || a.TrueAt[0] != 20 || a.TrueAt[1] != 30 || a.TrueAt[2] != 50 {
		t.Fatalf("first true %v, true at %v; want 20 and [20 30 50]", a.FirstTrue, a.TrueAt)
	}
	if got := w.Reported().CoveredAt("fp"); got != 10 {
		t.Fatalf("fingerprint first at %v, want 10", got)
	}
	if got := w.Reported().CoveredAt("other"); got != -1 {
		t.Fatalf("unknown fingerprint at %v, want -1", got)
	}
	var none *Assertions
	if none.CoveredAt("fp") != -1 {
		t.Fatal("nil assertions")
	}
}
