package services

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/sim"
)

// stackCase is a server with every stage switched on, in front of a
// second server it calls as a dependency.
type stackCase struct {
	name string
	sc   ServerConfig
	// knobs runs at 1 s, 2 s and 3 s of a 4 s run.
	knobs func(s *Server, step int)
}

func stackCases() []stackCase {
	rl := ratelimit.Config{RatePerSec: 200, Burst: 20}
	sh := shed.Config{MaxQueue: 8, Order: shed.LIFO, TargetDelay: 5 * time.Millisecond}
	pl := &pipeline.Config{}
	_ = pl.Set("timeout.per_attempt", "20ms")
	_ = pl.Set("retry.max_attempts", "2")
	apply := func(c *Call, r *Reply) { r.Value = c.Value + 1 }
	full := ServerConfig{
		Prefix: "a_", Workers: 3, MaxQueue: 6, RateLimit: &rl, Service: Exp(4 * time.Millisecond),
		Slowdown: 0.2, CheckDeadline: true, ErrorRate: 0.05, ErrorClass: retry.Unavailable,
		ChaosErrorRate: 0.05, ChaosLatencyRate: 0.1, ChaosLatency: 3 * time.Millisecond,
		Deps: []Dep{{To: 1, Op: -1, Pipeline: pl}, {To: 1, Op: 7}}, Apply: apply,
	}
	shedded := full
	shedded.Shed, shedded.RateLimit = &sh, nil
	knobs := func(s *Server, step int) {
		switch step {
		case 1:
			s.SetSlow(2)
			s.SetHang(0.05)
		case 2:
			s.SetErrorRate(0.2)
			s.SetHang(0)
		case 3:
			s.SetSlow(1)
			s.SetBroken(true)
		}
	}
	return []stackCase{
		{name: "full", sc: full, knobs: knobs},
		{name: "shed", sc: shedded, knobs: knobs},
		{name: "plain", sc: ServerConfig{Prefix: "a_", MaxQueue: Unbounded, Service: Dist{Kind: Constant, Mean: 3 * time.Millisecond}}},
		{name: "chaos_delay_only", sc: ServerConfig{Prefix: "a_", Workers: 2, MaxQueue: 0, Service: Exp(3 * time.Millisecond),
			ChaosLatencyRate: 0.3, ChaosLatency: time.Millisecond}},
	}
}

// runStack runs a client at 250 calls/s against the case's server (node 0),
// which calls node 1, and returns the trace hash and the metrics.
func runStack(t testing.TB, seed uint64, c stackCase) (uint64, map[string]float64) {
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, 3, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	st := NewStats(w.Metrics, "")
	sc := c.sc
	sc.Attempts = st.Attempts
	a, err := rt.Add(func(nodes.NodeID) nodes.Node { return NewServer(sc) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node {
		return NewServer(ServerConfig{Prefix: "b_", Workers: 4, MaxQueue: Unbounded, Service: Exp(2 * time.Millisecond)})
	}); err != nil {
		t.Fatal(err)
	}
	pl := &pipeline.Config{}
	_ = pl.Set("timeout.per_attempt", "40ms")
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node {
		return NewClient(ClientConfig{Caller: CallerConfig{To: a, Stats: st, Pipeline: pl},
			Open: &Profile{Kind: Steady, Rate: 250}, Stop: 4 * time.Second})
	}); err != nil {
		t.Fatal(err)
	}
	if c.knobs != nil {
		for step := 1; step <= 3; step++ {
			w.Schedule(sim.At(time.Duration(step)*time.Second), sim.HandlerFunc(func(*sim.Event) {
				c.knobs(rt.Node(a).(*Server), step)
			}), sim.Event{Node: -1})
		}
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	rt.Node(a).(*Server).Finish(w.Now())
	return w.TraceHash(), w.Metrics.Snapshot(w.Now())
}

// TestStackGolden pins the trace hash and the server's metrics of each
// case. The values were recorded from the server before it was split into
// stages; a stage skipped, reordered, or drawing in another order changes
// them.
func TestStackGolden(t *testing.T) {
	want := map[string]string{
		"full":             "c76dab9f1127ee15 a_busy_max=3 a_busy_mean=2.0083541946619787 a_chaos_delays=77 a_chaos_errors=39 a_errors=56 a_expired=25 a_hung=12 a_queue_len_max=6 a_queue_len_mean=0.6856523422892132 a_rate_limited=212 a_served=735 a_shed=4 a_zombie=12 b_arrivals=483 b_busy_max=3 b_busy_mean=0.2347833588282246 b_errors=0 b_expired=0 b_hung=0 b_queue_len_max=0 b_queue_len_mean=0 b_served=483 b_shed=0 b_zombie=6",
		"shed":             "62de261b4dab0912 a_busy_max=3 a_busy_mean=2.1594979890632375 a_chaos_delays=84 a_chaos_errors=53 a_errors=65 a_expired=50 a_hung=17 a_queue_len_max=8 a_queue_len_mean=1.9875081918755049 a_served=817 a_shed=90 a_zombie=15 b_arrivals=530 b_busy_max=3 b_busy_mean=0.256593766953536 b_errors=0 b_expired=0 b_hung=0 b_queue_len_max=0 b_queue_len_mean=0 b_served=530 b_shed=0 b_zombie=8",
		"plain":            "8b89eb3bfb50f3a3 a_busy_max=1 a_busy_mean=0.7632952496446487 a_errors=0 a_expired=0 a_hung=0 a_queue_len_max=8 a_queue_len_mean=1.0601648676861688 a_served=1027 a_shed=0 a_zombie=0 b_arrivals=0 b_busy_max=0 b_busy_mean=0 b_errors=0 b_expired=0 b_hung=0 b_queue_len_max=0 b_queue_len_mean=0 b_served=0 b_shed=0 b_zombie=0",
		"chaos_delay_only": "6a14c8365196000c a_busy_max=2 a_busy_mean=0.7074857022889511 a_chaos_delays=266 a_chaos_errors=0 a_errors=0 a_expired=0 a_hung=0 a_queue_len_max=0 a_queue_len_mean=0 a_served=873 a_shed=154 a_zombie=0 b_arrivals=0 b_busy_max=0 b_busy_mean=0 b_errors=0 b_expired=0 b_hung=0 b_queue_len_max=0 b_queue_len_mean=0 b_served=0 b_shed=0 b_zombie=0",
	}
	for _, c := range stackCases() {
		h, m := runStack(t, 11, c)
		got := fmt.Sprintf("%016x %s", h, metricLine(m))
		w, ok := want[c.name]
		if ok && got != w {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, w)
		}
		if !ok {
			t.Logf("%q: %q,", c.name, got)
		}
	}
}

// metricLine renders the server metrics (a_ and b_) in name order.
func metricLine(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}) {
		if strings.HasPrefix(k, "a_") || strings.HasPrefix(k, "b_") {
			parts = append(parts, fmt.Sprintf("%s=%g", k, m[k]))
		}
	}
	return strings.Join(parts, " ")
}

// BenchmarkServerStack runs each golden case: one world of 4 s with about
// a thousand calls through the server's stack.
func BenchmarkServerStack(b *testing.B) {
	for _, c := range stackCases() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				runStack(b, 11, c)
			}
		})
	}
}
