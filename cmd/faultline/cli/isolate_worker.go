package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/scenarios"
)

// runWorker is the worker process of --isolate: it greets, then runs each
// job line of stdin and answers with one result line on stdout. It ends
// when stdin does, or when its parent is gone, even in the middle of a
// run that never ends.
func (a *App) runWorker(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags(workerCommand, workerCommand+" [--max-memory BYTES] [--max-stack BYTES] (internal: the worker process of sweep --isolate)", stdout)
	maxMemory := fs.Int64("max-memory", 0, "soft memory limit for the Go runtime, in bytes (0: none)")
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
	if *maxMemory > 0 {
		// Collect harder near the bound, so a healthy run is not killed
		// for garbage it has not yet collected.
		debug.SetMemoryLimit(*maxMemory / 10 * 9)
	}
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
		Limits: job.Limits, WallLimit: time.Duration(job.WallLimitNs),
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

// parseBytes parses a size in bytes: a non-negative integer with an
// optional unit, B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB
// (powers of 1000), e.g. 512MiB. 0 means none.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	bad := fmt.Errorf("%q: want a size such as 512MiB or 4GiB (units B, KiB, MiB, GiB, TiB, kB, MB, GB, TB; 0: none)", s)
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || (n > 0 && mult > (1<<62)/n) {
		return 0, bad
	}
	return n * mult, nil
}

// formatBytes formats a size with the largest binary unit that keeps one
// decimal meaningful.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
