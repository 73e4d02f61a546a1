package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"time"

	"github.com/faultline/faultline/scenarios"
)

// runWorker is the worker process of --isolate: it greets, then runs each
// job line of stdin and answers with one result line on stdout. It ends
// when stdin does, or when its parent is gone, even in the middle of a
// run that never ends.
func (a *App) runWorker(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags(workerCommand, workerCommand+" [--max-memory BYTES] [--max-stack BYTES] (internal: the worker process of sweep --isolate)", stdout)
	maxMemory := fs.Uint64("max-memory", 0, "the runs' heap bound, in bytes, as the Go runtime's soft memory limit (0: none)")
	maxStack := fs.Int("max-stack", 0, "goroutine stack limit, in bytes (0: Go's default)")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	// The parent takes Ctrl-C for the sweep and kills its workers; a
	// terminal sends SIGINT to the whole process group.
	signal.Ignore(os.Interrupt)
	if *maxStack > 0 {
		debug.SetMaxStack(*maxStack)
	}
	// As sweep does in process: garbage alone must not trip --max-memory.
	defer softMemoryLimit(byteSize(*maxMemory))()
	// Replies own stdout; what scenario code prints goes to stderr.
	out := bufio.NewWriter(stdout)
	os.Stdout = os.Stderr
	reply := func(r workerReply) error {
		b, err := json.Marshal(r)
		if err != nil {
			b, _ = json.Marshal(workerReply{Error: "encoding the result: " + err.Error()})
		}
		if _, err := out.Write(append(b, '\n')); err != nil {
			return err
		}
		return out.Flush()
	}
	if err := reply(workerReply{Hello: workerProtocol, Scenarios: a.catalog.Names()}); err != nil {
		return exitFail, err
	}
	go exitWithParent()
	// Jobs are read on this goroutine: a reader goroutine of its own
	// doubled the context switches per run (see BENCHMARKS.md).
	br := bufio.NewReaderSize(os.Stdin, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return exitOK, nil
		}
		if err := reply(a.workerRun(line)); err != nil {
			return exitFail, err
		}
	}
}

// parentPoll is how often a worker checks that its parent still lives.
const parentPoll = 500 * time.Millisecond

// exitWithParent ends the worker once its parent has died (it is then
// re-parented, so its parent's pid changes), e.g. after a second Ctrl-C
// or a kill -9 of the sweep, while a world may loop forever.
func exitWithParent() {
	ppid := os.Getppid()
	for range time.Tick(parentPoll) {
		if os.Getppid() != ppid {
			os.Exit(exitFail)
		}
	}
}

// workerRun runs one job line.
func (a *App) workerRun(line []byte) workerReply {
	var job workerJob
	if err := json.Unmarshal(line, &job); err != nil {
		return workerReply{Error: fmt.Sprintf("bad job line: %v", err)}
	}
	sc, vals, err := a.catalog.Prepare(job.Scenario, job.Params)
	if err != nil {
		return workerReply{Error: err.Error()}
	}
	r := scenarios.Execute(sc, vals, job.Seed, scenarios.Options{
		Limits: job.Limits, WallLimit: time.Duration(job.WallLimitNs), MemoryLimit: job.MemoryLimit,
		Faults: job.Faults, FaultsFile: job.FaultsFile, ArtifactDir: job.ArtifactDir, Program: job.Program,
		CheckDeterminism: job.CheckDeterminism,
	})
	r.Stack = "" // a sweep drops it anyway; the replay prints it
	rep := workerReply{Result: r}
	if job.Series {
		rep.Series = r.Series
	}
	return rep
}
