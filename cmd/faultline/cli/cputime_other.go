//go:build !unix

package cli

import "time"

// processCPU cannot tell the process's CPU time on this system.
func processCPU() time.Duration { return -1 }
