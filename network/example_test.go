package network_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/sim"
)

// printer is a Receiver that prints what it gets.
type printer struct{ w *sim.World }

func (p printer) Receive(m *network.Message) bool {
	fmt.Printf("%v %s -> %s: %v\n", p.w.Now(), network.Name(m.From), network.Name(m.To), m.Payload)
	return true
}

// A one-way partition: n1 still hears n2, but n2 no longer hears n1.
func Example_oneWayPartition() {
	w := sim.New(1, sim.Options{})
	nw, err := network.New(w, 2, network.Link{Latency: network.Const(2 * time.Millisecond)})
	if err != nil {
		panic(err)
	}
	nw.SetReceiver(printer{w})
	g, err := network.OneWay(2, []network.NodeID{0}, []network.NodeID{1})
	if err != nil {
		panic(err)
	}
	if err := nw.SetGrudge(g, "n1 -/-> n2"); err != nil {
		panic(err)
	}
	nw.Send(0, 1, "ping", 64)
	nw.Send(1, 0, "pong", 64)
	if err := w.Run(); err != nil {
		panic(err)
	}
	for _, lc := range nw.LinkCosts() {
		fmt.Printf("%s sent=%d delivered=%d dropped_partition=%d\n",
			network.LinkName(lc.From, lc.To), lc.Sent, lc.Delivered, lc.Dropped[network.CausePartition])
	}
	// Output:
	// 2ms n2 -> n1: pong
	// n1-n2 sent=1 delivered=0 dropped_partition=1
	// n2-n1 sent=1 delivered=1 dropped_partition=0
}

// A link spec, as a scenario's `net` or `link.n1-n2` parameter takes it.
func ExampleParseLink() {
	l, err := network.ParseLink("latency=normal:10ms,2ms,loss=0.01,bandwidth=1000000,queue=65536")
	fmt.Println(l, err)
	_, err = network.ParseLink("loss=1.5")
	fmt.Println(err)
	slow, _ := l.Override("latency=200ms")
	fmt.Println(slow)
	// Output:
	// latency=normal:10ms,2ms,loss=0.01,bandwidth=1000000,queue=65536 <nil>
	// link spec "loss=1.5": loss: "1.5": want a probability in [0, 1]
	// latency=200ms,loss=0.01,bandwidth=1000000,queue=65536
}

// Each node of a majority ring hears a majority, and no two the same one.
func ExampleMajorityRing() {
	g, _ := network.MajorityRing(5)
	fmt.Print(g.Matrix(5))
	// Output:
	//    n1 n2 n3 n4 n5
	// n1  -  #  .  .  #
	// n2  #  -  #  .  .
	// n3  .  #  -  #  .
	// n4  .  .  #  -  #
	// n5  #  .  .  #  -
}

// Bandwidth and a bounded queue: 1000-byte messages on a 1000 B/s link
// whose queue holds 2000 bytes.
func ExampleLink_bandwidth() {
	w := sim.New(1, sim.Options{})
	nw, _ := network.New(w, 2, network.Link{BandwidthBytesPerSec: 1000, QueueBytes: 2000})
	nw.SetReceiver(printer{w})
	for i := range 3 {
		nw.Send(0, 1, i, 1000)
	}
	_ = w.Run()
	fmt.Println("queue_full drops:", nw.Stats(0, 1).Dropped[network.CauseQueueFull])
	// Output:
	// 1s n1 -> n2: 0
	// 2s n1 -> n2: 1
	// queue_full drops: 1
}

// Hold a link, look at what waits on it, and release it out of order.
func ExampleNetwork_Hold() {
	w := sim.New(1, sim.Options{})
	nw, _ := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	nw.SetReceiver(printer{w})
	_ = nw.Hold(0, 1)
	first := nw.Send(0, 1, "attempt 1", 10)
	retry := nw.Send(0, 1, "attempt 2", 10)
	_ = w.RunUntil(sim.At(10 * time.Millisecond))
	fmt.Println("held:", len(nw.Held(0, 1)))
	_ = nw.ReleaseOne(0, 1, retry)
	_ = w.RunUntil(sim.At(20 * time.Millisecond))
	_ = nw.ReleaseOne(0, 1, first)
	_ = w.Run()
	// Output:
	// held: 2
	// 10ms n1 -> n2: attempt 2
	// 20ms n1 -> n2: attempt 1
}

// A fault rule aimed at one kind of message, removed by its undo function.
func ExampleNetwork_AddRule() {
	w := sim.New(1, sim.Options{})
	nw, _ := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	nw.SetReceiver(printer{w})
	undo := nw.AddRule(func(m *network.Message) network.Verdict {
		switch m.Payload {
		case "commit":
			return network.Drop
		case "prepare":
			return network.Delay(5 * time.Millisecond)
		}
		return network.Pass
	})
	nw.Send(0, 1, "prepare", 10)
	nw.Send(0, 1, "commit", 10)
	nw.Send(0, 1, "abort", 10)
	_ = w.Run()
	undo()
	nw.Send(0, 1, "commit", 10)
	_ = w.Run()
	fmt.Println("dropped by rule:", nw.Totals().Dropped[network.CauseRule])
	// Output:
	// 1ms n1 -> n2: abort
	// 6ms n1 -> n2: prepare
	// 7ms n1 -> n2: commit
	// dropped by rule: 1
}
