package network

import (
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

// TestCountersAddUp runs random operations with random link parameters and
// checks after each step that every message is accounted for, per link and
// in total: Sent + Duplicated = Delivered + ΣDropped + InFlight + Held.
func TestCountersAddUp(t *testing.T) {
	prob := rapid.SampledFrom([]float64{0, 0, 0.1, 0.5, 1})
	genLink := rapid.Custom(func(t *rapid.T) Link {
		l := Link{
			Latency:   Dist{Kind: Uniform, Max: time.Duration(rapid.IntRange(0, 20).Draw(t, "lat_ms")) * time.Millisecond},
			Loss:      prob.Draw(t, "loss"),
			Duplicate: prob.Draw(t, "dup"),
			Reorder:   prob.Draw(t, "reorder"),
			Corrupt:   prob.Draw(t, "corrupt"),
		}
		if rapid.Bool().Draw(t, "bw") {
			l.BandwidthBytesPerSec = int64(rapid.IntRange(1000, 100_000).Draw(t, "bandwidth"))
			l.QueueBytes = int64(rapid.IntRange(0, 5000).Draw(t, "queue"))
		}
		return l
	})
	rapid.Check(t, func(t *rapid.T) {
		const n = 4
		w := sim.New(rapid.Uint64().Draw(t, "seed"), sim.Options{})
		nw, err := New(w, n, genLink.Draw(t, "defaults"))
		if err != nil {
			t.Fatal(err)
		}
		r := &recv{w: w, down: map[NodeID]bool{}}
		nw.SetReceiver(r)
		node := rapid.Int32Range(0, n-1)
		var undos []func()
		t.Repeat(map[string]func(*rapid.T){
			"send": func(t *rapid.T) {
				nw.Send(NodeID(node.Draw(t, "from")), NodeID(node.Draw(t, "to")), nil, rapid.IntRange(0, 3000).Draw(t, "size"))
			},
			"burst": func(t *rapid.T) {
				from, to := node.Draw(t, "from"), node.Draw(t, "to")
				for range 20 {
					nw.Send(NodeID(from), NodeID(to), nil, 500)
				}
			},
			"run": func(t *rapid.T) {
				d := time.Duration(rapid.IntRange(0, 50).Draw(t, "ms")) * time.Millisecond
				if err := w.RunUntil(w.Now().Add(d)); err != nil {
					t.Fatal(err)
				}
			},
			"set_link": func(t *rapid.T) {
				if err := nw.SetLink(NodeID(node.Draw(t, "from")), NodeID(node.Draw(t, "to")), genLink.Draw(t, "link")); err != nil {
					t.Fatal(err)
				}
			},
			"partition": func(t *rapid.T) {
				g, err := Split(n, []NodeID{0, 1}, []NodeID{2})
				if err != nil {
					t.Fatal(err)
				}
				_ = nw.SetGrudge(g, "")
			},
			"heal": func(*rapid.T) { nw.Heal() },
			"down": func(t *rapid.T) { id := node.Draw(t, "id"); r.down[NodeID(id)] = !r.down[NodeID(id)] },
			"clog": func(t *rapid.T) {
				_ = nw.Clog(NodeID(node.Draw(t, "from")), NodeID(node.Draw(t, "to")), 4, 30*time.Millisecond)
			},
			"hold":    func(t *rapid.T) { _ = nw.Hold(NodeID(node.Draw(t, "from")), NodeID(node.Draw(t, "to"))) },
			"release": func(t *rapid.T) { nw.ReleaseAll(NodeID(node.Draw(t, "from")), NodeID(node.Draw(t, "to"))) },
			"release_one": func(t *rapid.T) {
				from, to := node.Draw(t, "from"), node.Draw(t, "to")
				if h := nw.Held(NodeID(from), NodeID(to)); len(h) > 0 {
					if err := nw.ReleaseOne(NodeID(from), NodeID(to), h[len(h)-1].ID); err != nil {
						t.Fatal(err)
					}
				}
			},
			"rule": func(t *rapid.T) {
				v := rapid.SampledFrom([]Verdict{Pass, Drop, Delay(5 * time.Millisecond)}).Draw(t, "verdict")
				to := NodeID(node.Draw(t, "to"))
				undos = append(undos, nw.AddRule(func(m *Message) Verdict {
					if m.To == to {
						return v
					}
					return Pass
				}))
			},
			"undo": func(*rapid.T) {
				if len(undos) > 0 {
					undos[0]()
					undos = undos[1:]
				}
			},
			"": func(t *rapid.T) {
				for _, lc := range nw.LinkCosts() {
					balanced(t, LinkName(lc.From, lc.To), lc.LinkStats)
				}
				tot := nw.Totals()
				balanced(t, "totals", tot)
				if tot.InFlight != uint64(nw.InFlight()) {
					t.Fatalf("in flight: links say %d, network %d", tot.InFlight, nw.InFlight())
				}
				if int(tot.Delivered) != len(r.got) {
					t.Fatalf("delivered %d, receiver got %d", tot.Delivered, len(r.got))
				}
			},
		})
	})
}
