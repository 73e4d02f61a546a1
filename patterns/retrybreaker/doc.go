// Package retrybreaker is a circuit breaker on retries: while the recent
// failure rate is high it stops retrying, not calling. First attempts always
// go out.
//
// This is the variant Marc Brooker compares with a token bucket in "Fixing
// retries with token buckets and circuit breakers" (2022): a client retries
// a failed call up to N times unless the failure rate it saw over its recent
// calls is above a threshold. Unlike an ordinary breaker it never refuses a
// first try, so it cannot turn a partial outage into a full one; unlike a
// token bucket it reacts only to the rate in its window, so a client that
// has seen few calls can stop retrying early (local sampling).
//
// The window is the outcomes of the last window_size attempts (first tries
// and retries). Until it holds minimum_calls outcomes, retries are allowed.
//
// # Parameters (--set keys with the "retry_breaker." prefix)
//
//	failure_rate_threshold  0.1  stop retrying at this failure rate or above, in (0, 1]
//	window_size             100  attempts whose outcomes are kept
//	minimum_calls           10   outcomes needed before the rate may stop retries (<= window_size)
package retrybreaker
