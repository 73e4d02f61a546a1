//go:build unix

package httpsim_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, every thread (the
// garbage collector's too): on a machine shared with other work it
// measures what a batch cost, where wall time also counts the waits for
// a core.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
