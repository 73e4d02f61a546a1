package faults_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/sim"
)

func ExampleParse() {
	s, err := faults.Parse(`
# n2 is down for 3s; a partition starts while it is down
at 1s crash n2 for 3s
at 2s partition n1,n2|n3 for 5s
at 5s   loss * 0.2 for 1s`, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	_, err = faults.Parse("at 1s crash n4", 3)
	fmt.Println(err)
	// Output:
	// at 1s crash n2 for 3s
	// at 2s partition n1,n2 | n3 for 5s
	// at 5s loss * 0.2 for 1s
	// line 1: unknown node "n4": the cluster has 3 nodes (accepted: n1..n3)
}

type idle struct{}

func (idle) Start(*nodes.Env)                      {}
func (idle) Receive(*nodes.Env, nodes.NodeID, any) {}
func (idle) Timer(*nodes.Env, nodes.TimerID, any)  {}

func ExampleApply() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 3, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	for range 3 {
		rt.Add(func(nodes.NodeID) nodes.Node { return idle{} })
	}
	s := faults.MustParse("at 1s crash n2 for 3s\nat 2s isolate n3 for 1s", 3)
	if _, err := faults.Apply(s, rt, net); err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range []time.Duration{1500 * time.Millisecond, 2500 * time.Millisecond, 5 * time.Second} {
		_ = w.RunUntil(sim.At(t))
		fmt.Printf("%v: n2 up %v, n1 hears n3 %v\n", t, rt.Up(1), net.Reachable(2, 0))
	}
	// Output:
	// 1.5s: n2 up false, n1 hears n3 true
	// 2.5s: n2 up false, n1 hears n3 false
	// 5s: n2 up true, n1 hears n3 true
}

func ExampleGenerate() {
	p, _ := faults.Generate(sim.NewStream(7, "faults"), faults.NemesisOptions{Nodes: 3, Duration: 2 * time.Second, Kinds: []faults.Kind{faults.Crash, faults.Partition}})
	fmt.Println(p.Describe()[0])
	fmt.Print(p.Schedule)
	// Output:
	// nemesis.kinds = partition,crash
	// at 184ms crash n1 for 1.378s
	// at 1.926s crash n1 for 74ms
	// at 2s heal
}

type release string

func (release) Start(*nodes.Env)                      {}
func (release) Receive(*nodes.Env, nodes.NodeID, any) {}
func (release) Timer(*nodes.Env, nodes.TimerID, any)  {}

// A rolling upgrade: one node every 2s moves to v2, and a spare joins.
func ExampleApply_rollingUpgrade() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 4, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	_ = rt.DefineVersion("v1", func(nodes.NodeID) nodes.Node { return release("v1") })
	_ = rt.DefineVersion("v2", func(nodes.NodeID) nodes.Node { return release("v2") })
	for range 3 {
		_, _ = rt.AddVersion("v1")
	}
	_, _ = rt.AddSpare(func(nodes.NodeID) nodes.Node { return release("spare") })
	s := faults.MustParse("at 1s upgrade n1,n2,n3 to v2 every 2s\nat 4s join n4 as v2", 4)
	if _, err := faults.Apply(s, rt, net); err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 4 * time.Second, 6 * time.Second} {
		_ = w.RunUntil(sim.At(t))
		fmt.Printf("%v:", t)
		for id := range nodes.NodeID(4) {
			if rt.Up(id) {
				fmt.Printf(" %s=%s", network.Name(id), rt.Node(id))
			}
		}
		fmt.Println()
	}
	// Output:
	// 500ms: n1=v1 n2=v1 n3=v1
	// 2s: n1=v2 n2=v1 n3=v1
	// 4s: n1=v2 n2=v2 n3=v1 n4=v2
	// 6s: n1=v2 n2=v2 n3=v2 n4=v2
}
