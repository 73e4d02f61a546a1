package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mathext"
)

// SLO is a service-level objective on one metric's mean across seeds,
// e.g. latency_p99_ms<500.
type SLO struct {
	Metric string
	Op     string // <, <=, > or >=
	Bound  float64
}

// SLOSyntax describes the form ParseSLO reads.
const SLOSyntax = "METRIC<BOUND, METRIC<=BOUND, METRIC>BOUND or METRIC>=BOUND, e.g. latency_p99_ms<500"

// DerivedMetrics are the per-run ratios a capacity search adds to what
// a scenario records, so that SLOs can name them.
var DerivedMetrics = []string{"error_rate", "success_rate"}

func (s SLO) String() string {
	return s.Metric + s.Op + strconv.FormatFloat(s.Bound, 'g', -1, 64)
}

// ParseSLO parses an SLO expression. The metric is checked later,
// against what the scenario records.
func ParseSLO(expr string) (SLO, error) {
	e := strings.TrimSpace(expr)
	i := strings.IndexAny(e, "<>")
	if i <= 0 {
		return SLO{}, fmt.Errorf("--slo %q: want %s", expr, SLOSyntax)
	}
	op := e[i : i+1]
	rest := e[i+1:]
	if strings.HasPrefix(rest, "=") {
		op, rest = op+"=", rest[1:]
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if err != nil || math.IsNaN(b) || math.IsInf(b, 0) {
		return SLO{}, fmt.Errorf("--slo %q: bound %q is not a number (want %s)", expr, strings.TrimSpace(rest), SLOSyntax)
	}
	m := strings.TrimSpace(e[:i])
	if strings.ContainsAny(m, " =<>!") {
		return SLO{}, fmt.Errorf("--slo %q: bad metric name %q (want %s)", expr, m, SLOSyntax)
	}
	return SLO{Metric: m, Op: op, Bound: b}, nil
}

// CheckSLOMetrics returns an error naming the first SLO whose metric is
// neither in have nor derived, with the names accepted.
func CheckSLOMetrics(slos []SLO, have []string) error {
	accepted := slices.Clone(have)
	for _, d := range DerivedMetrics {
		if !slices.Contains(accepted, d) {
			accepted = append(accepted, d)
		}
	}
	slices.Sort(accepted)
	for _, s := range slos {
		if !slices.Contains(accepted, s.Metric) {
			return fmt.Errorf("--slo %s: unknown metric %q (accepted: %s)", s, s.Metric, strings.Join(accepted, ", "))
		}
	}
	return nil
}

// Verdict is what the confidence interval says of an SLO at one load.
type Verdict string

// Verdicts.
const (
	Meets     Verdict = "meets"     // the whole 95% interval is on the good side
	Violates  Verdict = "violates"  // the whole 95% interval is on the bad side
	Undecided Verdict = "undecided" // the interval straddles the bound
)

// Judge decides an SLO from a summary of its metric across seeds, and
// returns the one-sided confidence that the mean is on the side of the
// verdict (Student t with N-1 degrees of freedom).
func (s SLO) Judge(sum Summary) (Verdict, float64) {
	if sum.N == 0 {
		return Undecided, 0
	}
	good := func(x float64) bool {
		switch s.Op {
		case "<":
			return x < s.Bound
		case "<=":
			return x <= s.Bound
		case ">":
			return x > s.Bound
		}
		return x >= s.Bound
	}
	if sum.N < 2 || sum.Std == 0 {
		if good(sum.Mean) {
			return Meets, 1
		}
		return Violates, 1
	}
	lo, hi := sum.Mean-sum.CI95, sum.Mean+sum.CI95
	// How many standard errors the mean is from the bound.
	t := math.Abs(sum.Mean-s.Bound) / (sum.Std / math.Sqrt(float64(sum.N)))
	conf := studentsTCDF(t, float64(sum.N-1))
	switch {
	case good(lo) && good(hi):
		return Meets, conf
	case !good(lo) && !good(hi):
		return Violates, conf
	}
	return Undecided, conf
}

// LoadRange is the --load argument: a parameter and the levels to try,
// evenly spaced from Lo to Hi.
type LoadRange struct {
	Key    string
	Lo, Hi float64
	Levels int
}

// ParseLoadRange parses "key=LO..HI" into levels evenly spaced levels.
func ParseLoadRange(s string, levels int) (LoadRange, error) {
	k, rng, ok := strings.Cut(s, "=")
	lo, hi, ok2 := strings.Cut(rng, "..")
	bad := func(why string) (LoadRange, error) {
		return LoadRange{}, fmt.Errorf("--load %q: %s (want key=LO..HI with 0 < LO < HI, e.g. rate=10..1000)", s, why)
	}
	if !ok || !ok2 || strings.TrimSpace(k) == "" {
		return bad("bad form")
	}
	r := LoadRange{Key: strings.TrimSpace(k), Levels: levels}
	var err error
	if r.Lo, err = strconv.ParseFloat(strings.TrimSpace(lo), 64); err != nil {
		return bad("LO is not a number")
	}
	if r.Hi, err = strconv.ParseFloat(strings.TrimSpace(hi), 64); err != nil {
		return bad("HI is not a number")
	}
	if !(r.Lo > 0 && r.Lo < r.Hi) || math.IsInf(r.Hi, 0) {
		return bad("want 0 < LO < HI")
	}
	if levels < 2 || levels > 1000 {
		return LoadRange{}, fmt.Errorf("--levels %d: want 2 to 1000", levels)
	}
	return r, nil
}

// Values returns the levels, LO first.
func (r LoadRange) Values() []float64 {
	out := make([]float64, r.Levels)
	for i := range out {
		out[i] = r.Lo + (r.Hi-r.Lo)*float64(i)/float64(r.Levels-1)
	}
	out[r.Levels-1] = r.Hi
	return out
}

// level formats a load level as a parameter value: short, and the same
// on every platform.
func level(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// CapacityOptions control a capacity search.
type CapacityOptions struct {
	Set   map[string]string // fixed parameters
	Vary  []Vary            // configurations to compare by capacity
	Load  LoadRange
	SLOs  []SLO
	Seeds SeedRange // the most seeds a level runs
	// MinSeeds, when > 0, makes the search sequential: every level runs
	// MinSeeds seeds, then the seeds double until the intervals decide
	// every capacity or Seeds runs out. 0 runs every seed at once.
	MinSeeds int
	Workers  int
	Run      Options
	OnRun    func(*Result)
	Stop     <-chan struct{}
}

// CapacityLevel is one offered load of a configuration's curve.
type CapacityLevel struct {
	Load float64 `json:"load"`
	// Metrics summarises the curve's metrics across seeds: goodput_rps,
	// latency_p50_ms, latency_p99_ms, error_rate and every SLO metric.
	Metrics map[string]Summary `json:"metrics"`
	// Verdicts and Confidence are per SLO, in --slo order.
	Verdicts   []Verdict `json:"verdicts"`
	Confidence []float64 `json:"confidence"`
	// Failures counts the runs whose status is not ok (unknown included).
	Failures int `json:"failures"`
}

// Meets reports whether every SLO is met at this level.
func (l *CapacityLevel) Meets() bool {
	return !slices.ContainsFunc(l.Verdicts, func(v Verdict) bool { return v != Meets })
}

// Violates reports whether some SLO is violated at this level.
func (l *CapacityLevel) Violates() bool { return slices.Contains(l.Verdicts, Violates) }

// CapacityRow is one configuration's degradation curve and capacity.
type CapacityRow struct {
	Label  string            `json:"label"`
	Varied map[string]string `json:"params"`
	Levels []*CapacityLevel  `json:"levels"`
	// Capacity is the highest level such that it and every level below
	// it meet every SLO; -1 when even the lowest level does not.
	Capacity int `json:"-"`
	// Decided is true when the level above Capacity is decided as
	// violating (or Capacity is the top of the range): the intervals
	// decide the capacity. When false the level above is undecided.
	Decided bool `json:"decided"`
	// Knee is the level after which goodput grows by less than half
	// its initial rate per unit of load; -1 if there is none.
	Knee int `json:"-"`
}

// CapacityResult is a capacity search's outcome.
type CapacityResult struct {
	Scenario    string         `json:"scenario"`
	Load        string         `json:"load_key"`
	SLOs        []string       `json:"slos"`
	Seeds       SeedRange      `json:"-"`
	SeedsDone   int            `json:"seeds"`
	Rows        []*CapacityRow `json:"rows"`
	Interrupted bool           `json:"interrupted"`
	// Failed counts the runs that failed (a check failed, a limit was
	// hit, code panicked); a check that could not decide (unknown) does
	// not count, since the run's metrics still measure the load.
	Failed int `json:"failed"`
	// FirstFailure replays the first of them, in run order.
	FirstFailure string `json:"first_failure_replay"`
}

// CurveMetrics are the metrics a degradation curve shows.
var CurveMetrics = []string{"goodput_rps", "latency_p50_ms", "latency_p99_ms", "error_rate"}

// Capacity runs every configuration at every load level over the same
// seeds (common random numbers) and finds, per configuration, the
// largest load at which every SLO holds with 95% confidence.
func Capacity(s *Scenario, opts CapacityOptions) (*CapacityResult, error) {
	levels := opts.Load.Values()
	lv := Vary{Key: opts.Load.Key}
	for _, x := range levels {
		lv.Values = append(lv.Values, level(x))
	}
	if slices.ContainsFunc(opts.Vary, func(v Vary) bool { return v.Key == opts.Load.Key }) {
		return nil, fmt.Errorf("--vary %s: it is the --load parameter", opts.Load.Key)
	}
	// The load varies fastest: each configuration's levels are adjacent.
	vary := append(slices.Clone(opts.Vary), lv)
	configs, err := Configs(s, opts.Set, vary)
	if err != nil {
		return nil, err
	}
	res := &CapacityResult{Scenario: s.Name, Load: opts.Load.Key, Seeds: opts.Seeds}
	onRun := func(r *Result) {
		if r.Status != StatusOK && r.Status != StatusUnknown {
			res.Failed++
			if res.FirstFailure == "" {
				res.FirstFailure = r.Replay
			}
		}
		if opts.OnRun != nil {
			opts.OnRun(r)
		}
	}
	rows := make([]*Row, len(configs))
	for i := range rows {
		rows[i] = &Row{Config: configs[i], Samples: map[string][]float64{}}
	}
	// Seeds come in rounds, every level on the same seeds; the search
	// stops at the first round after which every row's capacity is
	// decided by the intervals, or when the seeds run out.
	for res.SeedsDone < int(opts.Seeds.Count) {
		n := min(max(opts.MinSeeds, res.SeedsDone), int(opts.Seeds.Count)-res.SeedsDone)
		if opts.MinSeeds <= 0 {
			n = int(opts.Seeds.Count)
		}
		cmp := Compare(s, CompareOptions{Configs: configs, Varied: VaryKeys(vary),
			Seeds:   SeedRange{First: opts.Seeds.First + uint64(res.SeedsDone), Count: uint64(n)},
			Workers: opts.Workers, Run: opts.Run, OnRun: onRun, Stop: opts.Stop})
		for i, r := range cmp.Rows {
			appendSamples(rows[i], r, res.SeedsDone, cmp.SeedsDone)
		}
		res.SeedsDone += cmp.SeedsDone
		res.Rows = judgeRows(rows, levels, opts.SLOs, VaryKeys(opts.Vary))
		if cmp.Interrupted {
			res.Interrupted = true
			break
		}
		if !slices.ContainsFunc(res.Rows, func(r *CapacityRow) bool { return !r.Decided }) {
			break
		}
	}
	for _, slo := range opts.SLOs {
		res.SLOs = append(res.SLOs, slo.String())
	}
	return res, nil
}

// appendSamples adds the first done seeds of next to acc, which holds
// had seeds; a metric missing on either side is NaN there.
func appendSamples(acc, next *Row, had, done int) {
	acc.Failures += next.Failures
	for k, xs := range next.Samples {
		for len(acc.Samples[k]) < had {
			acc.Samples[k] = append(acc.Samples[k], math.NaN())
		}
		acc.Samples[k] = append(acc.Samples[k], xs[:done]...)
	}
	for k, xs := range acc.Samples {
		for len(xs) < had+done {
			xs = append(xs, math.NaN())
		}
		acc.Samples[k] = xs
	}
}

// judgeRows groups rows (each configuration's levels adjacent) into
// capacity rows and judges them.
func judgeRows(rows []*Row, levels []float64, slos []SLO, userKeys []string) []*CapacityRow {
	var out []*CapacityRow
	for i := 0; i < len(rows); i += len(levels) {
		first := rows[i]
		row := &CapacityRow{Label: first.Config.label(userKeys), Varied: map[string]string{}}
		for _, k := range userKeys {
			row.Varied[k] = first.Varied[k]
		}
		for j, x := range levels {
			row.Levels = append(row.Levels, judgeLevel(rows[i+j], x, slos))
		}
		row.decide()
		out = append(out, row)
	}
	return out
}

func judgeLevel(r *Row, load float64, slos []SLO) *CapacityLevel {
	samples := withDerived(r.Samples)
	l := &CapacityLevel{Load: load, Metrics: map[string]Summary{}, Failures: r.Failures}
	for _, m := range CurveMetrics {
		if xs, ok := samples[m]; ok {
			l.Metrics[m] = Summarize(xs)
		}
	}
	for _, slo := range slos {
		sum := Summarize(samples[slo.Metric])
		l.Metrics[slo.Metric] = sum
		v, c := slo.Judge(sum)
		l.Verdicts = append(l.Verdicts, v)
		l.Confidence = append(l.Confidence, c)
	}
	return l
}

// withDerived adds error_rate and success_rate, per seed, from requests,
// failed and succeeded, unless the scenario records them itself.
func withDerived(s map[string][]float64) map[string][]float64 {
	req, fail, ok := s["requests"], s["failed"], s["succeeded"]
	out := make(map[string][]float64, len(s)+2)
	for k, v := range s {
		out[k] = v
	}
	ratio := func(a []float64) []float64 {
		xs := make([]float64, len(req))
		for i := range xs {
			xs[i] = math.NaN()
			if i < len(a) && req[i] > 0 {
				xs[i] = a[i] / req[i]
			}
		}
		return xs
	}
	if _, has := s["error_rate"]; !has && req != nil && fail != nil {
		out["error_rate"] = ratio(fail)
	}
	if _, has := s["success_rate"]; !has && req != nil && ok != nil {
		out["success_rate"] = ratio(ok)
	}
	return out
}

// decide sets the capacity and the knee from the judged levels.
func (row *CapacityRow) decide() {
	row.Capacity = -1
	for _, l := range row.Levels {
		if !l.Meets() {
			break
		}
		row.Capacity++
	}
	next := row.Capacity + 1
	row.Decided = next == len(row.Levels) || row.Levels[next].Violates()
	row.Knee = -1
	g := func(i int) float64 { return row.Levels[i].Metrics["goodput_rps"].Mean }
	if _, ok := row.Levels[0].Metrics["goodput_rps"]; !ok || row.Levels[0].Load <= 0 {
		return
	}
	initial := g(0) / row.Levels[0].Load
	for i := 0; i+1 < len(row.Levels); i++ {
		slope := (g(i+1) - g(i)) / (row.Levels[i+1].Load - row.Levels[i].Load)
		if slope < initial/2 {
			row.Knee = i
			return
		}
	}
}

// CapacityLoad returns the capacity as a load, or NaN when even the
// lowest level misses an SLO.
func (row *CapacityRow) CapacityLoad() float64 {
	if row.Capacity < 0 {
		return math.NaN()
	}
	return row.Levels[row.Capacity].Load
}

// studentsTCDF is P(T <= t) for Student's t with nu degrees of freedom,
// t >= 0, from the regularized incomplete beta function. It is what
// gonum's stat/distuv StudentsT.CDF computes, bit for bit
// (TestStudentsTCDF), without linking stat/distuv: that package brings
// stat, mat, lapack, blas and an LP solver into every command's binary
// and start-up for this one function.
func studentsTCDF(t, nu float64) float64 {
	if t == 0 {
		return 0.5
	}
	return 1 - 0.5*mathext.RegIncBeta(0.5*nu, 0.5, nu/(t*t+nu))
}
