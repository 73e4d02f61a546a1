// Package idempotency is the payment scenario: a client charges a card
// through a payment service whose responses get lost, so the client times
// out and retries. Without idempotency keys (mode=buggy) a retry charges
// the customer again; with them (mode=correct, using the
// patterns/idempotency store) the retry gets the stored result and no
// second charge. The check is invariants.Idempotency over the charges the
// service applied.
package idempotency
