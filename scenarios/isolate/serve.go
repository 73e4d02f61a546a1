package isolate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"time"

	"github.com/faultline/faultline/scenarios"
)

// DefaultMaxStackBytes caps a worker's goroutine stacks (Go's default is
// 1 GiB): a stack overflow then crashes the worker after 64 MiB instead
// of seconds of copying and 1.5 GiB of memory. A world that truly needs
// deeper stacks crashes isolated and not in process (docs/sweeps.md).
const DefaultMaxStackBytes = 64 << 20

// Lookup resolves a job's scenario and parameters in the worker.
type Lookup func(name string, params map[string]string) (*scenarios.Scenario, scenarios.Values, error)

// ServeOptions configure the worker side.
type ServeOptions struct {
	// Scenarios are the names the worker offers, in its greeting.
	Scenarios []string
	Lookup    Lookup
	// MaxStackBytes caps goroutine stacks; 0: Go's default.
	MaxStackBytes int
	// MemoryLimit is the runs' heap bound, set as the Go runtime's soft
	// memory limit (unless GOMEMLIMIT is set), so that garbage alone
	// does not trip it; 0: none.
	MemoryLimit uint64
}

// Serve is the worker process: it greets on out, then runs each job line
// of in and answers with one result line. It ends when in does, or when
// its parent is gone, even in the middle of a run that never ends. It
// sends what the process prints on os.Stdout to os.Stderr, so that
// replies own out.
func Serve(in io.Reader, out io.Writer, o ServeOptions) error {
	// The parent takes Ctrl-C for the sweep and kills its workers; a
	// terminal sends SIGINT to the whole process group.
	signal.Ignore(os.Interrupt)
	if o.MaxStackBytes > 0 {
		debug.SetMaxStack(o.MaxStackBytes)
	}
	if o.MemoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(min(o.MemoryLimit, math.MaxInt64))))
	}
	bw := bufio.NewWriter(out)
	os.Stdout = os.Stderr
	reply := func(r Reply) error {
		b, err := json.Marshal(r)
		if err != nil {
			b, _ = json.Marshal(Reply{Error: "encoding the result: " + err.Error()})
		}
		if _, err := bw.Write(append(b, '\n')); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := reply(Reply{Hello: Protocol, Scenarios: o.Scenarios}); err != nil {
		return err
	}
	go exitWithParent()
	// Jobs are read on this goroutine: a reader goroutine of its own
	// doubled the context switches per run (see BENCHMARKS.md).
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return nil
		}
		if err := reply(run(line, o.Lookup)); err != nil {
			return err
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
			os.Exit(1)
		}
	}
}

// run runs one job line.
func run(line []byte, lookup Lookup) Reply {
	var job Job
	if err := json.Unmarshal(line, &job); err != nil {
		return Reply{Error: fmt.Sprintf("bad job line: %v", err)}
	}
	sc, vals, err := lookup(job.Scenario, job.Params)
	if err != nil {
		return Reply{Error: err.Error()}
	}
	r := scenarios.Execute(sc, vals, job.Seed, scenarios.Options{
		Limits: job.Limits, WallLimit: time.Duration(job.WallLimitNs), MemoryLimit: job.MemoryLimit,
		Faults: job.Faults, FaultsFile: job.FaultsFile, ArtifactDir: job.ArtifactDir, Program: job.Program,
		CheckDeterminism: job.CheckDeterminism,
	})
	r.Stack = "" // a sweep drops it anyway; the replay prints it
	rep := Reply{Result: r}
	if job.Series {
		rep.Series = r.Series
	}
	return rep
}
