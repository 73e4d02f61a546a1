package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/nodes/faults"
)

func TestDDMinFindsTheCause(t *testing.T) {
	items := make([]int, 20)
	for i := range items {
		items[i] = i
	}
	for _, tc := range []struct {
		name  string
		cause []int
	}{
		{"one", []int{13}},
		{"two apart", []int{3, 17}},
		{"two adjacent", []int{9, 10}},
		{"first and last", []int{0, 19}},
		{"three", []int{2, 11, 18}},
		{"none", nil},
	} {
		fails := func(s []int) bool {
			for _, c := range tc.cause {
				if !slices.Contains(s, c) {
					return false
				}
			}
			return true
		}
		got, runs := DDMin(items, fails, 500)
		if !slices.Equal(got, tc.cause) {
			t.Errorf("%s: DDMin = %v in %d runs, want %v", tc.name, got, runs, tc.cause)
		}
		if runs > 100 {
			t.Errorf("%s: %d runs for 20 items", tc.name, runs)
		}
	}
}

// TestDDMinIsOneMinimal: for a random monotone failure (fails when the
// subset contains any one of several random cause sets), the result fails
// and removing any one item makes it pass.
func TestDDMinIsOneMinimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		items := make([]int, n)
		for i := range items {
			items[i] = i
		}
		causes := rapid.SliceOfN(rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, 3, rapid.ID), 1, 3).Draw(t, "causes")
		fails := func(s []int) bool {
			for _, c := range causes {
				if !slices.ContainsFunc(c, func(x int) bool { return !slices.Contains(s, x) }) {
					return true
				}
			}
			return false
		}
		got, _ := DDMin(items, fails, 10_000)
		if !fails(got) {
			t.Fatalf("result %v does not fail", got)
		}
		for i := range got {
			if fails(slices.Delete(slices.Clone(got), i, i+1)) {
				t.Fatalf("result %v is not 1-minimal: without %d it still fails", got, got[i])
			}
		}
	})
}

func TestDDMinBudget(t *testing.T) {
	items := make([]int, 64)
	calls := 0
	got, runs := DDMin(items, func([]int) bool { calls++; return false }, 5)
	if runs != 5 || calls != 5 || len(got) != 64 {
		t.Fatalf("runs %d calls %d, result of %d items; want 5, 5, 64", runs, calls, len(got))
	}
}

// synthetic builds a schedule of 20 faults; the failure needs fault 4
// (a crash of n2 lasting ≥ 300ms) and fault 15 (a partition starting
// after 1s).
func synthetic() (*faults.Schedule, func(*faults.Schedule) bool) {
	s := &faults.Schedule{Nodes: 3}
	for i := range 20 {
		f := faults.Fault{At: time.Duration(i) * 500 * time.Millisecond, Kind: faults.Pause, Nodes: []faults.NodeID{faults.NodeID(i % 3)}, For: 2 * time.Second}
		switch i {
		case 4:
			f.Kind, f.Nodes, f.For = faults.Crash, []faults.NodeID{1}, 5*time.Second
		case 15:
			f.Kind, f.Nodes, f.Groups = faults.Partition, nil, [][]faults.NodeID{{0}, {1, 2}}
		}
		s.Faults = append(s.Faults, f)
	}
	fails := func(s *faults.Schedule) bool {
		crash, part := false, false
		for _, f := range s.Faults {
			crash = crash || (f.Kind == faults.Crash && f.For >= 300*time.Millisecond)
			part = part || (f.Kind == faults.Partition && f.At > time.Second)
		}
		return crash && part
	}
	return s, fails
}

func TestShrinkSchedule(t *testing.T) {
	s, fails := synthetic()
	got, st := ShrinkSchedule(s, fails, ShrinkOptions{})
	// The crash's 5s halves to 312ms (156ms passes) and its start to 0;
	// the partition's 2s halves to 1ms, and its start 7.5s to 1.875s
	// (937ms passes); the partition's second group narrows to n3, since
	// the predicate looks at no node.
	want := "at 0s crash n2 for 312ms\nat 1.875s partition n1 | n3 for 1ms\n"
	if got.String() != want || !fails(got) {
		t.Fatalf("shrunk to\n%s(%v), want\n%s", got, st, want)
	}
	if st.Removed != 18 || st.Narrowed != 1 || st.Exhausted {
		t.Fatalf("stats %v", st)
	}
	if len(s.Faults) != 20 {
		t.Fatal("the input schedule was modified")
	}
	// Deterministic: the same input gives the same output.
	again, st2 := ShrinkSchedule(s, fails, ShrinkOptions{})
	if again.String() != got.String() || st2 != st {
		t.Fatalf("second shrink gave\n%s(%v)", again, st2)
	}
}

func TestSimplerFault(t *testing.T) {
	f := faults.Fault{At: 3 * time.Millisecond, For: 1500 * time.Microsecond}
	var got []string
	for _, g := range simplerFault(f, time.Millisecond) {
		got = append(got, fmt.Sprintf("%v/%v", g.At, g.For))
	}
	if want := "3ms/1ms 1ms/1.5ms"; strings.Join(got, " ") != want {
		t.Fatalf("candidates %v, want %s", got, want)
	}
	if c := simplerFault(faults.Fault{At: 0, For: time.Millisecond}, time.Millisecond); len(c) != 0 {
		t.Fatalf("a minimal fault has candidates %v", c)
	}
}

func TestFirstFailureAndFailsLike(t *testing.T) {
	ok := &Result{Status: StatusOK, Checks: []CheckResult{{Name: "a", OK: true}}}
	fail := &Result{Status: StatusFail, Checks: []CheckResult{{Name: "a", OK: true}, {Name: "b"}, {Name: "c"}}}
	limit := &Result{Status: StatusLimit}
	for _, tc := range []struct {
		res  *Result
		how  string
		like map[string]bool
	}{
		{ok, "", map[string]bool{"": false, "a": false}},
		{fail, "b", map[string]bool{"b": true, "c": true, "a": false, "fail": true}},
		{limit, "limit", map[string]bool{"limit": true, "b": false}},
	} {
		if got := FirstFailure(tc.res); got != tc.how {
			t.Errorf("FirstFailure = %q, want %q", got, tc.how)
		}
		for how, want := range tc.like {
			if got := FailsLike(tc.res, how); got != want {
				t.Errorf("FailsLike(%v, %q) = %v, want %v", tc.res.Status, how, got, want)
			}
		}
	}
}

func TestMilderFault(t *testing.T) {
	unit := time.Millisecond
	tests := []struct {
		name string
		f    faults.Fault
		want []string // the successive milder faults, until none
	}{
		{"loss", faults.Fault{Kind: faults.Loss, Prob: 0.3}, []string{"0.15", "0.07", "0.03", "0.01"}},
		{"dup", faults.Fault{Kind: faults.Dup, Prob: 0.015}, []string{"0.01"}},
		{"slow", faults.Fault{Kind: faults.Slow, Factor: 4}, []string{"2.5", "1.7", "1.3", "1.1"}},
		{"clog below 1", faults.Fault{Kind: faults.Clog, Factor: 0.5}, nil},
		{"offset", faults.Fault{Kind: faults.Offset, Shift: -5 * time.Millisecond}, []string{"-2ms", "-1ms"}},
		{"jump", faults.Fault{Kind: faults.Jump, Shift: 3 * time.Millisecond}, []string{"1ms"}},
		{"drift", faults.Fault{Kind: faults.Drift, PPM: -500}, []string{"-250", "-125", "-62", "-31", "-15", "-7", "-3", "-1"}},
		{"crash", faults.Fault{Kind: faults.Crash}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for f := tc.f; ; {
				c := milderFault(f, unit)
				if len(c) == 0 {
					break
				}
				f = c[0]
				switch f.Kind {
				case faults.Loss, faults.Dup:
					got = append(got, fmt.Sprint(f.Prob))
				case faults.Slow, faults.Clog:
					got = append(got, fmt.Sprint(f.Factor))
				case faults.Offset, faults.Jump:
					got = append(got, f.Shift.String())
				case faults.Drift:
					got = append(got, fmt.Sprint(f.PPM))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("milder faults %v, want %v", got, tc.want)
			}
		})
	}
}

// A failure that needs loss of at least 5% on one link shrinks to the
// mildest loss that still fails.
func TestShrinkScheduleReducesMagnitude(t *testing.T) {
	s, err := faults.Parse("at 1s loss n1->n2 0.3 for 2s\nat 2s crash n3 for 1s\n", 3)
	if err != nil {
		t.Fatal(err)
	}
	fails := func(c *faults.Schedule) bool {
		for _, f := range c.Faults {
			if f.Kind == faults.Loss && f.Prob >= 0.05 {
				return true
			}
		}
		return false
	}
	got, st := ShrinkSchedule(s, fails, ShrinkOptions{})
	if want := "at 0s loss n1->n2 0.07 for 1ms\n"; got.String() != want {
		t.Fatalf("shrunk to\n%s(%v), want\n%s", got, st, want)
	}
	if st.Softened != 2 || !strings.Contains(st.String(), "2 magnitudes reduced") {
		t.Fatalf("stats %v", st)
	}
}

// TestShrinkMergesAndSorts: two overlapping pauses of one node that the
// failure needs together merge into one, and the result prints by time.
func TestShrinkMergesAndSorts(t *testing.T) {
	s := &faults.Schedule{Nodes: 3, Faults: []faults.Fault{
		{At: 900 * time.Millisecond, Kind: faults.Crash, Nodes: []faults.NodeID{2}, For: time.Second},
		{At: 100 * time.Millisecond, Kind: faults.Pause, Nodes: []faults.NodeID{0}, For: 200 * time.Millisecond},
		{At: 250 * time.Millisecond, Kind: faults.Pause, Nodes: []faults.NodeID{0}, For: 200 * time.Millisecond},
	}}
	// Fails while n1 is paused over [150ms, 400ms] and n3 crashes.
	fails := func(s *faults.Schedule) bool {
		covered, crash := false, false
		for _, f := range s.Faults {
			covered = covered || (f.Kind == faults.Pause && f.At <= 150*time.Millisecond && f.At+f.For >= 400*time.Millisecond)
			crash = crash || f.Kind == faults.Crash
		}
		var early, late bool
		for _, f := range s.Faults {
			early = early || (f.Kind == faults.Pause && f.At <= 150*time.Millisecond && f.At+f.For >= 250*time.Millisecond)
			late = late || (f.Kind == faults.Pause && f.At <= 250*time.Millisecond && f.At+f.For >= 400*time.Millisecond)
		}
		return crash && (covered || (early && late))
	}
	got, st := ShrinkSchedule(s, fails, ShrinkOptions{})
	if st.Merged != 1 || got.Count() != 2 || !fails(got) {
		t.Fatalf("shrunk to\n%s(%v), want one pause and the crash", got, st)
	}
	if got.Faults[0].At > got.Faults[1].At {
		t.Fatalf("not sorted by time:\n%s", got)
	}
}

// TestShrinkSearchesFewer: a failure that needs a pause of n3 within 40ms
// of 1s, where the schedule has it on n2 only through two more faults
// that every removal keeps needing (a stand-in for faults that matter by
// the random draws they shift). No single removal fails, so delta
// debugging keeps all three; the search renames nodes and moves starts,
// and finds the one fault that fails alone.
func TestShrinkSearchesFewer(t *testing.T) {
	n := func(ids ...faults.NodeID) []faults.NodeID { return ids }
	s := &faults.Schedule{Nodes: 3, Faults: []faults.Fault{
		{At: 300 * time.Millisecond, Kind: faults.Crash, Nodes: n(0), For: time.Second},
		{At: 1010 * time.Millisecond, Kind: faults.Pause, Nodes: n(1), For: 200 * time.Millisecond},
		{At: 2 * time.Second, Kind: faults.Isolate, Nodes: n(0), For: time.Second},
	}}
	orig := s.String()
	fails := func(c *faults.Schedule) bool {
		if c.String() == orig {
			return true
		}
		for _, f := range c.Faults {
			if f.Kind == faults.Pause && slices.Equal(f.Nodes, n(2)) && (f.At-time.Second).Abs() <= 40*time.Millisecond {
				return len(c.Faults) == 1
			}
		}
		return false
	}
	got, st := ShrinkSchedule(s, fails, ShrinkOptions{})
	if got.Count() != 1 || !fails(got) || st.Searched != 2 {
		t.Fatalf("shrunk to\n%s(%v), want the pause of n3 alone", got, st)
	}
	again, st2 := ShrinkSchedule(s, fails, ShrinkOptions{})
	if again.String() != got.String() || st2 != st {
		t.Fatalf("second shrink gave\n%s(%v)", again, st2)
	}
	if off, st3 := ShrinkSchedule(s, fails, ShrinkOptions{Draws: -1}); off.Count() != 3 || st3.Searched != 0 {
		t.Fatalf("with the search off: %d faults (%v), want 3", off.Count(), st3)
	}
}

// TestReseedFewer: when only another world seed fails with fewer faults
// (here: a seed divisible by 5, with the crash alone), reseedFewer finds
// one, deterministically; with Reseed 0 it does nothing.
func TestReseedFewer(t *testing.T) {
	s := &faults.Schedule{Nodes: 3, Faults: []faults.Fault{
		{At: 300 * time.Millisecond, Kind: faults.Crash, Nodes: []faults.NodeID{0}, For: time.Second},
		{At: 2 * time.Second, Kind: faults.Isolate, Nodes: []faults.NodeID{1}, For: time.Second},
	}}
	fails := func(sd uint64, c *faults.Schedule) bool {
		return sd%5 == 0 && len(c.Faults) == 1 && c.Faults[0].Kind == faults.Crash
	}
	o := ShrinkOptions{Reseed: 20}.withDefaults()
	var st ShrinkStats
	sd, got := reseedFewer(s, 7, o, &st, fails)
	if got == nil || sd%5 != 0 || len(got) != 1 || st.Reseeded != fmt.Sprintf("7→%d", sd) || st.Searched != 1 {
		t.Fatalf("seed %d, %v (%v)", sd, got, st)
	}
	var st2 ShrinkStats
	if sd2, again := reseedFewer(s, 7, o, &st2, fails); sd2 != sd || len(again) != 1 || st2 != st {
		t.Fatalf("second time: seed %d (%v), first %d", sd2, st2, sd)
	}
	if _, none := reseedFewer(s, 7, ShrinkOptions{}.withDefaults(), &st2, fails); none != nil {
		t.Fatal("Reseed 0 changed the seed")
	}
}

// TestMergesOf: the single faults that may stand for a pair: one kind on
// the same targets, even across a gap; two kinds that stop the same
// nodes, either kind over both spans; nothing otherwise.
func TestMergesOf(t *testing.T) {
	parse := func(line string) faults.Fault {
		s, err := faults.Parse(line, 4)
		if err != nil || len(s.Faults) != 1 {
			t.Fatalf("%q: %v", line, err)
		}
		f := s.Faults[0]
		f.Line = 0
		return f
	}
	for _, tc := range []struct{ a, b, want string }{
		{"at 1s ring for 1s", "at 3s ring for 1s", "at 1s ring for 3s"},
		{"at 1s pause n2 for 1s", "at 1.5s pause n2 for 1s", "at 1s pause n2 for 1.5s"},
		{"at 3s crash n1 for 1s", "at 1s isolate n1 for 500ms", "at 1s isolate n1 for 3s; at 1s crash n1 for 3s"},
		{"at 1s crash n1 for 1s", "at 3s isolate n2 for 1s", ""},
		{"at 1s oneway n1->n2 for 1s", "at 1s isolate n1 for 1s", ""},
		{"at 1s crash n1", "at 3s crash n1 for 1s", ""},
	} {
		var got []string
		for _, m := range mergesOf(parse(tc.a), parse(tc.b)) {
			got = append(got, m.String())
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%s + %s: %q, want %q", tc.a, tc.b, strings.Join(got, "; "), tc.want)
		}
	}
}
