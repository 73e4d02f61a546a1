package invariants

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func committedSaga(id string) Saga {
	return Saga{
		ID: id,
		Steps: []SagaStep{
			{Name: "reserve", Done: true},
			{Name: "charge", Done: true},
			{Name: "order", Done: true},
		},
		HeldReservations: 1,
		Charged:          true,
		Ordered:          true,
	}
}

func compensatedSaga(id string) Saga {
	return Saga{
		ID: id,
		Steps: []SagaStep{
			{Name: "reserve", Done: true, Compensated: true},
			{Name: "charge", Done: true, Compensated: true},
			{Name: "order", Done: false, Compensated: true},
		},
	}
}

func TestSagaAtomicity(t *testing.T) {
	with := func(s Saga, f func(*Saga)) Saga {
		s.Steps = append([]SagaStep(nil), s.Steps...)
		f(&s)
		return s
	}
	runTable(t, SagaAtomicityName, []tc{
		{
			name: "committed and compensated sagas",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{committedSaga("s1"), compensatedSaga("s2"), {ID: "s3", Steps: []SagaStep{{Name: "reserve"}}}})
			},
			want:         checks.OK,
			wantInDetail: []string{"3 sagas: 1 committed, 2 compensated"},
		},
		{
			name: "step done and never compensated",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{committedSaga("s1"), with(compensatedSaga("s2"), func(s *Saga) { s.Steps[1].Compensated = false; s.Charged = true })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s2": partially applied: done and not compensated [charge]`, "charged without an order (compensated)"},
		},
		{
			name: "leaked reservation after compensation",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{with(compensatedSaga("s9"), func(s *Saga) { s.HeldReservations = 2 })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s9": leaked reservation: holds 2 after compensation, want 0`},
		},
		{
			name: "refund lost: charge without an order",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{with(compensatedSaga("s4"), func(s *Saga) { s.Charged = true })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s4": charged without an order (compensated)`},
		},
		{
			name: "committed saga whose order is missing",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{with(committedSaga("s5"), func(s *Saga) { s.Ordered = false })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s5": charged without an order (committed)`},
		},
		{
			name: "order left after compensation",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{with(compensatedSaga("s6"), func(s *Saga) { s.Ordered = true })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s6": order exists after compensation`},
		},
		{
			name: "committed step later compensated alone",
			run: func() checks.Result {
				return SagaAtomicity([]Saga{with(committedSaga("s7"), func(s *Saga) { s.Steps[0].Compensated = true; s.HeldReservations = 0 })})
			},
			want:         checks.Fail,
			wantInDetail: []string{`saga "s7": partially applied: done and not compensated [charge order], compensated [reserve]`},
		},
		{
			name: "culprits in ID order",
			run: func() checks.Result {
				bad := func(id string) Saga { return with(compensatedSaga(id), func(s *Saga) { s.HeldReservations = 1 }) }
				return SagaAtomicity([]Saga{bad("b"), committedSaga("c"), bad("a")})
			},
			want:         checks.Fail,
			wantInDetail: []string{`2 of 3 sagas not atomic: saga "a"`, `; saga "b"`},
		},
		{
			name:         "duplicate ID is invalid",
			run:          func() checks.Result { return SagaAtomicity([]Saga{committedSaga("s1"), compensatedSaga("s1")}) },
			want:         checks.Unknown,
			wantInDetail: []string{`duplicate ID "s1"`},
		},
		{
			name:         "saga without steps is invalid",
			run:          func() checks.Result { return SagaAtomicity([]Saga{{ID: "s1"}}) },
			want:         checks.Unknown,
			wantInDetail: []string{`saga "s1": no steps`},
		},
	})
}

// genSaga draws a saga that ended correctly: committed, or compensated after
// a failure at a random step.
func genSaga(t *rapid.T, id string) Saga {
	names := []string{"reserve", "charge", "ship", "order"}
	n := rapid.IntRange(1, len(names)).Draw(t, "steps")
	s := Saga{ID: id}
	if rapid.Bool().Draw(t, "commit") {
		for _, name := range names[:n] {
			s.Steps = append(s.Steps, SagaStep{Name: name, Done: true})
		}
		s.HeldReservations = rapid.IntRange(0, 2).Draw(t, "held")
		s.Ordered = true
		s.Charged = rapid.Bool().Draw(t, "charged")
		return s
	}
	failed := rapid.IntRange(0, n-1).Draw(t, "failedAt")
	for i, name := range names[:n] {
		s.Steps = append(s.Steps, SagaStep{Name: name, Done: i < failed, Compensated: i < failed || (i == failed && rapid.Bool().Draw(t, "compensateUnknown"))})
	}
	return s
}

func TestPropertySagaAtomicity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 10).Draw(t, "n")
		sagas := make([]Saga, n)
		for i := range sagas {
			sagas[i] = genSaga(t, fmt.Sprintf("s%02d", i))
		}
		if r := SagaAtomicity(sagas); !r.OK() {
			t.Fatalf("correct sagas rejected: %v", r)
		}
		// Plant one bug: a compensation that never ran, or a leak.
		i := rapid.IntRange(0, n-1).Draw(t, "victim")
		s := &sagas[i]
		s.Steps = append([]SagaStep(nil), s.Steps...)
		if s.Steps[0].Compensated && s.Steps[0].Done {
			s.Steps[0].Compensated = false
		} else if s.Ordered {
			s.Ordered = false
			s.Charged = true
		} else {
			s.HeldReservations = 1
		}
		r := SagaAtomicity(sagas)
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, fmt.Sprintf("saga %q", s.ID)) {
			t.Fatalf("planted bug in %q not named: %v", s.ID, r)
		}
	})
}
