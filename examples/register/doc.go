// Package register is a worked example of testing your own protocol with
// faultline: a replicated register with a real bug, and the property test
// that finds it and shrinks the fault schedule that exposes it.
//
// Three replicas (n1, n2, n3) keep a versioned value; one client (n4)
// writes 1, 2, 3... and reads in between. The replicas are event handlers
// and the client is a sequential process (nodes/proc), so both node
// styles appear, talking through proc.Request and proc.Response.
//
// The naive protocol writes to n1, which acknowledges at once and copies
// the value to n2 and n3 without waiting or retrying, and reads from any
// one replica. It is fine on a perfect network. When a copy is lost (a
// partition, a loss burst, a crashed replica) a later read from that
// replica returns a value older than one already acknowledged: a stale
// read. With Quorum set, writes and reads go to every replica and need
// two answers, and the bug is gone.
//
// The example registers itself as the scenario "example-register", so the
// same protocol runs through scenarios.Prepare and Execute, proptest and
// the shrinker exactly as the built-in scenarios do.
package register
