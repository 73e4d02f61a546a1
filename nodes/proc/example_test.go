package proc_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// A client written as ordinary sequential code: it calls a server,
// retrying after a timeout, while the network loses a quarter of the
// messages. The server is a process too; it could as well be an event
// handler that answers each *proc.Request with a *proc.Response.
func Example() {
	w := sim.New(5, sim.Options{})
	net, _ := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond), Loss: 0.25})
	rt := nodes.NewRuntime(w, net)
	var g proc.Group
	defer g.Close() // no coroutine outlives the run

	rt.Add(g.Constructor(func(p *proc.P) { // n1: doubles what it gets
		for {
			from, msg := p.Recv()
			req := msg.(*proc.Request)
			p.Reply(from, req, 2*req.Body.(int))
		}
	}))
	rt.Add(g.Constructor(func(p *proc.P) { // n2: the client
		for i := 1; i <= 3; i++ {
			for attempt := 1; ; attempt++ {
				resp, err := p.Call(0, i, 10*time.Millisecond)
				if err != nil {
					fmt.Printf("%v: call %d attempt %d: %v\n", p.Now(), i, attempt, err)
					continue
				}
				fmt.Printf("%v: call %d attempt %d: %v\n", p.Now(), i, attempt, resp)
				break
			}
		}
	}))
	_ = w.Run()
	// Output:
	// 10ms: call 1 attempt 1: proc: call timed out
	// 12ms: call 1 attempt 2: 2
	// 14ms: call 2 attempt 1: 4
	// 24ms: call 3 attempt 1: proc: call timed out
	// 26ms: call 3 attempt 2: 6
}
