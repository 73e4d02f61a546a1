// Package saga is the order saga scenario: reserve inventory, charge the
// payment, create the order, each at its own service over a lossy network.
// Any step can be rejected or time out; the orchestrator then runs the
// compensations (cancel the order, refund the charge, release the
// reservation) until each is acknowledged, and the services refuse a
// forward step that arrives after its compensation.
//
// The check is invariants.SagaAtomicity over what the services hold at the
// end (each saga fully committed or fully compensated), plus conservation
// of the customer's wealth: cash plus the price of the orders received.
// mode=buggy drops one compensation: when the order step fails, the charge
// is never refunded.
package saga
