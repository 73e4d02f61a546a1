package scenarios

import "math"

// The functions here compute the Student t quantile behind every reported
// confidence interval with the same bits on every platform. Go may fuse
// x*y+z into one FMA instruction where the CPU has one (GOAMD64=v3,
// arm64), which rounds once instead of twice; a library compiled that
// way gives other last digits. Here every product that meets an addition
// is rounded by an explicit float64 conversion, which forbids the fusion,
// and only +, -, *, /, math.Sqrt (exact), math.Frexp and math.Ldexp
// (exact) are used.

// detLog is the natural logarithm, as math.Log computes it (FreeBSD's
// e_log.c), with every product rounded.
func detLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (l1 + float64(s4*(l3+float64(s4*(l5+float64(s4*l7)))))))
	t2 := float64(s4 * (l2 + float64(s4*(l4+float64(s4*l6)))))
	r := t1 + t2
	hfsq := float64(0.5 * f * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}

// detExp is e**x, as math.Exp computes it in Go (FreeBSD's e_exp.c),
// with every product rounded.
func detExp(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)
		p1        = 1.66666666666666657415e-01
		p2        = -2.77777777770155933842e-03
		p3        = 6.61375632143793436117e-05
		p4        = -1.65339022054652515390e-06
		p5        = 4.13813679705723846039e-08
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case math.IsInf(x, -1):
		return 0
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	switch {
	case x < 0:
		k = int(float64(log2e*x) - 0.5)
	case x > 0:
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(float64(k) * ln2Lo)
	r := hi - lo
	t := float64(r * r)
	c := r - float64(t*(p1+float64(t*(p2+float64(t*(p3+float64(t*(p4+float64(t*p5)))))))))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

// detLgamma is log Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative
// error about 1e-15).
func detLgamma(x float64) float64 {
	if x < 0.5 {
		// Γ(x) = Γ(x+1)/x keeps the approximation in its range.
		return detLgamma(x+1) - detLog(x)
	}
	coef := [...]float64{
		0.99999999999980993, 676.5203681218851, -1259.1392167224028,
		771.32342877765313, -176.61502916214059, 12.507343278686905,
		-0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
	}
	x--
	a := coef[0]
	for i := 1; i < len(coef); i++ {
		a += coef[i] / (x + float64(i))
	}
	t := x + 7.5
	const halfLog2Pi = 0.91893853320467274178
	return halfLog2Pi + float64((x+0.5)*detLog(t)) - t + detLog(a)
}

// detLog1p is log(1+x), accurate for small x too (Goldberg's trick: the
// rounding of 1+x cancels out).
func detLog1p(x float64) float64 {
	u := 1 + x
	if u == 1 {
		return x
	}
	return float64(detLog(u)*x) / (u - 1)
}

// detLbeta is log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a+b). For a large
// argument the difference of two large log-gammas would cancel; Stirling's
// series gives it directly:
// log Γ(a+b) - log Γ(a) = (a-1/2) log1p(b/a) + b log(a+b) - b + c(a+b) - c(a).
func detLbeta(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if a < 100 {
		return detLgamma(a) + detLgamma(b) - detLgamma(a+b)
	}
	corr := func(x float64) float64 { // Stirling's correction; error < 1e-21 for x ≥ 100
		inv := 1 / x
		inv2 := float64(inv * inv)
		return float64(inv * (1.0/12 - float64(inv2*(1.0/360-float64(inv2*(1.0/1260-inv2/1680))))))
	}
	diff := float64((a-0.5)*detLog1p(b/a)) + float64(b*detLog(a+b)) - b + (corr(a+b) - corr(a))
	return detLgamma(b) - diff
}

// incBeta is the regularized incomplete beta function I_x(a, b), with
// y = 1 - x given separately so that neither loses digits near 1.
func incBeta(a, b, x, y float64) float64 {
	switch {
	case x <= 0:
		return 0
	case y <= 0:
		return 1
	}
	lnX, lnY := detLog(x), detLog(y)
	if x > 0.5 {
		lnX = detLog1p(-y)
	} else {
		lnY = detLog1p(-x)
	}
	front := detExp(float64(a*lnX) + float64(b*lnY) - detLbeta(a, b))
	if x < (a+1)/(a+b+2) {
		return float64(front*betaCF(a, b, x)) / a
	}
	return 1 - float64(front*betaCF(b, a, y))/b
}

// betaCF evaluates the continued fraction of the incomplete beta function
// by the modified Lentz method (Numerical Recipes, betacf).
func betaCF(a, b, x float64) float64 {
	const (
		eps  = 1e-16
		tiny = 1e-300
	)
	// The fraction takes about sqrt(max(a, b)) terms to converge.
	maxIter := 1000 + int(4*math.Sqrt(max(a, b)))
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - float64(qab*x)/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := float64(fm*(b-fm)*x) / float64((qam+m2)*(a+m2))
		d = 1 + float64(aa*d)
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h = float64(h * d * c)
		aa = -float64((a+fm)*(qab+fm)*x) / float64((a+m2)*(qap+m2))
		d = 1 + float64(aa*d)
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := float64(d * c)
		h = float64(h * del)
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// tTail is P(T > t) for Student's t with df degrees of freedom, t ≥ 0.
func tTail(t, df float64) float64 {
	tt := float64(t * t)
	den := df + tt
	return 0.5 * incBeta(df/2, 0.5, df/den, tt/den)
}

// maxExactDF is the largest df whose quantile is found from the tail.
const maxExactDF = 1e6

// tQuantile is the p-quantile of Student's t with df degrees of freedom
// (df > 0, 0 < p < 1), found by bisection on tTail to the last bit.
func tQuantile(p, df float64) float64 {
	switch {
	case math.IsNaN(p) || math.IsNaN(df) || p <= 0 || p >= 1 || df <= 0:
		return math.NaN()
	case p == 0.5:
		return 0
	case p < 0.5:
		return -tQuantile(1-p, df)
	}
	if df > maxExactDF {
		// The continued fraction stops early for a huge df; the first
		// term of the expansion in 1/df carries on from maxExactDF.
		z := tQuantile(p, maxExactDF)
		c1 := float64(float64(z*z)*z+z) / 4
		return z - float64(c1*(1/maxExactDF-1/df))
	}
	q := 1 - p // the tail to find
	lo, hi := 0.0, 1.0
	for tTail(hi, df) > q {
		lo, hi = hi, 2*hi
		if math.IsInf(hi, 0) {
			return hi
		}
	}
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			return hi
		}
		if tTail(mid, df) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
}
