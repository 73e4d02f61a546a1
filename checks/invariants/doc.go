// Package invariants holds pure checks of the invariants faultline's
// scenarios care about. Each check takes plain data that a scenario recorded
// (slices of structs, maps), looks at nothing else, and returns a
// [checks.Result] whose detail names the culprit (the key, saga, account,
// replica or request) and what was expected versus what was seen.
//
//   - [Idempotency]: no side effect applied twice for one idempotency key.
//   - [SagaAtomicity]: every saga ends fully committed or fully compensated,
//     with no leaked reservation and no charge without an order.
//   - [Conservation]: the total of all balances stays constant.
//   - [EventSourcing]: the state rebuilt from the event log equals the live
//     projection.
//   - [Convergence]: after the faults heal, replicas agree, and each got
//     there within a bound.
//   - [Liveness]: after the faults heal, every request completes within a
//     bound.
//
// Where several culprits exist, the detail names the first in sorted order
// and counts the rest, so the same input always gives the same detail.
// Invalid input (an empty key, a negative bound, a duplicate id) gives
// Unknown, never OK. Times are simulated nanoseconds since the start of the
// run (int64, fields suffixed Ns); bounds are time.Duration.
package invariants
