// Package ledger is the event-sourcing scenario: a ledger service appends
// AccountDebited and AccountCredited events to a durable log, and a
// projector builds the account balances from them. Both crash and restart;
// a restarted projector replays the log from the start, and a restarted
// ledger re-sends events the projector may already have, so deliveries are
// duplicated (the network duplicates too).
//
// The checks: the live projection equals the state rebuilt from the log
// (invariants.EventSourcing), and the projection's total balance is
// conserved at every transfer boundary (invariants.Conservation). In
// mode=correct the projector applies each event exactly once, by its
// position in the log; in mode=buggy it has no such dedup and applies a
// re-delivered event again.
package ledger
