package scenarios

import (
	"math"
	"slices"
)

// Summary describes a sample of one metric across seeds.
type Summary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	// CI95 is the half-width of the 95% confidence interval of the mean
	// (Student t with N-1 degrees of freedom): the interval is
	// Mean ± CI95. It is 0 when N < 2.
	CI95 float64 `json:"ci95"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	Std  float64 `json:"std"` // sample standard deviation (N-1)
}

// TQuantile returns the p-quantile of Student's t distribution with df
// degrees of freedom (df > 0, 0 < p < 1), with the same bits on every
// platform (see detmath.go).
func TQuantile(p, df float64) float64 { return tQuantile(p, df) }

// Summarize returns the mean, the 95% confidence interval of the mean,
// and the nearest-rank p50 and p99 of xs. NaN values are ignored (a run
// that did not record the metric).
func Summarize(xs []float64) Summary {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	s := Summary{N: len(v)}
	if s.N == 0 {
		return s
	}
	slices.Sort(v)
	s.P50 = nearestRank(v, 0.50)
	s.P99 = nearestRank(v, 0.99)
	if v[0] == v[len(v)-1] {
		// Every seed gave the same value: it is exact, with no spread,
		// whereas summing would leave rounding noise (±1e-15).
		s.Mean = v[0]
		return s
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	s.Mean = sum / float64(s.N)
	if s.N > 1 {
		var ss float64
		for _, x := range v {
			// float64() rounds the product, so no platform fuses it into an FMA.
			ss += float64((x - s.Mean) * (x - s.Mean))
		}
		s.Std = math.Sqrt(ss / float64(s.N-1))
		s.CI95 = TQuantile(0.975, float64(s.N-1)) * s.Std / math.Sqrt(float64(s.N))
	}
	return s
}

// nearestRank returns the smallest value of sorted with at least q of
// the values at or below it, as sim.Histogram does.
func nearestRank(sorted []float64, q float64) float64 {
	r := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(r, len(sorted)-1))]
}

// PairedDiff summarizes the per-seed differences x[i] - base[i]. Pairs in
// which either value is NaN are dropped. With common random numbers (the
// same seed gives both configurations the same faults and arrivals) the
// differences vary much less than either sample, so this interval is
// much tighter than one computed from two independent samples.
func PairedDiff(x, base []float64) Summary {
	n := min(len(x), len(base))
	d := make([]float64, 0, n)
	for i := range n {
		if !math.IsNaN(x[i]) && !math.IsNaN(base[i]) {
			d = append(d, x[i]-base[i])
		}
	}
	return Summarize(d)
}

// UnpairedCI95 returns the half-width of Welch's 95% confidence interval
// for the difference of the means of two independent samples. It is what
// the interval would be without common random numbers.
func UnpairedCI95(a, b Summary) float64 {
	if a.N < 2 || b.N < 2 {
		return 0
	}
	va, vb := a.Std*a.Std/float64(a.N), b.Std*b.Std/float64(b.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		return 0
	}
	// Welch–Satterthwaite degrees of freedom.
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	return TQuantile(0.975, df) * se
}
