package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports how far a long command got, on stderr: a bar with an
// ETA on a terminal, a plain line at most every plainEvery otherwise, or
// nothing with --quiet. Its methods are called from one goroutine.
type progress interface {
	add(failed bool)
	finish()
}

// plainEvery is the least time between two plain progress lines.
var plainEvery = 5 * time.Second

// isTerminal reports whether w is a terminal; tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(stderr io.Writer, what string, total int64, quiet bool) progress {
	switch {
	case quiet || total <= 0:
		return nopProgress{}
	case isTerminal(stderr):
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("runs"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30))
		return &barProgress{bar: bar}
	}
	now := time.Now()
	return &plainProgress{w: stderr, what: what, total: total, start: now, last: now}
}

type nopProgress struct{}

func (nopProgress) add(bool) {}
func (nopProgress) finish()  {}

type barProgress struct {
	bar    *progressbar.ProgressBar
	failed int
}

func (p *barProgress) add(failed bool) {
	if failed {
		p.failed++
		p.bar.Describe(fmt.Sprintf("%d failed", p.failed))
	}
	_ = p.bar.Add(1)
}

func (p *barProgress) finish() { _ = p.bar.Clear() }

type plainProgress struct {
	w           io.Writer
	what        string
	total, done int64
	failed      int
	start, last time.Time
}

func (p *plainProgress) add(failed bool) {
	p.done++
	if failed {
		p.failed++
	}
	now := time.Now()
	if now.Sub(p.last) < plainEvery || p.done == p.total {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	eta := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
	fmt.Fprintf(p.w, "%s: %d/%d runs (%d%%), %d failed, %.1f runs/s, ETA %v\n",
		p.what, p.done, p.total, 100*p.done/p.total, p.failed, float64(p.done)/elapsed.Seconds(), eta.Round(time.Second))
}

func (p *plainProgress) finish() {}

// notifyInterrupt returns a channel closed at the first Ctrl-C (SIGINT)
// and a function that stops listening. A second Ctrl-C exits at once with
// status 130. Tests replace it.
var notifyInterrupt = func(stderr io.Writer) (<-chan struct{}, func()) {
	stop := make(chan struct{})
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt)
	var once sync.Once
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-sig:
			case <-quit:
				return
			}
			first := false
			once.Do(func() { first = true; close(stop) })
			if !first {
				fmt.Fprintln(stderr, "interrupted again; exiting now")
				os.Exit(exitInterrupted)
			}
			fmt.Fprintln(stderr, "interrupted; reporting what finished (Ctrl-C again to exit now)")
		}
	}()
	return stop, func() { signal.Stop(sig); close(quit) }
}

// exitInterrupted is the status after Ctrl-C, as shells report SIGINT.
const exitInterrupted = 130
