package network

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParseLink(t *testing.T) {
	tests := []struct {
		spec string
		want Link
	}{
		{"", Link{}},
		{"latency=5ms", Link{Latency: Const(5 * time.Millisecond)}},
		{"latency=uniform:1ms-5ms,loss=0.01,dup=0.001,reorder=0.05,bandwidth=1000000,queue=65536,corrupt=0.001",
			Link{Latency: Dist{Kind: Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}, Loss: 0.01, Duplicate: 0.001,
				Reorder: 0.05, BandwidthBytesPerSec: 1_000_000, QueueBytes: 65536, Corrupt: 0.001}},
		{"latency=normal:10ms,2ms,loss=0.1", Link{Latency: Dist{Kind: Normal, Mean: 10 * time.Millisecond, Stddev: 2 * time.Millisecond}, Loss: 0.1}},
		{"loss=1, duplicate=0 ,reorder_delay=lognormal:3ms,0.5", Link{Loss: 1, ReorderDelay: Dist{Kind: LogNormal, Mean: 3 * time.Millisecond, Sigma: 0.5}}},
		{"latency=pareto:1ms,1.5", Link{Latency: Dist{Kind: Pareto, Min: time.Millisecond, Alpha: 1.5}}},
	}
	for _, tt := range tests {
		got, err := ParseLink(tt.spec)
		if err != nil {
			t.Errorf("ParseLink(%q): %v", tt.spec, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseLink(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
		back, err := ParseLink(got.String())
		if err != nil || back != got {
			t.Errorf("round trip of %q through %q: %+v, %v", tt.spec, got.String(), back, err)
		}
	}
}

func TestParseLinkErrors(t *testing.T) {
	tests := []struct {
		spec string
		want []string // substrings of the error
	}{
		{"loss=1.5", []string{"loss", "[0, 1]"}},
		{"loss=-0.1", []string{"loss", "[0, 1]"}},
		{"loss=NaN", []string{"loss", "[0, 1]"}},
		{"dup=2", []string{"dup", "[0, 1]"}},
		{"reorder=x", []string{"reorder", "[0, 1]"}},
		{"corrupt=1.01", []string{"corrupt", "[0, 1]"}},
		{"latency=-5ms", []string{"latency", "negative", "uniform:MIN-MAX"}},
		{"latency=uniform:5ms-1ms", []string{"latency", "below min"}},
		{"latency=fast", []string{"latency", "accepted"}},
		{"reorder_delay=zipf:1", []string{"reorder_delay", "unknown distribution"}},
		{"bandwidth=-1", []string{"bandwidth", "≥ 0"}},
		{"bandwidth=1.5", []string{"bandwidth", "integer"}},
		{"queue=100", []string{"queue", "needs a bandwidth"}},
		{"queue=-5,bandwidth=10", []string{"queue", "≥ 0"}},
		{"jitter=1ms", []string{"unknown field \"jitter\"", "latency, loss, dup"}},
		{"5ms", []string{"not FIELD=VALUE"}},
		{"loss=0.1,loss=0.2", []string{"\"loss\" given twice"}},
	}
	for _, tt := range tests {
		_, err := ParseLink(tt.spec)
		if err == nil {
			t.Errorf("ParseLink(%q) accepted", tt.spec)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseLink(%q) error %q lacks %q", tt.spec, err, w)
			}
		}
	}
}

func TestOverride(t *testing.T) {
	base := Link{Latency: Const(time.Millisecond), Loss: 0.1, BandwidthBytesPerSec: 1000, QueueBytes: 500}
	got, err := base.Override("loss=0.5,latency=20ms")
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Loss, want.Latency = 0.5, Const(20*time.Millisecond)
	if got != want {
		t.Fatalf("Override = %+v, want %+v", got, want)
	}
	if _, err := base.Override("bandwidth=0"); err == nil {
		t.Fatal("Override left a queue without a bandwidth")
	}
}

func TestParseLinkName(t *testing.T) {
	from, to, err := ParseLinkName("n1-n12", 12)
	if err != nil || from != 0 || to != 11 || LinkName(from, to) != "n1-n12" {
		t.Fatalf("ParseLinkName(n1-n12) = %d, %d, %v", from, to, err)
	}
	for _, bad := range []string{"n1", "n0-n1", "n1-n13", "1-2", "n1-nx", "-", "n-1-n2"} {
		if _, _, err := ParseLinkName(bad, 12); err == nil {
			t.Errorf("ParseLinkName(%q) accepted", bad)
		}
	}
}

func TestParseDistErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"-1ms", "negative"},
		{"const:-1ms", "negative"},
		{"uniform:1ms", "MIN-MAX"},
		{"uniform:5ms-1ms", "below min"},
		{"normal:1ms", "two parameters"},
		{"normal:1ms,-1ms", "negative"},
		{"lognormal:1ms,-0.5", "sigma"},
		{"lognormal:1ms,Inf", "sigma"},
		{"pareto:1ms,0", "alpha"},
		{"pareto:0s,1.5", "scale"},
		{"zipf:1ms", "unknown distribution"},
		{"", "bad duration"},
	}
	for _, tt := range tests {
		_, err := ParseDist(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "accepted") {
			t.Errorf("ParseDist(%q) error %v, want one containing %q and the accepted forms", tt.spec, err, tt.want)
		}
	}
}

// TestDistSamples checks each distribution's samples: never negative, and
// near its centre.
func TestDistSamples(t *testing.T) {
	tests := []struct {
		spec     string
		lo, hi   time.Duration // bounds on every sample
		mean     time.Duration // expected mean, ± 5%
		meanSkip bool
	}{
		{"5ms", 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, false},
		{"uniform:1ms-3ms", time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond, false},
		{"normal:1ms,2ms", 0, time.Hour, 0, true}, // truncated at 0
		{"normal:10ms,1ms", 0, time.Hour, 10 * time.Millisecond, false},
		{"lognormal:10ms,0.1", 0, time.Hour, 10 * time.Millisecond, false},
		{"pareto:1ms,3", time.Millisecond, time.Hour, 1500 * time.Microsecond, false},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		d, err := ParseDist(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		const n = 20_000
		for range n {
			v := d.Sample(rng)
			if v < tt.lo || v > tt.hi {
				t.Fatalf("%s: sample %v outside [%v, %v]", tt.spec, v, tt.lo, tt.hi)
			}
			sum += float64(v)
		}
		if mean := sum / n; !tt.meanSkip && (mean < 0.95*float64(tt.mean) || mean > 1.05*float64(tt.mean)) {
			t.Errorf("%s: mean %v, want %v ± 5%%", tt.spec, time.Duration(mean), tt.mean)
		}
	}
}

func FuzzParseLink(f *testing.F) {
	for _, s := range []string{"", "latency=uniform:1ms-5ms,loss=0.01,dup=0.001,reorder=0.05,bandwidth=1000000,queue=65536,corrupt=0.001",
		"latency=normal:10ms,2ms,loss=0.1", "reorder_delay=pareto:1ms,1.5", "loss=1e-9", "bandwidth=9223372036854775807,queue=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink(s)
		if err != nil {
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseLink(%q) returned an invalid link: %v", s, err)
		}
		back, err := ParseLink(l.String())
		if err != nil || back != l {
			t.Fatalf("round trip of %q through %q: %+v, %v", s, l.String(), back, err)
		}
	})
}

func FuzzParseDist(f *testing.F) {
	for _, s := range []string{"5ms", "const:1s", "uniform:1ms-9ms", "normal:10ms,2ms", "lognormal:10ms,0.5", "pareto:1ms,1.5", "pareto:1ns,1e-300"} {
		f.Add(s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDist(s)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ParseDist(%q) returned an invalid dist: %v", s, err)
		}
		for range 8 {
			if v := d.Sample(rng); v < 0 || v > time.Hour {
				t.Fatalf("%q sampled %v", s, v)
			}
		}
		back, err := ParseDist(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q through %q: %+v, %v", s, d.String(), back, err)
		}
	})
}

func TestSetLinkSpec(t *testing.T) {
	_, nw, _ := newNet(t, 1, 3, Link{Latency: Const(time.Millisecond), Loss: 0.1})
	if err := nw.SetLinkSpec("n1-n3", "loss=0.5"); err != nil {
		t.Fatal(err)
	}
	if got, want := nw.LinkParams(0, 2), (Link{Latency: Const(time.Millisecond), Loss: 0.5}); got != want {
		t.Fatalf("n1-n3 = %v, want %v", got, want)
	}
	if got := nw.LinkParams(2, 0); got.Loss != 0.1 {
		t.Fatalf("n3-n1 changed: %v", got)
	}
	for _, bad := range [][2]string{{"n1-n4", "loss=0"}, {"n1-n2", "loss=2"}, {"n1", "loss=0"}} {
		if err := nw.SetLinkSpec(bad[0], bad[1]); err == nil {
			t.Errorf("SetLinkSpec(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
