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
//	-faultline.determinism N  run the first N seeds of each property twice and
//	                       compare trace hashes (default 3; -1 every seed, 0 none)
//	-faultline.shrink      shrink a failing seed's fault schedule and print the
//	                       minimal one, sorted by time, with both replays
//	-faultline.shrink.runs N  bound a shrink to N runs (default 200)
//	-faultline.faults FILE apply the schedule in FILE (e.g. a shrunk one) to
//	                       every run, with the nemesis off
//	-faultline.isolate     run each seed in a worker process: this test binary,
//	                       re-run on the one test (scenarios/isolate); a crash
//	                       or hang fails only its seed, as status crash or limit
//	-faultline.max-wall D  end a run as limit after D of wall-clock time
//	                       (default 5m; 0 none)
//
// The determinism self-check catches node code that reads a real clock,
// the global random source, map order or a goroutine's state: such a seed
// fails with status nondeterministic, the first trace record where the
// two executions part, and both traces. It costs one more execution of
// each checked seed. Set Program so that CLI replay lines name the binary
// that runs the scenario (a user's own, built on cmd/faultline/cli).
//
// With -faultline.isolate, a seed that ends its worker gets no trace and
// no shrink (both run in process); its replay lines reproduce it. Seeds
// that end normally give the results they give in process.
//
// The faultline command imports neither this package nor checks/gen (a
// test guards it): both are for test binaries, and rapid, which checks/gen
// uses, registers its flags in init.
package proptest
