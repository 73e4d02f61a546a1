// Package fallback turns a failure into a degraded result (a cached value, a
// default, an empty list) and records why it was needed.
//
// Reasons are what the outer stages report: failure (the primary failed and
// retries gave up), timeout, deadline (the overall deadline passed),
// breaker-open, bulkhead-full, throttled (the client-side throttle or a rate
// limit refused the call) and budget-exhausted. Config.On chooses which
// reasons get a fallback; the rest stay failures. Like failsafe-go and Polly
// (and unlike Resilience4j's annotation, which falls back on any exception by
// default), the triggers are explicit; the default is every reason.
//
// # Parameters (--set keys with the "fallback." prefix)
//
//	on     every reason   comma-separated reasons that get a fallback
//	value  fallback       the label of the degraded result
package fallback
