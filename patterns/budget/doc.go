// Package budget limits retries (and hedges) so that they cannot multiply the
// load on a struggling service: a token bucket in the gRPC style, a ratio
// budget in the Finagle style, and a per-request attempt cap.
//
// # Kinds
//
// token (gRPC retry throttling, gRFC A6): the bucket starts full at
// max_tokens. Each failed attempt takes 1 token, each successful one adds
// token_ratio (never above max_tokens). A retry or hedge is allowed only while
// tokens > max_tokens/2. Tokens are kept in thousandths, as gRPC does, so the
// arithmetic is exact.
//
// ratio (Finagle RetryBudget): every request deposits percent_can_retry of a
// token, every retry withdraws one, and deposits expire after ttl. On top, a
// reserve of min_retries_per_sec·ttl tokens is always there, so a
// low-traffic client can still retry. A retry is allowed while the balance
// (reserve + live deposits − live withdrawals) is at least one token.
//
// none: only the per-request cap applies.
//
// In every kind, a request may make at most max_attempts_per_request
// attempts, hedges and the first call included (gRPC caps maxAttempts at 5
// the same way).
//
// # Parameters (--set keys with the "budget." prefix)
//
//	kind                      token  token, ratio or none
//	max_tokens                10     token: bucket size, in (0, 1000]
//	token_ratio               0.1    token: tokens added per success, in (0, 1]
//	percent_can_retry         0.2    ratio: retries per request (0.2 = 20%), in [0, 10]
//	min_retries_per_sec       10     ratio: the reserve, retries per second, >= 0
//	ttl                       10s    ratio: how long a deposit lasts, in [1s, 60s]
//	max_attempts_per_request  5      cap on attempts of one request (0 = none)
package budget
