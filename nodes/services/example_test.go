package services_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/sim"
)

// An M/M/1 queue at 50% utilization: the mean response time is close to
// the 20 ms of queueing theory.
func Example() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 2, network.Link{})
	rt := nodes.NewRuntime(w, net)
	st := services.NewStats(w.Metrics, "")
	server, _ := rt.Add(func(nodes.NodeID) nodes.Node {
		return services.NewServer(services.ServerConfig{Workers: 1, MaxQueue: services.Unbounded,
			Service: services.Exp(10 * time.Millisecond), Attempts: st.Attempts})
	})
	_, _ = rt.Add(func(nodes.NodeID) nodes.Node {
		return services.NewClient(services.ClientConfig{
			Caller: services.CallerConfig{To: server, Stats: st},
			Open:   &services.Profile{Kind: services.Steady, Rate: 50}, Stop: 200 * time.Second,
		})
	})
	_ = w.Run()
	fmt.Printf("requests %.0f, all succeeded: %v, mean response ≈ %.0f ms\n",
		st.Requests.Value(), st.Succeeded.Value() == st.Requests.Value(), st.Latency.Mean())
	// Output: requests 9923, all succeeded: true, mean response ≈ 20 ms
}
