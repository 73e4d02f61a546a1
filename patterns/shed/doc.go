// Package shed is a load shedder in front of a server: a bounded queue that
// rejects when full, and optionally drops work that waited too long
// (CoDel-like) and serves newest-first under overload (adaptive LIFO).
//
// Queue-delay shedding follows Facebook's "controlled delay" as described in
// "Fail at Scale" (ACM Queue, 2015), a simplification of CoDel (RFC 8289):
// while the queue has been empty within the last interval, an item may wait
// up to interval; once the queue has not been empty for a whole interval
// (a standing queue, i.e. overload), an item may wait only target_delay.
// Items over their limit are shed when the server next takes work. CoDel
// proper drops at an increasing rate instead; this version is simpler to
// reason about and is what RPC servers use.
//
// Order: fifo (oldest first), lifo (newest first, always), or adaptive-lifo
// (FIFO normally, LIFO while overloaded, as in "Fail at Scale"): under
// overload the newest requests are the ones whose clients are still waiting.
//
// # Parameters (--set keys with the "shed." prefix)
//
//	max_queue     100    items waiting; an offer to a full queue is rejected
//	order         fifo   fifo, lifo or adaptive-lifo
//	target_delay  0      longest wait under overload (0 = no delay shedding)
//	interval      100ms  longest wait otherwise, and the overload window; >= target_delay
package shed
