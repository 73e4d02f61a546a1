// Package lease is the leader-lease scenario: a lease server grants a
// lease that expires at an absolute time on the server's clock, and each
// holder believes it leads until its own clock reaches that time minus a
// margin. Every clock has a seeded offset and drift, bounded so that any
// two clocks differ by less than max_skew.
//
// With a margin of at least max_skew (mode=correct) no two nodes ever
// believe they hold the lease at the same true instant. With a smaller
// margin (mode=buggy) a holder whose clock runs behind the server's keeps
// believing after the server has granted the lease to the next node, and
// the check, run over the true-time intervals of belief, finds the overlap.
package lease
