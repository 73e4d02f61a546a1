package sim

import (
	"maps"
	"slices"
)

// AssertKind is the kind of a named assertion.
type AssertKind uint8

// The assertion kinds, as in Antithesis's SDK: an Always condition must
// hold every time it is evaluated; a Sometimes condition must be true at
// least once across a test campaign (a sweep, an exploration), which shows
// the test reaches the interesting case at all; a Reachable point must be
// reached at least once.
const (
	Always AssertKind = iota + 1
	Sometimes
	Reachable
)

var assertNames = [...]string{"", "always", "sometimes", "reachable"}

func (k AssertKind) String() string {
	if int(k) < len(assertNames) && k != 0 {
		return assertNames[k]
	}
	return "assert?"
}

// Assertion is what one run saw of a named assertion.
type Assertion struct {
	Name string     `json:"name"`
	Kind AssertKind `json:"-"`
	// Evaluated counts evaluations; True those with a true condition (for
	// Reachable, every evaluation is true).
	Evaluated uint64 `json:"evaluated"`
	True      uint64 `json:"true"`
	// FirstFalse is when an Always condition first failed, or -1.
	FirstFalse Time `json:"-"`
	// FirstTrue is when the condition was first true, or -1: exploration
	// aims faults at the moments a rare case was reached.
	FirstTrue Time `json:"-"`
	// TrueAt are the times of its 1st, 2nd, 4th, 8th ... true
	// evaluations: moments spread over the run, kept without a draw.
	TrueAt []Time `json:"-"`
}

// OK reports whether the assertion held in this run: an Always that was
// never false. Sometimes and Reachable are judged across runs.
func (a *Assertion) OK() bool { return a.Kind != Always || a.True == a.Evaluated }

// Assertions holds the named assertions and coverage points of one run.
// They observe and never change the run: no random draws, no events, no
// trace records, so adding one leaves every trace hash as it was.
type Assertions struct {
	w      *World
	byName map[string]*Assertion
	cover  map[string]Time // fingerprint → when it was first recorded
}

// Assertions returns the world's assertions, creating them on first use.
func (w *World) Assertions() *Assertions {
	if w.asserts == nil {
		w.asserts = &Assertions{w: w, byName: map[string]*Assertion{}, cover: map[string]Time{}}
	}
	return w.asserts
}

func (a *Assertions) get(name string, k AssertKind) *Assertion {
	as := a.byName[name]
	if as == nil {
		as = &Assertion{Name: name, Kind: k, FirstFalse: -1, FirstTrue: -1}
		a.byName[name] = as
	}
	return as
}

func (a *Assertions) eval(name string, k AssertKind, cond bool) {
	as := a.get(name, k)
	as.Evaluated++
	if cond {
		if as.True == 0 {
			as.FirstTrue = a.w.now
		}
		as.True++
		if as.True&(as.True-1) == 0 && len(as.TrueAt) < maxTrueAt {
			as.TrueAt = append(as.TrueAt, a.w.now)
		}
	} else if k == Always && as.FirstFalse < 0 {
		as.FirstFalse = a.w.now
	}
}

// maxTrueAt bounds Assertion.TrueAt: the 2^15th true evaluation is the
// last one timed.
const maxTrueAt = 16

// Always records that cond must hold here, every time.
func (a *Assertions) Always(name string, cond bool) { a.eval(name, Always, cond) }

// Sometimes records that cond should be true here at least once in a
// campaign: a sweep reports those that never were.
func (a *Assertions) Sometimes(name string, cond bool) { a.eval(name, Sometimes, cond) }

// Reachable records that this point was reached.
func (a *Assertions) Reachable(name string) { a.eval(name, Reachable, true) }

// Cover records a state fingerprint: a short string naming a state the
// system was in (e.g. "leader=n2 term=3 log=5"). Exploration keeps the
// fault schedules that reach fingerprints it has not seen.
func (a *Assertions) Cover(fingerprint string) {
	if _, ok := a.cover[fingerprint]; !ok {
		a.cover[fingerprint] = a.w.now
	}
}

// Report returns every assertion, sorted by name.
func (a *Assertions) Report() []Assertion {
	if a == nil {
		return nil
	}
	out := make([]Assertion, 0, len(a.byName))
	for _, n := range slices.Sorted(maps.Keys(a.byName)) {
		out = append(out, *a.byName[n])
	}
	return out
}

// Covered returns the fingerprints recorded with Cover, sorted.
func (a *Assertions) Covered() []string {
	if a == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(a.cover))
}

// CoveredAt returns when fingerprint was first recorded, or -1.
func (a *Assertions) CoveredAt(fingerprint string) Time {
	if a == nil {
		return -1
	}
	if t, ok := a.cover[fingerprint]; ok {
		return t
	}
	return -1
}

// Reported returns the world's assertions without creating them.
func (w *World) Reported() *Assertions { return w.asserts }
