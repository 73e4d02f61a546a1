package nodes_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/sim"
)

// watchdog fires one timeout and reports when.
type watchdog struct{ timeout time.Duration }

func (d *watchdog) Start(env *nodes.Env) { env.SetTimer(d.timeout, nil) }

func (d *watchdog) Receive(*nodes.Env, nodes.NodeID, any) {}

func (d *watchdog) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	fmt.Printf("%s timed out at %v\n", env.Name(), env.TrueNow())
}

// Nodes of one run can have different configurations: the constructor
// receives the node's id. Here n3 (id 2) runs an older configuration
// with a longer timeout, and its clock runs 1000 ppm fast.
func Example_perNodeConfiguration() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 3, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	for range 3 {
		rt.Add(func(id nodes.NodeID) nodes.Node {
			if id == 2 {
				return &watchdog{timeout: 500 * time.Millisecond}
			}
			return &watchdog{timeout: 100 * time.Millisecond}
		})
	}
	rt.SetClock(2, 0, 1000)
	_ = w.Run()
	// Output:
	// n1 timed out at 100ms
	// n2 timed out at 100ms
	// n3 timed out at 499.500499ms
}
