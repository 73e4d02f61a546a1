package benchpair

import (
	"runtime"
	"slices"
	"time"
)

// Result is what Run measured.
type Result struct {
	A, B  time.Duration // total time of each side
	Ops   int           // operations each side ran
	Ratio float64       // median over the rounds of B's time / A's time
}

// ANsPerOp and BNsPerOp return each side's mean time per operation.
func (r Result) ANsPerOp() float64 { return float64(r.A.Nanoseconds()) / float64(max(r.Ops, 1)) }

// BNsPerOp is ANsPerOp for side B.
func (r Result) BNsPerOp() float64 { return float64(r.B.Nanoseconds()) / float64(max(r.Ops, 1)) }

// Lock locks the calling goroutine to its thread, as Run needs; call the
// function it returns when done.
func Lock() (unlock func()) {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// Run runs a and b alternately, round operations at a time, until each has
// run ops operations. a(k) and b(k) must each run k operations.
//
// The caller's goroutine must be locked to its thread
// (runtime.LockOSThread), so that the thread's CPU time is the
// goroutine's; lock it before creating coroutines (iter.Pull) that a or b
// switch to, since a coroutine must run under the locking it was created
// with.
func Run(ops, round int, a, b func(k int)) Result {
	now := threadCPU
	round = max(round, 1)
	res := Result{Ops: ops}
	ratios := make([]float64, 0, ops/round+1)
	for done := 0; done < ops; {
		k := min(round, ops-done)
		t0 := now()
		a(k)
		t1 := now()
		b(k)
		t2 := now()
		res.A += t1 - t0
		res.B += t2 - t1
		if t1 > t0 {
			ratios = append(ratios, float64(t2-t1)/float64(t1-t0))
		}
		done += k
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		res.Ratio = ratios[len(ratios)/2]
	}
	return res
}
