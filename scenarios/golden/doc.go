// Package golden compares a run's trace with a file committed next to the
// test, so that any change in behaviour shows up as a diff.
//
// A golden trace is the run's JSON Lines trace (sim.JSONLSink), one record
// a line. On a mismatch the test fails with the first differing line, a
// few lines of context around it, and the trace hash. Run the tests with
//
//	go test ./pkg -faultline.update
//
// to rewrite the files after an intended change, then read the diff in
// version control before committing it.
package golden
