package benchpair

import "time"

var start = time.Now()

// wall returns the monotonic time since the package started.
func wall() time.Duration { return time.Since(start) }
