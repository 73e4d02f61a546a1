// Package pipeline composes the resilience patterns around one call, in a
// fixed order, as a state machine per request that a driver runs.
//
// # Order
//
//	fallback(retry+budget+retry_breaker+hedge(throttle(breaker(bulkhead(timeout(call))))))
//
// Outermost first: the fallback sees the final failure; retry decides on
// each failed attempt (the budget and the retry breaker are asked before
// every retry and every hedge, and hedges are extra attempts of the same
// request; both count only successes and the failures gRFC A6 counts:
// retryable classes and server pushback); every attempt,
// hedges included, passes the client-side throttle, then the breaker, then
// the bulkhead, and gets a per-attempt timeout of min(per_attempt, time left
// before the overall deadline). This is failsafe-go's and Polly's order for
// fallback, retry, breaker, bulkhead and timeout, with the overall deadline
// spanning all retries as a gRPC deadline does. Every stage is optional: a
// nil stage in Config is off, and the zero Config is a plain call.
//
// Local refusals (throttled, breaker open, bulkhead full or queue wait
// expired) fail the attempt with class "rejected", which the retry policy does
// not retry unless retry_on lists it. They are not recorded by the breaker. A
// request whose attempts were all refused locally ends Rejected, not Failure.
// A hedge that cannot get a bulkhead slot at once, or is refused locally, is
// simply not sent (it never queues).
//
// # Driver contract
//
// A Pipeline holds what the requests of one client share. For each request
// the driver calls NewRequest, then:
//
//   - Start(now) once;
//   - OnResult(now, attempt, outcome) when an attempt answers, or with
//     Outcome{Class: retry.Timeout} when Send.Timeout > 0 has passed without
//     an answer (the driver owns attempt timeouts);
//   - OnTimer(now) at the last WakeAt the request asked for (each WakeAt
//     replaces the previous one; early or extra calls are harmless).
//   - Abandon(now) if the caller gives up (its context ended): the request
//     ends at once, without a retry.
//
// Each returns a Decision: attempts to Send now (each with its timeout),
// attempts to Cancel (stop waiting; later results are ignored), the next
// WakeAt, other requests to Wake now (call their OnTimer(now): a bulkhead
// slot freed up for them), and Done with a Result (success, failure with a
// reason, fallback, or rejected). After Done every call is a no-op.
//
// patterns/pipeline/drive carries out Decisions for a host that owns time
// and I/O; nodes/services and patterns/httpmw both drive requests with it.
//
// All randomness (backoff jitter, the throttle's coin) comes from the
// *rand.Rand given to New, so a seeded driver gets the same decisions every
// run.
//
// # Configuration
//
// Config.Set takes the scenario keys with their prefix, e.g.
// Set("breaker.failure_threshold", "5") or Set("retry.backoff",
// "full-jitter"); setting a key turns its stage on, "STAGE.enabled=false"
// turns it off. Params lists every key. The prefixes are fallback., retry.,
// backoff. (the retry stage's backoff), budget., hedge., throttle., breaker.,
// bulkhead. and timeout.
package pipeline
