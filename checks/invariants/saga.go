package invariants

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/checks"
)

// SagaAtomicityName is the Result.Name of [SagaAtomicity].
const SagaAtomicityName = "saga_atomicity"

// SagaStep is the recorded outcome of one step of a saga.
type SagaStep struct {
	// Name names the step, e.g. "reserve", "charge", "order".
	Name string
	// Done reports that the step's forward action took effect.
	Done bool
	// Compensated reports that the step's compensation took effect.
	// Compensating a step that never took effect (its outcome was unknown)
	// is allowed.
	Compensated bool
}

// Saga is the record of one saga after it ended: its steps in order, and the
// resources it left behind, read from the services themselves rather than
// from the saga's own log.
type Saga struct {
	// ID identifies the saga. It must be unique and not empty.
	ID string
	// Steps are the saga's steps in order. There must be at least one.
	Steps []SagaStep
	// HeldReservations counts the reservations still held for this saga.
	HeldReservations int
	// Charged reports that a charge for this saga is in effect (taken and
	// not refunded).
	Charged bool
	// Ordered reports that an order for this saga exists.
	Ordered bool
}

// SagaAtomicity checks that every saga ended either fully committed (every
// step done, none compensated) or fully compensated (every done step
// compensated), and that its resources agree: a compensated saga holds no
// reservation and has no order, and no saga is charged without an order.
// A committed saga's reservations belong to its order and are not checked.
// On failure the detail names the saga and what is wrong with it.
func SagaAtomicity(sagas []Saga) checks.Result {
	seen := map[string]bool{}
	for i, s := range sagas {
		switch {
		case s.ID == "":
			return checks.Unknownf(SagaAtomicityName, "saga %d: empty ID", i)
		case seen[s.ID]:
			return checks.Unknownf(SagaAtomicityName, "saga %d: duplicate ID %q", i, s.ID)
		case len(s.Steps) == 0:
			return checks.Unknownf(SagaAtomicityName, "saga %q: no steps recorded", s.ID)
		}
		seen[s.ID] = true
	}
	var culprits []string
	committed, compensated := 0, 0
	for _, s := range slices.SortedFunc(slices.Values(sagas), func(a, b Saga) int { return strings.Compare(a.ID, b.ID) }) {
		problem := sagaProblem(s)
		if problem != "" {
			culprits = append(culprits, fmt.Sprintf("saga %q: %s", s.ID, problem))
			continue
		}
		if sagaCommitted(s) {
			committed++
		} else {
			compensated++
		}
	}
	if len(culprits) > 0 {
		return checks.Failf(SagaAtomicityName, "%d of %d sagas not atomic: %s", len(culprits), len(sagas), andMore(culprits, detailLimit))
	}
	return checks.Passf(SagaAtomicityName, "%d sagas: %d committed, %d compensated", len(sagas), committed, compensated)
}

func sagaCommitted(s Saga) bool {
	for _, st := range s.Steps {
		if !st.Done || st.Compensated {
			return false
		}
	}
	return true
}

// sagaProblem describes what is wrong with one saga, or returns "".
func sagaProblem(s Saga) string {
	var problems []string
	committed := sagaCommitted(s)
	var leftDone, compensated []string
	for _, st := range s.Steps {
		if st.Done && !st.Compensated {
			leftDone = append(leftDone, st.Name)
		}
		if st.Compensated {
			compensated = append(compensated, st.Name)
		}
	}
	if !committed && len(leftDone) > 0 {
		problems = append(problems, fmt.Sprintf("partially applied: done and not compensated [%s], compensated [%s], want all done or all compensated",
			strings.Join(leftDone, " "), strings.Join(compensated, " ")))
	}
	if !committed {
		if s.HeldReservations > 0 {
			problems = append(problems, fmt.Sprintf("leaked reservation: holds %d after compensation, want 0", s.HeldReservations))
		}
		if s.Ordered {
			problems = append(problems, "order exists after compensation")
		}
	}
	if s.Charged && !s.Ordered {
		state := "committed"
		if !committed {
			state = "compensated"
		}
		problems = append(problems, fmt.Sprintf("charged without an order (%s)", state))
	}
	return strings.Join(problems, ", ")
}
