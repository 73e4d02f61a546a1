package invariants_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks/invariants"
)

func ExampleConservation() {
	snapshots := []invariants.Snapshot{
		{AtNs: 0, Balances: map[string]int64{"alice": 100, "bob": 50}},
		{AtNs: 1000, Balances: map[string]int64{"alice": 70, "bob": 80}},
		// A transfer's debit was applied but its credit was lost.
		{AtNs: 2000, Balances: map[string]int64{"alice": 60, "bob": 80}},
	}
	r := invariants.Conservation(150, snapshots)
	fmt.Println(r.Outcome)
	fmt.Println(r.Detail)
	// Output:
	// fail
	// snapshot 2 at 2000 ns: total 140, want 150 (off by -10); changed since the previous snapshot: "alice" 70 -> 60 (-10)
}

func ExampleEventSourcing() {
	rebuilt := map[string]int{"acct-1": 10, "acct-2": 40}
	live := map[string]int{"acct-1": 10, "acct-2": 50}
	fmt.Println(invariants.EventSourcing(rebuilt, live))
	// Output:
	// event_sourcing: fail: 1 of 2 keys differ; first: key "acct-2": rebuilt from the log 40, live projection 50
}

func ExampleIdempotency() {
	effects := []invariants.Effect{
		{Key: "order-7", Kind: "charge", AtNs: 1200},
		{Key: "order-8", Kind: "charge", AtNs: 1300},
		// The retry of order-7 was not deduplicated.
		{Key: "order-7", Kind: "charge", AtNs: 3400},
	}
	fmt.Println(invariants.Idempotency(effects))
	// Output:
	// idempotency: fail: 1 keys applied more than once: key "order-7" effect "charge" applied 2 times, want at most 1 (at 1200, 3400 ns)
}

func ExampleLiveness() {
	requests := []invariants.Request{
		{ID: "r1", IssuedNs: 500, Completed: true, CompletedNs: 1_800_000},
		{ID: "r2", IssuedNs: 1_500_000},
	}
	// Faults healed at 1 ms; every request must then complete within 2 ms.
	r := invariants.Liveness(requests, 1_000_000, 2*time.Millisecond)
	fmt.Println(r.OK())
	fmt.Println(r.Detail)
	// Output:
	// false
	// 1 of 2 requests not completed within 2ms of the heal at 1000000 ns: request "r2" issued at 1500000 ns never completed (deadline 3500000 ns)
}

func ExampleSagaAtomicity() {
	sagas := []invariants.Saga{{
		ID: "checkout-3",
		Steps: []invariants.SagaStep{
			{Name: "reserve", Done: true, Compensated: true},
			{Name: "charge", Done: true}, // the refund never ran
			{Name: "order"},
		},
		Charged: true,
	}}
	fmt.Println(invariants.SagaAtomicity(sagas).Detail)
	// Output:
	// 1 of 1 sagas not atomic: saga "checkout-3": partially applied: done and not compensated [charge], compensated [reserve], want all done or all compensated, charged without an order (compensated)
}
