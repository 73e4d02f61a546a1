package cli

// Crash isolation (sweep --isolate): each world runs in a worker process,
// this same binary re-executed with the hidden command __worker. A worker
// reads jobs from stdin and writes results to stdout, one JSON object a
// line. The parent keeps at most -j workers; one that dies, overruns the
// per-world wall limit or outgrows --max-memory is killed and replaced,
// and its seed gets a result of its own (status crash or limit).

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// workerCommand is the hidden command a worker process runs. It is not in
// the commands table, so usage texts do not list it.
const workerCommand = "__worker"

// workerProtocol is the version of the job and reply lines; a worker that
// greets with another version is refused.
const workerProtocol = 1

// workerMaxStackBytes caps a worker's goroutine stacks (Go's default is
// 1 GiB): a stack overflow then crashes the worker after 64 MiB instead
// of seconds of copying and 1.5 GiB of memory. A world that truly needs
// deeper stacks crashes isolated and not in process (docs/sweeps.md).
var workerMaxStackBytes = 64 << 20

// rssEvery is how often the parent reads a busy worker's resident memory.
var rssEvery = 50 * time.Millisecond

// workerStart bounds the time a new worker may take to greet.
var workerStart = 30 * time.Second

// isolateFlags are the flags of --isolate.
type isolateFlags struct {
	on bool
}

func addIsolateFlags(fs *pflag.FlagSet, f *isolateFlags) {
	fs.BoolVar(&f.on, "isolate", false, "run each world in a worker process (this program, re-executed): a crash, a fatal error, a hang or runaway memory ends only its own seed, as status crash or limit")
}

// rssBound is the resident memory at which a worker is killed, for a run
// that outgrows --max-memory without returning to the engine (the heap
// watchdog inside the worker only interrupts a world between events):
// the heap bound plus a quarter and 64 MiB for the runtime, stacks and
// the binary, so that the watchdog, when it can, acts first. 0: none.
func rssBound(memoryLimitBytes uint64) int64 {
	if memoryLimitBytes == 0 || memoryLimitBytes > 1<<60 { // past any machine: none
		return 0
	}
	return int64(memoryLimitBytes + memoryLimitBytes/4 + 64<<20)
}

// workerJob is one line on a worker's stdin: one world to run.
type workerJob struct {
	Scenario    string            `json:"scenario"`
	Params      map[string]string `json:"params"`
	Seed        uint64            `json:"seed"`
	Limits      sim.Limits        `json:"limits"`
	WallLimitNs int64             `json:"wall_limit_ns"`
	MemoryLimit uint64            `json:"memory_limit"` // bytes of heap; 0: none
	Faults      string            `json:"faults,omitempty"`
	FaultsFile  string            `json:"faults_file,omitempty"`
	ArtifactDir string            `json:"artifact_dir,omitempty"`
	Program     string            `json:"program"`
	Series      bool              `json:"series,omitempty"` // send the result's time series
	// CheckDeterminism runs the world twice in the worker.
	CheckDeterminism bool `json:"check_determinism,omitempty"`
}

// workerReply is one line on a worker's stdout: its greeting, then one
// result (or an error) per job.
type workerReply struct {
	Hello     int                    `json:"hello,omitempty"` // the protocol version
	Scenarios []string               `json:"scenarios,omitempty"`
	Result    *scenarios.Result      `json:"result,omitempty"`
	Series    map[string][]sim.Point `json:"series,omitempty"` // Result.Series, when the job asks
	Error     string                 `json:"error,omitempty"`
}

// isolation returns, with --isolate, the function a sweep runs each seed
// with, and a function that kills every worker; without, nil and a no-op.
// It starts one worker to check that this program can be its own worker.
func (a *App) isolation(f *isolateFlags, sc *scenarios.Scenario, vals scenarios.Values, opts scenarios.Options) (func(uint64) *scenarios.Result, func(), error) {
	p, err := a.startWorkers(f, sc, opts, false)
	if p == nil || err != nil {
		return nil, func() {}, err
	}
	return func(seed uint64) *scenarios.Result { return p.exec(vals, seed) }, p.close, nil
}

// startWorkers returns, with --isolate, a pool of worker processes for
// scenario sc with options opts, checked by starting one worker; without,
// nil. series asks workers to send results' time series too (for plots).
func (a *App) startWorkers(f *isolateFlags, sc *scenarios.Scenario, opts scenarios.Options, series bool) (*workerPool, error) {
	if !f.on {
		return nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("--isolate: cannot find this program to start workers: %w", err)
	}
	p := &workerPool{
		exe:  exe,
		args: []string{workerCommand, "--max-memory", strconv.FormatUint(opts.MemoryLimit, 10), "--max-stack", strconv.Itoa(workerMaxStackBytes)},
		sc:   sc, opts: opts,
		maxRSSBytes: rssBound(opts.MemoryLimit),
		job: workerJob{Scenario: sc.Name, Limits: opts.Limits, WallLimitNs: int64(opts.WallLimit), MemoryLimit: opts.MemoryLimit,
			Faults: opts.Faults, FaultsFile: opts.FaultsFile, ArtifactDir: opts.ArtifactDir, Program: opts.Program, Series: series,
			CheckDeterminism: opts.CheckDeterminism},
		all: map[*worker]bool{},
	}
	if opts.WallLimit > 0 {
		p.wallKill = opts.WallLimit + min(max(opts.WallLimit/4, 200*time.Millisecond), 10*time.Second)
	}
	w, err := p.get()
	if err != nil {
		return nil, fmt.Errorf("--isolate: %w", err)
	}
	if !slices.Contains(w.scenarios, sc.Name) {
		p.close()
		return nil, fmt.Errorf("--isolate: the worker (%s %s) does not offer scenario %s: its main must call cli.Main with the same scenarios", exe, workerCommand, sc.Name)
	}
	p.put(w)
	return p, nil
}

// workerPool holds the worker processes of one sweep or comparison. exec
// is called from its goroutines, at most -j at once, so at most -j
// workers live at a time.
type workerPool struct {
	exe         string
	args        []string
	sc          *scenarios.Scenario
	opts        scenarios.Options
	job         workerJob
	wallKill    time.Duration // 0: none
	maxRSSBytes int64         // 0: none

	mu     sync.Mutex
	idle   []*worker
	all    map[*worker]bool
	closed bool
}

// worker is one worker process. Its replies are read by the goroutine
// that runs its job, under a read deadline for the wall limit and the
// memory polls: a reader goroutine of its own would add a hand-off, and
// context switches, to every run.
type worker struct {
	cmd       *exec.Cmd
	in        io.WriteCloser
	out       *os.File // the read end of the worker's stdout
	br        *bufio.Reader
	partial   []byte // a reply line read in part before a deadline
	stderr    *tailWriter
	killOnce  sync.Once
	exited    chan struct{} // closed once the process has been waited for
	waitErr   error
	scenarios []string
}

func (p *workerPool) start() (*worker, error) {
	cmd := exec.Command(p.exe, p.args...)
	w := &worker{cmd: cmd, stderr: &tailWriter{}, exited: make(chan struct{})}
	cmd.Stderr = w.stderr
	var err error
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("starting a worker: %w", err)
	}
	w.out, w.br = pr, bufio.NewReaderSize(pr, 64<<10)
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exited)
	}()
	// Known to the pool from now on, so that close kills it even while
	// it is starting.
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		w.kill()
		w.release()
		return nil, errors.New("the sweep has stopped")
	}
	p.all[w] = true
	p.mu.Unlock()
	line, err := w.readLine(time.Now().Add(workerStart))
	var hello workerReply
	if err == nil && json.Unmarshal(line, &hello) == nil && hello.Hello == workerProtocol {
		w.scenarios = hello.Scenarios
		return w, nil
	}
	p.drop(w)
	w.release()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("%s %s did not greet within %v", p.exe, workerCommand, workerStart)
	}
	return nil, fmt.Errorf("%s %s did not start as a worker: %s", p.exe, workerCommand, w.death())
}

// readLine reads one reply line, waiting until deadline (zero: no
// deadline). On os.ErrDeadlineExceeded, what was read is kept for the
// next call.
func (w *worker) readLine(deadline time.Time) ([]byte, error) {
	// Where pipes take no deadline (Windows), the read blocks: wall and
	// memory limits are then not enforced from outside.
	if err := w.out.SetReadDeadline(deadline); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return nil, err
	}
	chunk, err := w.br.ReadBytes('\n')
	w.partial = append(w.partial, chunk...)
	if err != nil {
		return nil, err
	}
	line := w.partial
	w.partial = nil
	return line, nil
}

// kill ends a worker with SIGKILL; it never runs another job.
func (w *worker) kill() {
	w.killOnce.Do(func() { _ = w.cmd.Process.Kill() })
}

// release waits for a killed or dead worker to be reaped and closes its
// end of the pipe. It may run more than once.
func (w *worker) release() {
	<-w.exited
	w.out.Close()
}

// get returns an idle worker, or starts one.
func (p *workerPool) get() (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("the sweep has stopped")
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return p.start()
}

func (p *workerPool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return
	}
	p.idle = append(p.idle, w)
}

// drop kills a worker and forgets it; the next job starts a new one.
func (p *workerPool) drop(w *worker) {
	w.kill()
	p.mu.Lock()
	delete(p.all, w)
	p.mu.Unlock()
}

// close kills every worker, busy or idle, and waits until they are gone.
// A job still reading from a killed worker then sees it die.
func (p *workerPool) close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*worker, 0, len(p.all))
	for w := range p.all {
		all = append(all, w)
	}
	p.all, p.idle = map[*worker]bool{}, nil
	p.mu.Unlock()
	for _, w := range all {
		w.kill()
	}
	for _, w := range all {
		w.release()
	}
}

// exec runs one seed on a worker and returns its result: the worker's
// own, or one of status crash or limit when the worker had to go.
func (p *workerPool) exec(vals scenarios.Values, seed uint64) *scenarios.Result {
	unfinished := func(status, limit, msg string) *scenarios.Result {
		return scenarios.Unfinished(p.sc, vals, seed, p.opts, status, limit, msg)
	}
	w, err := p.get()
	if err != nil {
		return unfinished(scenarios.StatusCrash, "", "no worker: "+oneLine(err.Error()))
	}
	job := p.job
	job.Params, job.Seed = vals.Map(), seed
	line, err := json.Marshal(job)
	if err != nil {
		p.put(w)
		return unfinished(scenarios.StatusCrash, "", "encoding the job: "+err.Error())
	}
	w.stderr.reset()
	// A failed write means the worker is gone; reading says so.
	_, _ = w.in.Write(append(line, '\n'))
	var wallAt time.Time
	if p.wallKill > 0 {
		wallAt = time.Now().Add(p.wallKill)
	}
	for {
		deadline := wallAt
		if p.maxRSSBytes > 0 {
			if poll := time.Now().Add(rssEvery); deadline.IsZero() || poll.Before(deadline) {
				deadline = poll
			}
		}
		line, err := w.readLine(deadline)
		var rep workerReply
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if !wallAt.IsZero() && !time.Now().Before(wallAt) {
				p.drop(w)
				go w.release()
				return unfinished(scenarios.StatusLimit, "wall_time", fmt.Sprintf(
					"limit wall_time (%v) reached: the world did not return to the engine within %v (e.g. a handler that never returns); its worker was killed", p.opts.WallLimit, p.wallKill))
			}
			if rss, ok := residentBytes(w.cmd.Process.Pid); ok && p.maxRSSBytes > 0 && rss > p.maxRSSBytes {
				p.drop(w)
				go w.release()
				return unfinished(scenarios.StatusLimit, "memory", fmt.Sprintf(
					"limit memory (%s) reached: the worker's resident memory was %.1fMiB, past %.1fMiB, without the world returning to the engine; it was killed",
					scenarios.FormatBytes(p.opts.MemoryLimit), float64(rss)/(1<<20), float64(p.maxRSSBytes)/(1<<20)))
			}
			continue
		case err != nil:
			p.drop(w)
			w.release()
			return unfinished(scenarios.StatusCrash, "", "worker died "+w.death())
		case json.Unmarshal(line, &rep) != nil || (rep.Result == nil) == (rep.Error == ""):
			p.drop(w)
			go w.release()
			return unfinished(scenarios.StatusCrash, "", "worker wrote a line that is not a result: "+clip(strings.TrimSpace(string(line)), 200))
		case rep.Error != "":
			p.put(w)
			return unfinished(scenarios.StatusCrash, "", "worker: "+rep.Error)
		}
		p.put(w)
		rep.Result.Series = rep.Series
		return rep.Result
	}
}

// death describes how a worker ended, "(exit status 2): panic: ...": its
// exit status or signal, and the lines of its stderr that say why (a
// panic, a fatal runtime error).
func (w *worker) death() string {
	how := "no exit status"
	var ee *exec.ExitError
	switch {
	case errors.As(w.waitErr, &ee):
		how = ee.ProcessState.String()
	case w.waitErr != nil:
		how = w.waitErr.Error()
	case w.cmd.ProcessState != nil:
		how = w.cmd.ProcessState.String()
	}
	if why := crashCause(w.stderr.String()); why != "" {
		return "(" + how + "): " + why
	}
	return "(" + how + ")"
}

// crashCause picks from a dead worker's stderr the lines that say why it
// died: Go's "panic: ..." and "fatal error: ..." lines, or else the last
// lines. Goroutine dumps are left out: they name addresses and goroutine
// numbers that differ from run to run.
func crashCause(stderr string) string {
	var picked []string
	lines := strings.Split(stderr, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") ||
			strings.HasPrefix(l, "runtime: goroutine stack exceeds") || strings.HasPrefix(l, "\tpanic: ") {
			if l = clip(strings.TrimSpace(l), 300); !slices.Contains(picked, l) {
				picked = append(picked, l)
			}
			if len(picked) == 4 {
				break
			}
		}
	}
	if len(picked) == 0 {
		for i := len(lines) - 1; i >= 0 && len(picked) < 3; i-- {
			if l := strings.TrimSpace(lines[i]); l != "" {
				picked = slices.Insert(picked, 0, clip(l, 300))
			}
		}
	}
	return strings.Join(picked, "; ")
}

// residentBytes reads a process's resident memory from /proc (Linux).
func residentBytes(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

// tailWriter keeps the last tailBytes written to it since its last reset.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 64 << 10

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(b), nil
}

func (t *tailWriter) reset() { t.mu.Lock(); t.buf = t.buf[:0]; t.mu.Unlock() }

func (t *tailWriter) String() string { t.mu.Lock(); defer t.mu.Unlock(); return string(t.buf) }

// exitCode is the exit status for an error: 2 for bad input, else 1.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFail
}
