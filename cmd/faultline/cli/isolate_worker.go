package cli

import (
	"io"
	"os"

	"github.com/faultline/faultline/scenarios/isolate"
)

// runWorker is the worker process of --isolate (scenarios/isolate.Serve
// over this program's catalogue).
func (a *App) runWorker(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags(workerCommand, workerCommand+" [--max-memory BYTES] [--max-stack BYTES] (internal: the worker process of sweep --isolate)", stdout)
	maxMemory := fs.Uint64("max-memory", 0, "the runs' heap bound, in bytes, as the Go runtime's soft memory limit (0: none)")
	maxStack := fs.Int("max-stack", 0, "goroutine stack limit, in bytes (0: Go's default)")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	err := isolate.Serve(os.Stdin, stdout, isolate.ServeOptions{
		Scenarios: a.catalog.Names(), Lookup: a.catalog.Prepare,
		MaxStackBytes: *maxStack, MemoryLimit: *maxMemory,
	})
	if err != nil {
		return exitFail, err
	}
	return exitOK, nil
}
