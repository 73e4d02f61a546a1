// Package hedge sends a second copy of a slow request and keeps whichever
// answers first.
//
// Hedger chooses when to hedge: after a fixed delay, or after the given
// quantile of the latencies observed over a sliding window of the last
// window calls (Dean and Barroso, "The Tail at Scale": hedge at the p95).
// Until min_samples latencies are in the window, the fixed delay is used.
//
// Race tracks the attempts of one request: the first successful result wins
// and Race names the attempts to cancel. A failed attempt does not end the
// race while another is outstanding; when all have failed, the request
// failed. This follows gRPC's hedging policy (a non-fatal failure of one
// hedge waits for the others); unlike gRPC, a fatal status is not special
// here, because the retry policy classifies failures.
//
// Hedges count toward the retry budget: the pipeline asks the budget before
// sending each one, as gRPC does.
//
// # Parameters (--set keys with the "hedge." prefix)
//
//	delay        50ms  fixed delay before a hedge, and the delay until min_samples
//	quantile     0     latency quantile in [0,1] to hedge at (0 = fixed delay only)
//	window       100   latencies kept for the quantile
//	min_samples  20    latencies needed before the quantile is used; <= window
//	max_hedges   1     extra attempts per request
package hedge
