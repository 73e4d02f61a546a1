// Package checks holds the result type shared by every checker in faultline.
//
// A check has three outcomes: [OK], [Fail] and [Unknown]. Unknown means the
// checker could not decide (it hit a wall-clock limit, or its input was
// invalid) and is never counted as passing. The checkers themselves live in
// the subpackages: [github.com/faultline/faultline/checks/linearizability]
// for key-value histories (porcupine) and
// [github.com/faultline/faultline/checks/invariants] for pure invariants
// (idempotency, sagas, conservation of money, event sourcing, convergence,
// liveness).
//
// This package and its subpackages import nothing else from the project:
// scenarios convert their recorded data into the checkers' input types.
package checks
