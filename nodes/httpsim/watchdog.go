package httpsim

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/nodes"
)

// watchdog notices a node step that neither returns nor blocks in
// simulated time: code waiting on something real. It is the one
// goroutine of the package; it reads two atomics and never touches the
// world, so it cannot change a run, only end a stalled one.
type watchdog struct {
	timeout time.Duration
	onStall func(string)
	steps   atomic.Uint64 // odd while a step runs
	what    atomic.Pointer[string]
	stop    chan struct{}
}

func newWatchdog(timeout time.Duration, onStall func(string)) *watchdog {
	if onStall == nil {
		onStall = func(report string) {
			fmt.Fprintln(os.Stderr, report)
			os.Exit(2)
		}
	}
	w := &watchdog{timeout: timeout, onStall: onStall, stop: make(chan struct{})}
	go w.watch()
	return w
}

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

func (w *watchdog) close() { close(w.stop) }

func (w *watchdog) watch() {
	t := time.NewTicker(max(w.timeout/4, time.Millisecond))
	defer t.Stop()
	var last uint64
	var since time.Time
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			s := w.steps.Load()
			if s%2 == 0 || s != last {
				last, since = s, now
				continue
			}
			if now.Sub(since) >= w.timeout {
				w.onStall(fmt.Sprintf("httpsim: stall: %s has run for %v of wall-clock time without returning or blocking in simulated time; "+
					"it waits on something real (a channel, lock, time.Sleep or socket) that the world cannot advance", *w.what.Load(), w.timeout))
				return
			}
		}
	}
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
