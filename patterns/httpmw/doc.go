// Package httpmw is faultline's resilience patterns as ordinary net/http
// middleware: an http.RoundTripper for the client side (timeouts, retries
// with jitter and Retry-After, retry budget, hedging, circuit breaker,
// bulkhead, client-side throttle, fallback) built on patterns/pipeline, and
// http.Handler middleware for the server side (rate limit, load shedding
// by requests in flight, idempotency keys, health endpoint, chaos).
//
// Every piece takes a Clock. Real is the wall clock, for production;
// httpsim.Clock is the simulated clock of a faultline world. The same
// middleware, with the same configuration keys as `faultline compare
// --vary` (retry.max_attempts, breaker.failure_threshold, ...), is what a
// run measures and what a service ships.
//
// The package imports the standard library and faultline's patterns/
// only, never the simulator. The patterns are not safe for concurrent
// use, so each middleware guards its state with a mutex; in a world the
// mutex is never contended.
//
// On a Scheduler clock (Real, or httpsim's Net.Clock, where "later" is a
// node timer and "concurrently" is another process of the node) the
// Transport drives requests with patterns/pipeline/drive, the driver of
// the simulator's services, so hedging and a bulkhead queue
// (bulkhead.max_queue > 0) work. On the plain httpsim.Clock one attempt
// runs at a time in the caller's process and NewTransport refuses both. Response bodies
// are read into memory, so streaming responses do not stream through the
// Transport.
package httpmw
