// Package isolate runs worlds in worker processes, so that a crash, a
// fatal runtime error, a hang or runaway memory ends only its own seed.
//
// A worker is a program re-executed in a mode where it calls Serve: the
// CLI's hidden __worker command, or a `go test` binary re-running one
// test (scenarios/proptest's -faultline.isolate). It reads jobs from
// stdin and writes results to stdout, one JSON object a line. A Pool
// keeps the workers of one sweep; one that dies, overruns the per-world
// wall limit or outgrows its memory bound is killed and replaced, and
// its seed gets a result of its own, with status crash or limit and the
// command that replays it.
package isolate
