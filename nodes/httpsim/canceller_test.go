package httpsim_test

import (
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/patterns/httpmw"
)

// The world's scheduler must offer its own WithCancel: httpmw falls back
// to context.WithCancel, whose cancel a waiting process does not see.
var (
	_ httpmw.Scheduler = (*httpsim.NetClock)(nil)
	_ httpmw.Canceller = (*httpsim.NetClock)(nil)
)
