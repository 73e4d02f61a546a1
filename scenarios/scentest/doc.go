// Package scentest holds the test bodies that the consistency scenarios
// (kv, saga, eventual, ledger, lease, idempotency) share: the correct
// mode over many seeds, the planted bug found, determinism, seeds to the
// first failure, and the replay and shrink of fault schedules. Each
// scenario's test file calls them with its name and keeps its own
// assertions.
//
// It is for tests only: it imports testing, so cmd/faultline must not
// import it, and it does not import rapid.
package scentest
