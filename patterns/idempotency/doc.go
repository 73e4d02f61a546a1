// Package idempotency is a server-side idempotency-key store: a repeated
// request with the same key gets the first result instead of running the
// side effect again.
//
// Begin(now, key) answers one of:
//
//   - New: the key is unseen (or expired). The caller runs the side effect,
//     then calls Complete with its result, or Abort if it failed before
//     taking effect (the key is then forgotten so a retry may run).
//   - Done: the key was completed within the TTL; the stored result is
//     returned and the side effect must not run.
//   - InProgress: the first call with this key has not finished. The store
//     never waits: it reports InProgress and the server rejects the repeat
//     with a retryable "conflict" (Stripe's API answers 409 the same way),
//     so the client retries later and then gets Done. A server that prefers
//     to hold the repeat can park it and call Begin again after Complete.
//   - Full: the store holds max_keys live keys; the request is refused
//     rather than run without protection.
//
// The TTL runs from the first Begin (the key's creation), as with Stripe's
// 24-hour keys, not from completion. An in-progress key that is never
// completed holds its place until the TTL passes, so a crash mid-call cannot
// lead to a second run within the TTL.
//
// # Parameters (--set keys with the "idempotency." prefix)
//
//	ttl       24h     how long a key is remembered
//	max_keys  100000  live keys held at most
package idempotency
