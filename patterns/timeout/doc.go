// Package timeout computes per-attempt timeouts and an overall deadline that
// spans every attempt and every wait of one request.
//
// Parameters (Config fields, --set keys with the "timeout." prefix):
//
//	per_attempt  0 (none)  the longest one attempt may take
//	overall      0 (none)  the deadline of the whole request, retries and
//	                       backoff waits included
//
// An attempt's timeout is min(per_attempt, time left before the deadline), so
// an attempt never outlives its request. This follows gRPC, where the deadline
// is per call and retries share it, and Polly's pattern of an outer timeout
// around the retry plus an inner timeout per try. Unlike Resilience4j's
// TimeLimiter, which limits one call only, the overall deadline here counts
// backoff sleeps too.
package timeout
