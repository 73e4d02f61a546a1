package services

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

func TestParseDist(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Dist
		ok   bool
	}{
		{"10ms", Exp(10 * time.Millisecond), true},
		{"exp:10ms", Exp(10 * time.Millisecond), true},
		{"const:5ms", Dist{Kind: Constant, Mean: 5 * time.Millisecond}, true},
		{"lognormal:10ms,0.5", Dist{Kind: LogNormal, Mean: 10 * time.Millisecond, Sigma: 0.5}, true},
		{"bimodal:5ms,200ms,0.05", Dist{Kind: Bimodal, Mean: 5 * time.Millisecond, Slow: 200 * time.Millisecond, SlowProb: 0.05}, true},
		{"bimodal:5ms,200ms,2", Dist{}, false},
		{"pareto:1ms,2", Dist{}, false},
		{"exp:-1ms", Dist{}, false},
		{"exp:", Dist{}, false},
	} {
		got, err := ParseDist(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseDist(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.ok {
			if back, err := ParseDist(got.String()); err != nil || back != got {
				t.Errorf("round trip of %q: %+v, %v", tc.in, back, err)
			}
		}
	}
}

// TestDistMoments: sample means and quantiles agree with the formulas.
func TestDistMoments(t *testing.T) {
	rng := sim.NewStream(1, "test")
	for _, d := range []Dist{Exp(10 * time.Millisecond), {Kind: Constant, Mean: time.Millisecond},
		{Kind: LogNormal, Mean: 10 * time.Millisecond, Sigma: 0.5}, {Kind: Bimodal, Mean: time.Millisecond, Slow: 100 * time.Millisecond, SlowProb: 0.1}} {
		var h sim.Histogram
		const n = 200_000
		for range n {
			h.ObserveDuration(d.Sample(rng))
		}
		mean := float64(d.MeanDuration()) / 1e6
		if math.Abs(h.Mean()-mean) > 0.02*mean {
			t.Errorf("%v: sample mean %.4fms, want %.4fms", d, h.Mean(), mean)
		}
		q := float64(d.Quantile(0.99)) / 1e6
		if d.Kind != Bimodal && math.Abs(h.Quantile(0.99)-q) > 0.05*q {
			t.Errorf("%v: sample p99 %.4fms, want %.4fms", d, h.Quantile(0.99), q)
		}
	}
}

func TestParseProfile(t *testing.T) {
	p, err := ParseProfile("spike:300@20s+5s", 100)
	if err != nil || p.RateAt(19*time.Second) != 100 || p.RateAt(21*time.Second) != 300 || p.RateAt(25*time.Second) != 100 {
		t.Fatalf("spike: %+v %v", p, err)
	}
	p, err = ParseProfile("ramp:200@10s+10s", 100)
	if err != nil || p.RateAt(15*time.Second) != 150 || p.RateAt(time.Minute) != 200 || p.MaxRate() != 200 {
		t.Fatalf("ramp: %+v %v", p, err)
	}
	for _, bad := range []string{"step", "step:x@1s", "spike:10@1s", "bogus:1@1s", "steady:1"} {
		if _, err := ParseProfile(bad, 1); err == nil {
			t.Errorf("ParseProfile(%q) accepted", bad)
		}
	}
}

// TestLevelSeries: a level held across steps repeats, and each step
// reports its maximum.
func TestLevelSeries(t *testing.T) {
	m := sim.NewMetrics()
	l := NewLevel(m, "q")
	l.Set(sim.At(100*time.Millisecond), 5)
	l.Set(sim.At(200*time.Millisecond), 2)
	l.Set(sim.At(3500*time.Millisecond), 7)
	l.Flush(sim.At(4 * time.Second))
	var got []float64
	for _, p := range m.Series("q", sim.SeriesMax, SeriesStep).Points(sim.At(4 * time.Second)) {
		got = append(got, p.V)
	}
	want := []float64{5, 2, 2, 7}
	if len(got) < 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// world runs one client against one server and returns the stats and the
// trace hash.
func world(t interface{ Fatal(...any) }, seed uint64, sc ServerConfig, pl *pipeline.Config, rate float64) (*Stats, uint64) {
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	st := NewStats(w.Metrics, "")
	sc.Attempts = st.Attempts
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return NewServer(sc) }); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node {
		return NewClient(ClientConfig{Caller: CallerConfig{To: 0, Stats: st, Pipeline: pl},
			Open: &Profile{Kind: Steady, Rate: rate}, Stop: 5 * time.Second})
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	return st, w.TraceHash()
}

func TestDeterminism(t *testing.T) {
	pl := &pipeline.Config{}
	for _, kv := range [][2]string{{"retry.max_attempts", "3"}, {"timeout.per_attempt", "30ms"}, {"breaker.failure_threshold", "5"}} {
		if err := pl.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	sc := ServerConfig{Workers: 2, MaxQueue: 10, Service: Exp(10 * time.Millisecond), ErrorRate: 0.1}
	_, a := world(t, 7, sc, pl, 150)
	_, b := world(t, 7, sc, pl, 150)
	_, c := world(t, 8, sc, pl, 150)
	if a != b || a == c {
		t.Fatalf("hashes %x %x %x", a, b, c)
	}
}

// TestConservationProperty: whatever the server and pipeline, every
// request ends once, and attempts reaching the server never fall below the
// requests that succeeded.
func TestConservationProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pl := &pipeline.Config{}
		maxAttempts := 1
		if rapid.Bool().Draw(rt, "retry") {
			maxAttempts = rapid.SampledFrom([]int{1, 2, 4}).Draw(rt, "attempts")
			_ = pl.Set("retry.max_attempts", fmt.Sprint(maxAttempts))
		}
		if rapid.Bool().Draw(rt, "timeout") {
			_ = pl.Set("timeout.per_attempt", rapid.SampledFrom([]string{"5ms", "20ms", "100ms"}).Draw(rt, "per_attempt"))
		}
		if rapid.Bool().Draw(rt, "breaker") {
			_ = pl.Set("breaker.failure_threshold", "3")
		}
		sc := ServerConfig{
			Workers:       rapid.IntRange(1, 4).Draw(rt, "workers"),
			MaxQueue:      rapid.IntRange(-1, 5).Draw(rt, "queue"),
			Service:       Exp(time.Duration(rapid.IntRange(1, 30).Draw(rt, "service_ms")) * time.Millisecond),
			ErrorRate:     rapid.Float64Range(0, 0.5).Draw(rt, "error_rate"),
			CheckDeadline: rapid.Bool().Draw(rt, "check_deadline"),
		}
		st, _ := world(rt, rapid.Uint64().Draw(rt, "seed"), sc, pl, 50)
		if st.InFlight() != 0 {
			rt.Fatalf("%v requests never ended", st.InFlight())
		}
		if st.Succeeded.Value() > st.Attempts.Value() {
			rt.Fatalf("%v succeeded > %v attempts", st.Succeeded.Value(), st.Attempts.Value())
		}
		if st.Rejected.Value()+st.TimedOut.Value() > st.Failed.Value() {
			rt.Fatalf("rejected + timed_out > failed")
		}
		if st.MostAttempts > maxAttempts || st.Attempts.Value() > 0 && st.MostAttempts < 1 {
			rt.Fatalf("a request sent %d attempts, want 1 to %d (%v reached the server)", st.MostAttempts, maxAttempts, st.Attempts.Value())
		}
	})
}

// MostAttempts counts what goes on the wire: every call fails, so every
// request sends all its attempts, and no more.
func TestMostAttemptsCountsSends(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		pl := &pipeline.Config{}
		if err := pl.Set("retry.max_attempts", fmt.Sprint(n)); err != nil {
			t.Fatal(err)
		}
		if err := pl.Set("retry.retry_on", "internal"); err != nil {
			t.Fatal(err)
		}
		if err := pl.Set("backoff.base", "1ms"); err != nil {
			t.Fatal(err)
		}
		sc := ServerConfig{Workers: 4, MaxQueue: Unbounded, Service: Exp(time.Millisecond), ErrorRate: 1}
		st, _ := world(t, 1, sc, pl, 20)
		if st.MostAttempts != n {
			t.Errorf("max_attempts %d: MostAttempts %d", n, st.MostAttempts)
		}
	}
}
