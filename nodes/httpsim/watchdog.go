package httpsim

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/nodes"
)

// watchdog notices a node step that neither returns nor blocks in
// simulated time: code waiting on something real. Like the runner's wall
// and memory watchdogs it lives outside the world, on a timer: it reads
// two atomics and never touches the world, so it cannot change a run,
// only end a stalled one.
type watchdog struct {
	timeout time.Duration
	onStall func(string)
	steps   atomic.Uint64 // odd while a step runs
	what    atomic.Pointer[string]

	mu     sync.Mutex
	timer  *time.Timer
	closed bool
	last   uint64    // steps at the previous sample
	since  time.Time // when steps last changed
}

func newWatchdog(timeout time.Duration, onStall func(string)) *watchdog {
	if onStall == nil {
		onStall = func(report string) {
			fmt.Fprintln(os.Stderr, report)
			os.Exit(2)
		}
	}
	w := &watchdog{timeout: timeout, onStall: onStall, since: time.Now()}
	w.mu.Lock()
	w.timer = time.AfterFunc(w.every(), w.sample)
	w.mu.Unlock()
	return w
}

func (w *watchdog) every() time.Duration { return max(w.timeout/4, time.Millisecond) }

func (w *watchdog) describe(node, what string) {
	s := node
	if what != "" {
		s += " handling " + what
	}
	w.what.Store(&s)
}

func (w *watchdog) enter(node string) {
	w.describe(node, "")
	w.steps.Add(1)
}

func (w *watchdog) leave() { w.steps.Add(1) }

func (w *watchdog) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.timer.Stop()
}

// sample checks the step counter and arms the next sample, unless a step
// has run for the whole timeout.
func (w *watchdog) sample() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	now := time.Now()
	if s := w.steps.Load(); s%2 == 0 || s != w.last {
		w.last, w.since = s, now
	} else if now.Sub(w.since) >= w.timeout {
		w.onStall(fmt.Sprintf("httpsim: stall: %s has run for %v of wall-clock time without returning or blocking in simulated time; "+
			"it waits on something real (a channel, lock, time.Sleep or socket) that the world cannot advance", *w.what.Load(), w.timeout))
		return
	}
	w.timer.Reset(w.every())
}

// watched runs a node's steps under the watchdog.
type watched struct {
	inner nodes.Node
	wd    *watchdog
}

func (n *watched) Start(env *nodes.Env) {
	n.wd.enter(env.Name())
	defer n.wd.leave()
	n.inner.Start(env)
}

func (n *watched) Receive(env *nodes.Env, from NodeID, msg any) {
	n.wd.enter(env.Name())
	defer n.wd.leave()
	n.inner.Receive(env, from, msg)
}

func (n *watched) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	n.wd.enter(env.Name())
	defer n.wd.leave()
	n.inner.Timer(env, id, data)
}
