//go:build !unix

package httpsim_test

import "time"

// cpuTime has no portable source here: CPU ratios read 0.
func cpuTime() time.Duration { return 0 }
