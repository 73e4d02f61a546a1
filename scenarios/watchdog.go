package scenarios

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/sim"
)

// Limits a watchdog enforces, as Result.Limit names them.
const (
	limitWall   = "wall_time"
	limitMemory = "memory"
)

// watchdog records which wall-clock or memory limit ended a run first.
// It runs outside the world and only interrupts it.
type watchdog struct {
	mu     sync.Mutex
	reason string
	heap   uint64 // bytes, when the memory limit tripped
}

func (d *watchdog) trip(reason string, w *sim.World) {
	d.mu.Lock()
	if d.reason == "" {
		d.reason = reason
	}
	d.mu.Unlock()
	if w != nil {
		w.Interrupt()
	}
}

func (d *watchdog) tripped() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reason
}

// memorySampleEvery is how often the memory watchdog reads the heap size.
const memorySampleEvery = 20 * time.Millisecond

// heapMetric is the bytes of heap objects, live or not yet swept.
const heapMetric = "/memory/classes/heap/objects:bytes"

// HeapBytes returns the bytes the process's heap objects occupy now.
func HeapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchMemory interrupts w once the heap exceeds limit bytes, and returns
// the function that stops watching. It samples on a timer rather than in
// a goroutine of its own: a run shorter than one period costs a timer.
func (d *watchdog) watchMemory(limit uint64, w *sim.World) (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		t       *time.Timer
	)
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(memorySampleEvery, func() {
		if h := HeapBytes(); h > limit {
			d.mu.Lock()
			d.heap = h
			d.mu.Unlock()
			d.trip(limitMemory, w)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			t.Reset(memorySampleEvery)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// bound describes the bound the watchdog enforced, for the message.
func (d *watchdog) bound(opts Options) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.reason {
	case limitWall:
		return opts.WallLimit.String()
	case limitMemory:
		return fmt.Sprintf("heap %.1fMiB over %s", float64(d.heap)/(1<<20), FormatBytes(opts.MemoryLimit))
	}
	return d.reason
}

// FormatBytes formats n bytes in binary units, as --max-memory takes them.
func FormatBytes(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && n%1024 == 0 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return fmt.Sprintf("%d%s", n, units[i])
}

// replayOf is the replay command of a run: the seed, every non-default
// parameter, the fault file, and every limit flag that was set or that
// ended the run.
func replayOf(s *Scenario, v Values, seed uint64, opts Options, hit string) string {
	b := opts.ReplayCommand(s, v, seed) + LimitFlags(opts.Limits)
	switch hit {
	case limitWall:
		b += " --max-wall " + opts.WallLimit.String()
	case limitMemory:
		b += " --max-memory " + FormatBytes(opts.MemoryLimit)
	}
	if opts.FaultsFile != "" {
		b += " --faults " + shellQuote(opts.FaultsFile)
	}
	return b
}

// LimitFlags returns the command-line flags of the limits in l that are
// not the defaults, each with a leading space: they change where a run
// ends, so a replay must carry them.
func LimitFlags(l sim.Limits) string {
	var b strings.Builder
	d := sim.DefaultLimits
	if l.MaxEvents != 0 && l.MaxEvents != d.MaxEvents {
		fmt.Fprintf(&b, " --max-events %d", l.MaxEvents)
	}
	if l.MaxTime != 0 && l.MaxTime != d.MaxTime {
		fmt.Fprintf(&b, " --max-time %v", time.Duration(l.MaxTime))
	}
	if l.MaxPending != 0 && l.MaxPending != d.MaxPending {
		fmt.Fprintf(&b, " --max-pending %d", l.MaxPending)
	}
	return b.String()
}

// shareArtifacts makes the files checks wrote readable by all, as other
// output files are: a temporary file is created 0600.
func shareArtifacts(cs []CheckResult) {
	for _, c := range cs {
		if c.Artifact != "" {
			_ = os.Chmod(c.Artifact, 0o644)
		}
	}
}
