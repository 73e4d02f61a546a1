//go:build !linux

package benchpair

import "time"

// now falls back to the monotonic wall clock.
func now() time.Duration { return wall() }
