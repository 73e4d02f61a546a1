// Package overload holds the request-path scenarios: queueing calibration,
// timeouts, backoff, retry budgets, cascades, bulkheads, fallbacks, load
// shedding, backpressure, health checks, a metastable retry storm, chaos
// injection, hedging, server-side rate limiting and client-side adaptive
// throttling. Each builds servers and clients from nodes/services,
// reports the common request metrics (requests, succeeded, failed,
// rejected, timed_out, attempts, amplification, goodput_rps, latency_*_ms)
// plus its own, and checks the invariants it has.
//
// Keys of the pipeline under study are exposed as parameters of every
// scenario that has one (e.g. --set breaker.failure_threshold=3); an empty
// value leaves the scenario's own choice in place.
package overload
