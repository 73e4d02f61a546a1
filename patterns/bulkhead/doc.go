// Package bulkhead limits the calls in flight to one dependency, so that a
// slow dependency cannot take every resource of its caller.
//
// As a state machine: Acquire returns Admitted, Queued (with a Ticket) or
// Rejected; Release frees a slot and returns the queued tickets now admitted
// (FIFO); Expire(now) returns the queued tickets that waited max_wait or
// longer. A queued call that gives up is withdrawn with Release too.
//
// With max_queue 0 the bulkhead rejects as soon as max_concurrent calls are in
// flight (Resilience4j's SemaphoreBulkhead with maxWaitDuration 0, Polly's
// bulkhead with no queue). With a queue it also bounds the wait, like
// Resilience4j's maxWaitDuration and Polly's maxQueuingActions. A call that
// waited max_wait is expired, never admitted late: Release skips it and the
// next Expire returns it.
//
// # Parameters (--set keys with the "bulkhead." prefix)
//
//	max_concurrent  10  calls in flight at once
//	max_queue       0   calls waiting for a slot (0 = reject when full)
//	max_wait        0   longest wait in the queue (0 = no limit)
package bulkhead
