// Package proptest runs scenarios and properties over many seeds inside
// `go test`, and makes every failure replayable.
//
// Run fails a test on any seed whose run fails; Seeds checks a property of
// each run's Result; ForSeeds is the lower-level loop over seeds for code
// that builds its own worlds. Each seed runs as a subtest "seed=N", and
// the loop stops at the first failing seed. A failure logs the seed, the
// `go test` command that replays exactly that seed, the CLI command that
// replays the run, and the file the run's trace was written to (JSON
// Lines, named after the test and the seed).
//
// The package registers these flags on the standard flag set:
//
//	-faultline.seed N      run only seed N
//	-faultline.seeds N|A-B run seeds 0..N-1, or A..B (default: DefaultSeeds seeds from 0)
//	-faultline.trace DIR   write the traces of failing runs to DIR
//	                       (default: DIR/faultline-traces under the OS temp dir)
//
// The faultline command imports neither this package nor checks/gen (a
// test guards it): both are for test binaries, and rapid, which checks/gen
// uses, registers its flags in init.
package proptest
