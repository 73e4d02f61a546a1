package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

func TestTQuantileKnownValues(t *testing.T) {
	// Reference values from standard t tables (and R's qt).
	tests := []struct{ p, df, want float64 }{
		{0.975, 1, 12.706204736},
		{0.975, 2, 4.302652730},
		{0.975, 5, 2.570581836},
		{0.975, 10, 2.228138852},
		{0.975, 30, 2.042272456},
		{0.975, 1e9, 1.959963985},
		{0.95, 10, 1.812461123},
		{0.995, 4, 4.604094871},
		{0.5, 7, 0},
		{0.025, 5, -2.570581836},
	}
	for _, tt := range tests {
		if got := TQuantile(tt.p, tt.df); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("TQuantile(%v, %v) = %.9f, want %.9f", tt.p, tt.df, got, tt.want)
		}
	}
}

// Every reported interval must have the same bits on every platform. A
// t quantile computed where Go fuses x*y+z into FMA instructions
// (GOAMD64=v3, arm64) differed in the last digits; these bits hold under
// GOAMD64=v1 and v3 alike (run the test under both).
func TestTQuantileBitsArePlatformIndependent(t *testing.T) {
	tests := []struct {
		p, df float64
		bits  uint64
	}{
		{0.975, 1, 0x40296993aacc4d1b},      // 12.7062047361747
		{0.975, 2, 0x401135ea98e146b9},      // 4.30265272974946
		{0.975, 9, 0x400218e5dac50b20},      // 2.2621571627982
		{0.975, 19, 0x4000be83653b6670},     // 2.09302405440831
		{0.975, 29, 0x40005ca15bce286c},     // 2.0452296421327
		{0.975, 99, 0x3fffbf5a4633b811},     // 1.98421695158641
		{0.975, 7.3, 0x4002c2b259634759},    // 2.3450667365477
		{0.975, 1234.5, 0x3fff63e421357020}, // 1.96188748333135
		{0.95, 10, 0x3ffcffd73bfbf625},      // 1.81246112281168
		{0.025, 5, 0xc004908d359dff37},      // -2.57058183563631
	}
	for _, tt := range tests {
		if got := TQuantile(tt.p, tt.df); math.Float64bits(got) != tt.bits {
			t.Errorf("TQuantile(%v, %v) = %.17g (%#x), want %#x", tt.p, tt.df, got, math.Float64bits(got), tt.bits)
		}
	}
}

func TestTQuantileLargeDF(t *testing.T) {
	// Cornish–Fisher: t ≈ z + (z³+z)/(4ν) + (5z⁵+16z³+3z)/(96ν²) for large ν.
	z := 1.959963984540054
	for _, df := range []float64{1e4, 1e6, 1e6 + 1, 1e7, 1e9, 1e15} {
		want := z + (z*z*z+z)/(4*df) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*df*df)
		if got := TQuantile(0.975, df); math.Abs(got-want) > 1e-10 {
			t.Errorf("df %v: %.15g, want %.15g", df, got, want)
		}
	}
}

func TestTQuantileInverts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.Float64Range(0.51, 0.9999).Draw(t, "p")
		df := rapid.Float64Range(0.5, 1e5).Draw(t, "df")
		q := TQuantile(p, df)
		if tail := tTail(q, df); math.Abs(tail-(1-p)) > 1e-10*(1-p) {
			t.Fatalf("tail(%v) = %v, want %v", q, tail, 1-p)
		}
		if neg := TQuantile(1-p, df); neg > 0 {
			t.Fatalf("lower quantile %v > 0", neg)
		}
	})
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []float64{4}, Summary{N: 1, Mean: 4, P50: 4, P99: 4}},
		{"nan ignored", []float64{math.NaN(), 4}, Summary{N: 1, Mean: 4, P50: 4, P99: 4}},
		// mean 3, s = sqrt(2.5), ci = 2.776445 * s / sqrt(5)
		{"five", []float64{5, 1, 4, 2, 3}, Summary{N: 5, Mean: 3, Std: math.Sqrt(2.5), CI95: 2.776445105 * math.Sqrt(2.5) / math.Sqrt(5), P50: 3, P99: 5}},
		{"constant", []float64{2, 2, 2}, Summary{N: 3, Mean: 2, P50: 2, P99: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.xs)
			if got.N != tt.want.N || !near(got.Mean, tt.want.Mean) || !near(got.CI95, tt.want.CI95) ||
				!near(got.Std, tt.want.Std) || got.P50 != tt.want.P50 || got.P99 != tt.want.P99 {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A value every seed gives alike is exact: no rounding noise in the mean
// or the interval (it printed as ±1.3e-15).
func TestSummarizeConstantIsExact(t *testing.T) {
	for _, x := range []float64{0.1, 1.1, 2.0 / 3, 1234.5678, -7.3} {
		xs := make([]float64, 30)
		for i := range xs {
			xs[i] = x
		}
		s := Summarize(xs)
		if s.Mean != x || s.CI95 != 0 || s.Std != 0 {
			t.Errorf("%v ×30: mean %v ci95 %v std %v, want %v ±0", x, s.Mean, s.CI95, s.Std, x)
		}
		if d := PairedDiff(xs, make([]float64, 30)); d.Mean != x || d.CI95 != 0 {
			t.Errorf("paired %v: %+v", x, d)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestPercentilesNearestRank(t *testing.T) {
	xs := make([]float64, 200)
	for i := range xs {
		xs[i] = float64(200 - i) // 200..1, unsorted
	}
	s := Summarize(xs)
	if s.P50 != 100 || s.P99 != 198 {
		t.Fatalf("p50 %v p99 %v, want 100 and 198", s.P50, s.P99)
	}
}

// The 95% interval must cover the true mean about 95% of the time.
func TestCI95Coverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	covered, trials := 0, 4000
	for range trials {
		xs := make([]float64, 8)
		for i := range xs {
			xs[i] = 10 + 3*rng.NormFloat64()
		}
		s := Summarize(xs)
		if math.Abs(s.Mean-10) <= s.CI95 {
			covered++
		}
	}
	if rate := float64(covered) / float64(trials); rate < 0.935 || rate > 0.965 {
		t.Fatalf("coverage %.3f, want about 0.95", rate)
	}
}

func TestPairedDiff(t *testing.T) {
	base := []float64{10, 20, 30, math.NaN(), 50}
	x := []float64{11, 22, 33, 40, 55}
	d := PairedDiff(x, base)
	// differences 1, 2, 3, 5 (the NaN pair dropped)
	if d.N != 4 || !near(d.Mean, 2.75) {
		t.Fatalf("got %+v", d)
	}
	sd := math.Sqrt((1.75*1.75 + 0.75*0.75 + 0.25*0.25 + 2.25*2.25) / 3)
	if !near(d.CI95, TQuantile(0.975, 3)*sd/2) {
		t.Fatalf("ci95 %v", d.CI95)
	}
}

// With a shared per-seed component (common random numbers), the paired
// interval is much tighter than Welch's unpaired one.
func TestPairedTighterThanUnpairedUnderCRN(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(10, 50).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 0))
		a, b := make([]float64, n), make([]float64, n)
		for i := range n {
			shared := 100 * rng.NormFloat64() // the seed's faults and arrivals
			a[i] = 50 + shared + rng.NormFloat64()
			b[i] = 55 + shared + rng.NormFloat64()
		}
		paired := PairedDiff(b, a).CI95
		unpaired := UnpairedCI95(Summarize(b), Summarize(a))
		if !(paired < unpaired/5) {
			t.Fatalf("paired ci %v, unpaired %v", paired, unpaired)
		}
	})
}

func TestUnpairedCI95(t *testing.T) {
	a := Summarize([]float64{1, 2, 3, 4})
	b := Summarize([]float64{2, 4, 6, 8})
	// Welch: va = (5/3)/4, vb = (20/3)/4; df = (va+vb)^2 / (va^2/3 + vb^2/3)
	va, vb := 5.0/12, 20.0/12
	df := (va + vb) * (va + vb) / (va*va/3 + vb*vb/3)
	if got, want := UnpairedCI95(b, a), TQuantile(0.975, df)*math.Sqrt(va+vb); !near(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if UnpairedCI95(Summarize([]float64{1}), b) != 0 {
		t.Fatal("want 0 with one sample")
	}
}

func ExampleSummarize() {
	s := Summarize([]float64{12, 15, 11, 14, 13})
	fmt.Printf("mean %.1f ± %.2f, p50 %v, p99 %v\n", s.Mean, s.CI95, s.P50, s.P99)
	// Output: mean 13.0 ± 1.96, p50 13, p99 15
}
