//go:build !linux

package benchpair

import "time"

// threadCPU falls back to the monotonic wall clock.
func threadCPU() time.Duration { return wall() }
