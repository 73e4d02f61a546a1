package services

import (
	"math"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

// TestRateLimitAdmission: the server admits at most rate·t + capacity
// calls, rejects the rest as overloaded without queueing them, and admits
// all of a load well under its rate.
func TestRateLimitAdmission(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rl        ratelimit.Config
		rate      float64 // offered, per second
		wantLimit bool    // some calls are rate limited
	}{
		{"bursty over the limit", ratelimit.Config{RatePerSec: 50, Burst: 10}, 200, true},
		{"smooth over the limit", ratelimit.Config{RatePerSec: 50, Mode: ratelimit.Smooth}, 200, true},
		{"bursty well under the limit", ratelimit.Config{RatePerSec: 500, Burst: 50}, 50, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rl := tc.rl
			sc := ServerConfig{Prefix: "server_", Workers: 4, MaxQueue: Unbounded, Service: Exp(time.Millisecond), RateLimit: &rl}
			st, _ := world(t, 3, sc, nil, tc.rate)
			m := st.m.Snapshot(sim.At(6 * time.Second))
			limited, arrivals := m["server_rate_limited"], st.Attempts.Value()
			admitted := arrivals - limited
			bound := tc.rl.RatePerSec*5 + float64(max(tc.rl.Burst, 1))
			if admitted > bound {
				t.Fatalf("admitted %v calls in 5s, want ≤ %v", admitted, bound)
			}
			if (limited > 0) != tc.wantLimit {
				t.Fatalf("rate_limited %v, want some: %v", limited, tc.wantLimit)
			}
			if st.Rejected.Value() != limited || st.Succeeded.Value() != admitted {
				t.Fatalf("rejected %v succeeded %v, want %v and %v", st.Rejected.Value(), st.Succeeded.Value(), limited, admitted)
			}
		})
	}
}

// TestRateLimitBoundProperty: whatever the limit and the load, admitted
// calls never exceed rate·t + capacity.
func TestRateLimitBoundProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rl := ratelimit.Config{
			RatePerSec: rapid.Float64Range(5, 200).Draw(rt, "rate_per_sec"),
			Burst:      rapid.IntRange(1, 30).Draw(rt, "burst"),
			Mode:       rapid.SampledFrom([]ratelimit.Mode{ratelimit.Bursty, ratelimit.Smooth}).Draw(rt, "mode"),
		}
		sc := ServerConfig{Prefix: "server_", Workers: 2, MaxQueue: Unbounded, Service: Exp(time.Millisecond), RateLimit: &rl}
		st, _ := world(rt, rapid.Uint64().Draw(rt, "seed"), sc, nil, rapid.Float64Range(1, 300).Draw(rt, "offered"))
		capacity := float64(rl.Burst)
		if rl.Mode == ratelimit.Smooth {
			capacity = 1
		}
		admitted := st.Attempts.Value() - st.m.Snapshot(sim.At(6 * time.Second))["server_rate_limited"]
		if bound := math.Ceil(rl.RatePerSec*5) + capacity; admitted > bound {
			rt.Fatalf("admitted %v, want ≤ %v", admitted, bound)
		}
	})
}

func TestRateLimitValidate(t *testing.T) {
	bad := ServerConfig{RateLimit: &ratelimit.Config{RatePerSec: -1}}
	if err := bad.Validate(); err == nil {
		t.Fatal("negative rate accepted")
	}
}

// TestResultLatency: every Result carries its request's latency, the
// same the latency histogram records.
func TestResultLatency(t *testing.T) {
	w := sim.New(1, sim.Options{})
	net, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	st := NewStats(w.Metrics, "")
	var sumMs float64
	n := 0
	_, _ = rt.Add(func(nodes.NodeID) nodes.Node {
		return NewServer(ServerConfig{Workers: 1, MaxQueue: Unbounded, Service: Exp(5 * time.Millisecond)})
	})
	_, _ = rt.Add(func(nodes.NodeID) nodes.Node {
		return NewClient(ClientConfig{Caller: CallerConfig{To: 0, Stats: st}, Users: 3, Think: Exp(10 * time.Millisecond), Stop: 2 * time.Second,
			OnResult: func(_ int, r Result) {
				if r.Latency < 2*time.Millisecond {
					t.Errorf("latency %v below the 2ms round trip", r.Latency)
				}
				sumMs += float64(r.Latency) / 1e6
				n++
			}})
	})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != st.Latency.Count() || math.Abs(sumMs/float64(n)-st.Latency.Mean()) > 1e-9 {
		t.Fatalf("%d results, mean %.4fms; histogram %d, mean %.4fms", n, sumMs/float64(n), st.Latency.Count(), st.Latency.Mean())
	}
}
