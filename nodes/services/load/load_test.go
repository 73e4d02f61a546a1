package load

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestParseRate(t *testing.T) {
	const base = 10.0
	for _, tc := range []struct {
		in   string
		at   time.Duration
		want float64
	}{
		{"", 5 * time.Second, 10},
		{"constant", 5 * time.Second, 10},
		{"step:3@10s", 9 * time.Second, 10},
		{"step:3@10s", 10 * time.Second, 30},
		{"spike:4@10s+5s", 12 * time.Second, 40},
		{"spike:4@10s+5s", 15 * time.Second, 10},
		{"ramp:2@10s+10s", 15 * time.Second, 15},
		{"ramp:0..2@0s+10s", 5 * time.Second, 10},
		{"ramp:0..2@0s+10s", 0, 0},
		{"ramp:0..2@0s+10s", time.Minute, 20},
		{"sine:0.5@40s", 10 * time.Second, 15},
		{"sine:0.5@40s", 30 * time.Second, 5},
		{"sine:0.5@40s+10s", 20 * time.Second, 15},
		{"replay:0s=5;10s=50", 9 * time.Second, 5},
		{"replay:0s=5;10s=50", 10 * time.Second, 50},
		{"replay:0s=5;10s=50", time.Hour, 50},
	} {
		sh, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := sh.Rate(tc.at, base); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%q at %v: rate %v, want %v", tc.in, tc.at, got, tc.want)
		}
		// String must read back as the same shape.
		back, err := Parse(sh.String())
		if err != nil || back.String() != sh.String() {
			t.Errorf("%q: String %q reads back as %q (%v)", tc.in, sh.String(), back.String(), err)
		}
	}
}

func TestParseBad(t *testing.T) {
	for _, in := range []string{
		"bogus", "step", "step:x@1s", "step:-1@1s", "step:2@1s+1s", "spike:2@1s", "ramp:2@-1s+1s",
		"sine:1.5@10s", "sine:0.5@0s", "replay:", "replay:1s=5", "replay:0s=5;0s=6", "replay:0s=-1", "file:x.txt",
	} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q): no error", in)
		} else if !strings.Contains(err.Error(), "accepted:") {
			t.Errorf("Parse(%q): %v does not list the accepted forms", in, err)
		}
	}
}

func TestParseFile(t *testing.T) {
	sh, err := ParseFile("f", "# comment\n0s 10\n\n5s 20 # up\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := sh.String(); got != "replay:0s=10;5s=20" {
		t.Fatalf("got %q", got)
	}
	for in, line := range map[string]string{
		"0s 10\n5s\n":      "f:2",
		"0s 10\n1s x\n":    "f:2",
		"1s 10\n":          "f: the first point",
		"0s 1\n2s 1\n1s 3": "f:3",
		"":                 "f: no points",
	} {
		_, err := ParseFile("f", in)
		if err == nil || !strings.Contains(err.Error(), "load file "+line) {
			t.Errorf("ParseFile(%q): %v, want it to name %q", in, err, line)
		}
	}
}

// MaxRate bounds Rate, which thinning needs to be exact.
func TestMaxRateBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.Float64Range(0, 10).Draw(t, "f")
		amp := rapid.Float64Range(0, 1).Draw(t, "amp")
		at := time.Duration(rapid.Int64Range(0, 1e11).Draw(t, "at"))
		span := time.Duration(rapid.Int64Range(1, 1e11).Draw(t, "span"))
		sh := rapid.SampledFrom([]Shape{
			{Kind: Constant}, {Kind: Step, Factor: f, At: at}, {Kind: Spike, Factor: f, At: at, For: span},
			{Kind: Ramp, From: 1, Factor: f, At: at, For: span}, {Kind: Sine, Factor: amp, For: span, At: at},
		}).Draw(t, "shape")
		now := time.Duration(rapid.Int64Range(0, 3e11).Draw(t, "now"))
		r := sh.Rate(now, 7)
		if r < 0 || r > sh.MaxRate(7)*(1+1e-12) {
			t.Fatalf("%s at %v: rate %v outside [0, %v]", sh, now, r, sh.MaxRate(7))
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"step:2@1s", "ramp:0..2@0s+10s", "sine:0.5@1m", "replay:0s=1;1s=2", "spike:3@1s+1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := Parse(s)
		if err != nil {
			return
		}
		if _, err := Parse(sh.String()); err != nil {
			t.Fatalf("%q parses, but its String %q does not: %v", s, sh.String(), err)
		}
	})
}

func FuzzParseFile(f *testing.F) {
	f.Add("0s 1\n1s 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseFile("f", s)
		if err != nil {
			return
		}
		if _, err := Parse(sh.String()); err != nil {
			t.Fatalf("file %q parses, but its String %q does not: %v", s, sh.String(), err)
		}
	})
}
