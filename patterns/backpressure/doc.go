// Package backpressure is a bounded queue whose full state makes producers
// wait instead of dropping work or growing without bound.
//
// A simulated producer cannot block a thread, and must not spin either. So
// Offer on a full queue returns Blocked and keeps the item; the driver
// suspends that producer. When a consumer's Take frees a slot, the oldest
// blocked producer's item moves into the queue and Take returns that
// producer's ID: the driver wakes it, and its offer counts as done. Order is
// preserved: items leave in the order they were offered, blocked or not.
//
// This is the semantics of a bounded Go channel or Java's
// BlockingQueue.put, as opposed to a load shedder (package shed), which
// rejects when full. Reactive Streams' request(n) is the pull form of the same
// idea.
//
// # Parameters (--set keys with the "backpressure." prefix)
//
//	capacity  100  items the queue holds, >= 1
package backpressure
