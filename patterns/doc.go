// Package patterns holds the resilience patterns as pure state machines:
// each takes the virtual time (now, a time.Duration since the start of the
// run; sim.Time converts directly) and, where it randomizes, a *rand.Rand
// from its caller. No clock, no I/O, no goroutines, and no import from the
// rest of the project, so the same code runs in the simulator and could run
// in a real service.
//
//	package       what it does
//	timeout       per-attempt timeout and an overall deadline across retries
//	retry         backoff policies (none, constant, linear, exponential, full/equal/decorrelated jitter) and the retry policy
//	budget        retry budgets: gRPC token bucket, Finagle ratio, per-request attempt cap
//	retrybreaker  circuit breaker on retries (Brooker): stops retrying, not calling, while failures are frequent
//	breaker       circuit breaker: consecutive failures, failure rate, slow-call rate, half-open probes
//	bulkhead      concurrency limit with a bounded, timed wait queue
//	ratelimit     token bucket, smooth or bursty
//	shed          load shedder: bounded queue, CoDel-like delay shedding, adaptive LIFO
//	backpressure  bounded queue that suspends producers when full
//	fallback      degraded result, with the reason recorded
//	hedge         hedged requests after a fixed delay or a latency quantile
//	throttle      client-side adaptive throttling (Google SRE book)
//	idempotency   server-side idempotency-key store with a TTL
//	health        shallow and deep health checks: healthy, degraded, unhealthy
//	pipeline      fallback(retry(throttle(breaker(bulkhead(timeout(call)))))) per request
//	params        parameter descriptions and parsing for --set key=value
//	httpmw        the patterns as net/http middleware, for production: the one
//	              package here that drives them, so it takes a Clock (httpmw.Real
//	              is the wall clock; nodes/httpsim gives the simulated one)
//
// Every pattern has a Config whose zero fields take documented defaults, a
// Validate method, Set(key, value) and Params() for scenario parameters, and
// a New that rejects invalid configurations. docs/patterns.md describes each
// pattern, its parameters, and where its semantics differ from Resilience4j,
// Polly, failsafe-go, gobreaker, gRPC, Envoy and Finagle.
package patterns
