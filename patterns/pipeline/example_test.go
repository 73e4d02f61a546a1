package pipeline_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/retry"
)

// A fake driver: the server times out on the first attempt and answers the
// second after 20ms. Timers and results are delivered in time order.
func Example() {
	var cfg pipeline.Config
	for _, kv := range [][2]string{{"timeout.per_attempt", "100ms"}, {"retry.backoff", "constant"}, {"backoff.base", "50ms"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			panic(err)
		}
	}
	p, _ := pipeline.New(cfg, rand.New(rand.NewPCG(1, 2)))
	req := p.NewRequest()

	type result struct {
		at      time.Duration
		attempt int
		o       pipeline.Outcome
	}
	var pending []result // attempts on the wire
	var wakeAt time.Duration
	d := req.Start(0)
	now := time.Duration(0)
	for !d.Done {
		for _, s := range d.Send {
			fmt.Println(now, "send attempt", s.Attempt, "timeout", s.Timeout)
			if s.Attempt == 1 {
				pending = append(pending, result{now + s.Timeout, 1, pipeline.Outcome{Class: retry.Timeout}})
			} else {
				pending = append(pending, result{now + 20*time.Millisecond, s.Attempt, pipeline.Outcome{OK: true}})
			}
		}
		if d.HasWake {
			wakeAt = d.WakeAt
		}
		if len(pending) > 0 && (!d.HasWake || pending[0].at <= wakeAt) {
			r := pending[0]
			pending = pending[1:]
			now = r.at
			d = req.OnResult(now, r.attempt, r.o)
		} else {
			now = wakeAt
			fmt.Println(now, "timer")
			d = req.OnTimer(now)
		}
	}
	fmt.Println(now, d.Result.Status, "after", d.Result.Attempts, "attempts")
	// Output:
	// 0s send attempt 1 timeout 100ms
	// 150ms timer
	// 150ms send attempt 2 timeout 100ms
	// 170ms success after 2 attempts
}
