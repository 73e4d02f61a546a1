package isolate

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

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/scenarios"
)

// Config configures a Pool.
type Config struct {
	// Command starts one worker: a program and its arguments, e.g. this
	// program with a hidden worker command. The worker must call Serve.
	Command []string
	// Env, if set, is added to the worker's environment.
	Env []string
	// Scenario is what the pool runs, with Options.
	Scenario *scenarios.Scenario
	Options  scenarios.Options
	// Series asks workers to send results' time series too (for plots).
	Series bool
	// Start bounds the time a new worker may take to greet; 0: 30s.
	Start time.Duration
	// RSSEvery is how often a busy worker's resident memory is read; 0:
	// 50ms.
	RSSEvery time.Duration
}

// RSSBound is the resident memory at which a worker is killed, for a run
// that outgrows its heap bound without returning to the engine (the heap
// watchdog inside the worker only interrupts a world between events):
// the heap bound plus a quarter and 64 MiB for the runtime, stacks and
// the binary, so that the watchdog, when it can, acts first. 0: none.
func RSSBound(memoryLimitBytes uint64) int64 {
	if memoryLimitBytes == 0 || memoryLimitBytes > 1<<60 { // past any machine: none
		return 0
	}
	return int64(memoryLimitBytes + memoryLimitBytes/4 + 64<<20)
}

// Start returns a pool of worker processes for cfg, checked by starting
// one worker: an error says the program cannot be its own worker.
func Start(cfg Config) (*Pool, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("isolate: no worker command")
	}
	if cfg.Start == 0 {
		cfg.Start = 30 * time.Second
	}
	if cfg.RSSEvery == 0 {
		cfg.RSSEvery = 50 * time.Millisecond
	}
	opts := cfg.Options
	p := &Pool{cfg: cfg, sc: cfg.Scenario, opts: opts,
		maxRSSBytes: RSSBound(opts.MemoryLimit),
		job:         job(cfg.Scenario, opts, cfg.Series),
		all:         map[*worker]bool{},
	}
	if opts.WallLimit > 0 {
		p.wallKill = opts.WallLimit + min(max(opts.WallLimit/4, 200*time.Millisecond), 10*time.Second)
	}
	w, err := p.get()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(w.scenarios, p.sc.Name) {
		p.Close()
		return nil, fmt.Errorf("the worker (%s) does not offer scenario %s (it offers %s)", strings.Join(cfg.Command, " "), p.sc.Name, strings.Join(w.scenarios, ", "))
	}
	p.put(w)
	return p, nil
}

// Pool holds the worker processes of one sweep or comparison. Exec is
// called from its goroutines, at most -j at once, so at most -j workers
// live at a time.
type Pool struct {
	cfg         Config
	sc          *scenarios.Scenario
	opts        scenarios.Options
	job         Job
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

func (p *Pool) start() (*worker, error) {
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	if p.cfg.Env != nil {
		cmd.Env = append(os.Environ(), p.cfg.Env...)
	}
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
	// A test binary may print before the test that serves runs: lines
	// before the greeting are skipped.
	deadline := time.Now().Add(p.cfg.Start)
	for {
		line, err := w.readLine(deadline)
		var hello Reply
		if err == nil && json.Unmarshal(line, &hello) == nil && hello.Hello == Protocol {
			w.scenarios = hello.Scenarios
			return w, nil
		}
		if err == nil && !json.Valid(line) {
			continue
		}
		p.drop(w)
		w.release()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("%s did not greet within %v", strings.Join(p.cfg.Command, " "), p.cfg.Start)
		}
		return nil, fmt.Errorf("%s did not start as a worker: %s", strings.Join(p.cfg.Command, " "), w.death())
	}
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
func (p *Pool) get() (*worker, error) {
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

func (p *Pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return
	}
	p.idle = append(p.idle, w)
}

// drop kills a worker and forgets it; the next job starts a new one.
func (p *Pool) drop(w *worker) {
	w.kill()
	p.mu.Lock()
	delete(p.all, w)
	p.mu.Unlock()
}

// Close kills every worker, busy or idle, and waits until they are gone.
// A job still reading from a killed worker then sees it die.
func (p *Pool) Close() {
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

// Exec runs one seed on a worker and returns its result: the worker's
// own, or one of status crash or limit when the worker had to go.
func (p *Pool) Exec(vals scenarios.Values, seed uint64) *scenarios.Result {
	unfinished := func(status, limit, msg string) *scenarios.Result {
		return scenarios.Unfinished(p.sc, vals, seed, p.opts, status, limit, msg)
	}
	w, err := p.get()
	if err != nil {
		return unfinished(scenarios.StatusCrash, "", "no worker: "+oneline.Join(err.Error()))
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
			if poll := time.Now().Add(p.cfg.RSSEvery); deadline.IsZero() || poll.Before(deadline) {
				deadline = poll
			}
		}
		line, err := w.readLine(deadline)
		var rep Reply
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
			return unfinished(scenarios.StatusCrash, "", "worker wrote a line that is not a result: "+oneline.Clip(strings.TrimSpace(string(line)), 200))
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
			if l = oneline.Clip(strings.TrimSpace(l), 300); !slices.Contains(picked, l) {
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
				picked = slices.Insert(picked, 0, oneline.Clip(l, 300))
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
