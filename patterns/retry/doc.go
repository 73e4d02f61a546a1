// Package retry decides whether and when to try a failed call again: the
// backoff policies and the retry policy (attempt limit, which failures are
// retryable, server pushback).
//
// # Backoff
//
// Backoff.Delay(n, prev, rng) returns the wait before retry n+1 (n counts
// from 0 for the first retry). With v = min(cap, base·multiplierⁿ):
//
//	none                 0
//	constant             base
//	linear               min(cap, base·(n+1))
//	exponential          v
//	full-jitter          U(0, v)                      (AWS "full jitter")
//	equal-jitter         v/2 + U(0, v/2)              (AWS "equal jitter")
//	decorrelated-jitter  min(cap, U(base, 3·prev))    (AWS "decorrelated jitter"; prev starts at base)
//
// With multiplier 2 the full-jitter delay is U(0, min(cap, base·2ⁿ)). The ±
// jitter factor j multiplies constant, linear and exponential delays by
// U(1-j, 1+j) (as Resilience4j's randomizationFactor and gRPC's jitter do);
// the result is clamped to [0, cap]. The *-jitter kinds ignore it.
//
// Backoff parameters (--set keys with the "backoff." prefix):
//
//	base        100ms   the first delay
//	cap         10s     the largest delay; base <= cap
//	multiplier  2       growth per retry for exponential kinds; >= 1
//	jitter      0       ± factor in [0,1] for constant, linear, exponential
//
// # Retry policy
//
// Parameters (--set keys with the "retry." prefix):
//
//	max_attempts       3        attempts in all, INCLUDING the first call
//	                            (1 means no retries), as in gRPC's maxAttempts
//	                            and Resilience4j's maxAttempts; Polly's
//	                            MaxRetryAttempts counts retries only
//	retry_on           timeout,unavailable,overloaded
//	                            the failure classes that are retried
//	honor_retry_after  true     wait what the server asks (retry-after)
//	max_retry_after    0        give up if the server asks for longer (0 = no limit)
//	backoff            exponential  one of the backoff kinds above
//
// Pushback follows gRPC: a positive RetryAfter replaces the backoff delay, and
// a negative RetryAfter means "do not retry". Failure classes name what went
// wrong, not how: timeout, unavailable, overloaded, internal, invalid and
// rejected (refused locally by a breaker, bulkhead or throttle). Retrying a
// rejected call is off by default, so retry does not hammer an open breaker.
package retry
