// Package orders is a small order service written as ordinary net/http
// code: checkout runs a saga over inventory (reserve, release) and
// payment (charge), each call through an httpmw.Transport (timeouts,
// jittered retries, a breaker) with an Idempotency-Key, and the two
// services sit behind httpmw.Idempotency and a health endpoint.
//
// The same handlers and middleware run in two places: on a real
// net/http server with the wall clock (httpmw.Real; see
// TestRealServers), and in a faultline world through nodes/httpsim with
// the simulated clock, under the nemesis (Scenario, "orders"). There the
// checks idempotency (no reservation or charge applied twice for one
// key) and saga_atomicity (each order fully committed or fully
// compensated) read the services' own state.
//
// Two planted bugs: mode=no-idempotency drops the idempotency middleware,
// so a retried charge whose answer was lost charges twice; and
// mode=no-compensation never releases the reservation of a declined
// order.
package orders
