package cli

// Crash isolation (sweep --isolate, compare --isolate): each world runs
// in a worker process (scenarios/isolate), this same binary re-executed
// with the hidden command __worker.

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/isolate"
)

// workerCommand is the hidden command a worker process runs. It is not in
// the commands table, so usage texts do not list it.
const workerCommand = "__worker"

// workerMaxStackBytes caps a worker's goroutine stacks; a variable so
// that tests can lower it.
var workerMaxStackBytes = isolate.DefaultMaxStackBytes

// isolateFlags are the flags of --isolate.
type isolateFlags struct {
	on bool
}

func addIsolateFlags(fs *pflag.FlagSet, f *isolateFlags) {
	fs.BoolVar(&f.on, "isolate", false, "run each world in a worker process (this program, re-executed): a crash, a fatal error, a hang or runaway memory ends only its own seed, as status crash or limit")
}

// isolation returns, with --isolate, the function a sweep runs each seed
// with, and a function that kills every worker; without, nil and a no-op.
// It starts one worker to check that this program can be its own worker.
func (a *App) isolation(f *isolateFlags, sc *scenarios.Scenario, vals scenarios.Values, opts scenarios.Options) (func(uint64) *scenarios.Result, func(), error) {
	p, err := a.startWorkers(f, sc, opts, false)
	if p == nil || err != nil {
		return nil, func() {}, err
	}
	return func(seed uint64) *scenarios.Result { return p.Exec(vals, seed) }, p.Close, nil
}

// startWorkers returns, with --isolate, a pool of worker processes for
// scenario sc with options opts, checked by starting one worker; without,
// nil. series asks workers to send results' time series too (for plots).
func (a *App) startWorkers(f *isolateFlags, sc *scenarios.Scenario, opts scenarios.Options, series bool) (*isolate.Pool, error) {
	if !f.on {
		return nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("--isolate: cannot find this program to start workers: %w", err)
	}
	p, err := isolate.Start(isolate.Config{
		Command:  []string{exe, workerCommand, "--max-memory", strconv.FormatUint(opts.MemoryLimit, 10), "--max-stack", strconv.Itoa(workerMaxStackBytes)},
		Scenario: sc, Options: opts, Series: series,
	})
	if err != nil {
		return nil, fmt.Errorf("--isolate: %w; its main must call cli.Main with the same scenarios", err)
	}
	return p, nil
}

// exitCode is the exit status for an error: 2 for bad input, else 1.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFail
}
