package services_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/ratelimit"
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

// A server composed by hand from stages, as net/http handlers wrap each
// other: a token bucket at the door, then a pool of two workers with a
// queue of ten, 10 ms of work each, and an OK reply. Offered 200 calls/s
// for 10 s, the bucket admits 100 a second and the rest are rejected at
// once, so the pool is never full.
func ExampleNewStackServer() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 2, network.Link{})
	rt := nodes.NewRuntime(w, net)
	st := services.NewStats(w.Metrics, "")
	server, _ := rt.Add(func(nodes.NodeID) nodes.Node {
		stack := services.NewRateLimit(ratelimit.Config{RatePerSec: 100, Burst: 10},
			services.NewPool(services.PoolConfig{Workers: 2, MaxQueue: 10},
				services.NewWork(services.WorkConfig{Service: services.Exp(10 * time.Millisecond)},
					services.NewWait(
						services.NewRespond(nil)))))
		return services.NewStackServer(services.HostConfig{Prefix: "server_", Attempts: st.Attempts}, stack)
	})
	_, _ = rt.Add(func(nodes.NodeID) nodes.Node {
		return services.NewClient(services.ClientConfig{
			Caller: services.CallerConfig{To: server, Stats: st},
			Open:   &services.Profile{Kind: services.Steady, Rate: 200}, Stop: 10 * time.Second,
		})
	})
	_ = w.Run()
	m := w.Metrics.Snapshot(w.Now())
	fmt.Printf("requests %.0f: succeeded %.0f, rate limited %.0f, shed by the pool %.0f\n",
		st.Requests.Value(), st.Succeeded.Value(), m["server_rate_limited"], m["server_shed"])
	// Output: requests 1976: succeeded 1008, rate limited 968, shed by the pool 0
}
