package scenarios

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/faultline/faultline/sim"
)

// Vary is one --vary argument: a parameter and the values to try.
type Vary struct {
	Key    string
	Values []string
}

// ParseVary parses "key=v1,v2" (any number of values). When a value
// holds a comma (e.g. latency=normal:10ms,2ms), separate the values with
// semicolons instead: "latency=normal:10ms,2ms;normal:10ms,5ms".
func ParseVary(s string) (Vary, error) {
	k, vs, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.TrimSpace(vs) == "" {
		return Vary{}, fmt.Errorf("--vary %q: want key=v1,v2 (or key=v1;v2 when values hold commas)", s)
	}
	sep := ","
	if strings.Contains(vs, ";") {
		sep = ";"
	}
	var out []string
	for _, v := range strings.Split(vs, sep) {
		v = strings.TrimSpace(v)
		if v == "" {
			return Vary{}, fmt.Errorf("--vary %q: empty value", s)
		}
		if slices.Contains(out, v) {
			return Vary{}, fmt.Errorf("--vary %q: value %q given twice", s, v)
		}
		out = append(out, v)
	}
	return Vary{Key: k, Values: out}, nil
}

// Config is one row of a comparison: a combination of varied values.
type Config struct {
	Varied map[string]string // the varied parameters only
	Values Values            // every parameter
}

// label is the varied values as "k1=v1 k2=v2", in --vary order.
func (c Config) label(order []string) string {
	var parts []string
	for _, k := range order {
		parts = append(parts, k+"="+c.Varied[k])
	}
	return strings.Join(parts, " ")
}

// Configs returns the cartesian product of vary over set, the first
// --vary changing slowest. Every combination is validated: an unknown
// key or a value the parameter does not accept is an error naming it.
func Configs(s *Scenario, set map[string]string, vary []Vary) ([]Config, error) {
	seen := map[string]bool{}
	for _, v := range vary {
		if seen[v.Key] {
			return nil, fmt.Errorf("--vary %s given twice", v.Key)
		}
		if _, fixed := set[v.Key]; fixed {
			return nil, fmt.Errorf("--vary %s: also given with --set", v.Key)
		}
		seen[v.Key] = true
	}
	combos := []map[string]string{{}}
	for _, v := range vary {
		var next []map[string]string
		for _, c := range combos {
			for _, val := range v.Values {
				m := maps.Clone(c)
				m[v.Key] = val
				next = append(next, m)
			}
		}
		combos = next
	}
	out := make([]Config, 0, len(combos))
	for _, c := range combos {
		all := maps.Clone(set)
		if all == nil {
			all = map[string]string{}
		}
		maps.Copy(all, c)
		vals, err := s.Resolve(all)
		if err != nil {
			return nil, fmt.Errorf("--vary: scenario %s: %w", s.Name, err)
		}
		out = append(out, Config{Varied: c, Values: vals})
	}
	return out, nil
}

// CompareOptions control a comparison.
type CompareOptions struct {
	Configs []Config
	Varied  []string // the varied keys, in --vary order, for labels
	Seeds   SeedRange
	Workers int
	Run     Options
	// OnRun, if set, is called after each run, in order, e.g. for progress.
	OnRun func(*Result)
	// Stop, when closed, ends the comparison at once. The rows then hold
	// the seeds that every configuration finished.
	Stop <-chan struct{}
	// Exec, if set, runs one configuration's values on one seed instead
	// of Execute(s, v, seed, Run), e.g. in a worker process (the CLI's
	// --isolate). It is called from Workers goroutines at once.
	Exec func(v Values, seed uint64) *Result
}

// Comparison holds the per-seed samples of every configuration. Every
// configuration ran on the same seeds: seed i gives each the same faults
// and arrivals (common random numbers), so per-seed differences are
// meaningful.
type Comparison struct {
	Scenario string
	Varied   []string // the varied keys, in --vary order
	Seeds    SeedRange
	// SeedsDone is how many seeds, from Seeds.First, every row finished.
	SeedsDone   int
	Rows        []*Row
	Interrupted bool
}

// Row is one configuration's results.
type Row struct {
	Config
	Label string
	// Samples maps a metric to its value for each seed, in seed order;
	// NaN where a run did not record it.
	Samples     map[string][]float64
	Failures    int // runs whose status is not ok
	FailedSeeds []uint64
	Statuses    map[string]int
	// Series maps a series name to its points averaged over the seeds
	// (a seed that did not record a step counts as 0).
	Series  map[string][]sim.Point
	results []*Result
}

// Metrics returns the metric names recorded by at least one run of every
// row, sorted.
func (c *Comparison) Metrics() []string {
	var common map[string]bool
	for _, r := range c.Rows {
		has := map[string]bool{}
		for name, xs := range r.Samples {
			if slices.ContainsFunc(xs, func(x float64) bool { return !math.IsNaN(x) }) {
				has[name] = true
			}
		}
		if common == nil {
			common = has
			continue
		}
		for k := range common {
			if !has[k] {
				delete(common, k)
			}
		}
	}
	return slices.Sorted(maps.Keys(common))
}

// Compare runs every configuration on every seed of opts.Seeds, on
// parallel workers, and gathers the samples. Runs are handed out seed by
// seed (all configurations of seed 0, then of seed 1, ...), so an
// interrupted comparison still pairs its configurations seed for seed.
func Compare(s *Scenario, opts CompareOptions) *Comparison {
	nc := len(opts.Configs)
	c := &Comparison{Scenario: s.Name, Seeds: opts.Seeds}
	c.Varied = opts.Varied
	for _, cfg := range opts.Configs {
		c.Rows = append(c.Rows, &Row{Config: cfg, Label: cfg.label(c.Varied), Samples: map[string][]float64{}, Statuses: map[string]int{}, FailedSeeds: []uint64{}})
	}
	type job struct{ row, seed int }
	jobs := func(yield func(job) bool) {
		for i := range opts.Seeds.Count {
			for r := range nc {
				if !yield(job{r, int(i)}) {
					return
				}
			}
		}
	}
	c.Interrupted = Pool(jobs, opts.Workers, opts.Stop,
		func(j job) *Result {
			v, seed := opts.Configs[j.row].Values, opts.Seeds.First+uint64(j.seed)
			var r *Result
			if opts.Exec != nil {
				r = opts.Exec(v, seed)
			} else {
				r = Execute(s, v, seed, opts.Run)
			}
			r.Stack = ""
			return r
		},
		func(j job, r *Result) bool {
			c.Rows[j.row].results = append(c.Rows[j.row].results, r)
			if opts.OnRun != nil {
				opts.OnRun(r)
			}
			return true
		}, nil)
	c.SeedsDone = int(opts.Seeds.Count)
	for _, row := range c.Rows {
		c.SeedsDone = min(c.SeedsDone, len(row.results))
	}
	for _, row := range c.Rows {
		row.gather(row.results[:c.SeedsDone])
		row.results = nil
	}
	return c
}

func (row *Row) gather(results []*Result) {
	names := map[string]bool{}
	for _, r := range results {
		for k := range r.Metrics {
			names[k] = true
		}
	}
	for k := range names {
		xs := make([]float64, len(results))
		for i, r := range results {
			v, ok := r.Metrics[k]
			if !ok {
				v = math.NaN()
			}
			xs[i] = v
		}
		row.Samples[k] = xs
	}
	row.Series = map[string][]sim.Point{}
	for _, r := range results {
		row.Statuses[r.Status]++
		if r.Failed() {
			row.Failures++
			row.FailedSeeds = append(row.FailedSeeds, r.Seed)
		}
		for _, name := range slices.Sorted(maps.Keys(r.Series)) {
			pts := r.Series[name]
			acc := row.Series[name]
			for len(acc) < len(pts) {
				acc = append(acc, sim.Point{T: pts[len(acc)].T})
			}
			for j, p := range pts {
				acc[j].V += p.V
			}
			row.Series[name] = acc
		}
	}
	for _, pts := range row.Series {
		for j := range pts {
			pts[j].V /= float64(len(results))
		}
	}
}

// VaryKeys returns the keys of vary, in order.
func VaryKeys(vary []Vary) []string {
	keys := make([]string, len(vary))
	for i, v := range vary {
		keys[i] = v.Key
	}
	return keys
}

// Direction says which way a metric is better.
type Direction int

const (
	Neutral      Direction = 0  // no row is marked best
	LowerBetter  Direction = -1 // latency, failures, attempts, amplification, ...
	HigherBetter Direction = 1  // goodput, successes, ...
)

// betterRules decide a metric's direction by the first rule whose
// pattern occurs in its name. Higher-is-better patterns come first so
// that "succeeded" is not caught by a lower-is-better pattern.
var betterRules = []struct {
	pattern string
	dir     Direction
}{
	{"goodput", HigherBetter},
	{"succeeded", HigherBetter},
	{"success", HigherBetter},
	{"throughput", HigherBetter},
	{"availability", HigherBetter},
	{"recovered", HigherBetter},
	{"latency", LowerBetter},
	{"failed", LowerBetter},
	{"failure", LowerBetter},
	{"attempts", LowerBetter},
	{"amplification", LowerBetter},
	{"timed_out", LowerBetter},
	{"timeout", LowerBetter},
	{"rejected", LowerBetter},
	{"shed", LowerBetter},
	{"dropped", LowerBetter},
	{"error", LowerBetter},
	{"violation", LowerBetter},
	{"stale", LowerBetter},
	{"retries", LowerBetter},
	{"zombie", LowerBetter},
	{"recovery", LowerBetter},
	{"completion", LowerBetter},
	{"_ms", LowerBetter},
}

// Better returns the direction in which metric is better, from its name.
// The network's counters (net_*) measure the faults a run was given, not
// how a configuration did: they have no direction.
func Better(metric string) Direction {
	if strings.HasPrefix(metric, costPrefix) {
		return Neutral
	}
	// The times at which something first happened, or a window opened or
	// closed (first_false_suspicion_ms, mixed_from_ms), are not better
	// earlier or later in general.
	if strings.HasPrefix(metric, "first_") || strings.HasSuffix(metric, "_from_ms") || strings.HasSuffix(metric, "_to_ms") {
		return Neutral
	}
	for _, r := range betterRules {
		if strings.Contains(metric, r.pattern) {
			return r.dir
		}
	}
	return Neutral
}

// preferredMetrics are shown by default, in this order, when present; at
// most maxDefaultMetrics of them.
var preferredMetrics = []string{
	"goodput_rps", "latency_p50_ms", "latency_p99_ms", "failed", "amplification", "recovery_ms",
	"succeeded", "attempts", "timed_out", "rejected", "shed", "completion_ms",
}

const maxDefaultMetrics = 6

// costPrefix starts the names of the network's cost counters.
const costPrefix = "net_"

// DefaultMetrics picks the columns shown when none are asked for. A
// scenario of requests (one that records goodput_rps) shows the common
// request metrics; any other, e.g. a consistency scenario, shows its own
// metrics, the network's counters last.
func DefaultMetrics(available []string) []string {
	var out []string
	if slices.Contains(available, "goodput_rps") {
		for _, m := range preferredMetrics {
			if slices.Contains(available, m) && len(out) < maxDefaultMetrics {
				out = append(out, m)
			}
		}
		return out
	}
	own := slices.DeleteFunc(slices.Clone(available), func(m string) bool { return strings.HasPrefix(m, costPrefix) })
	if len(own) == 0 {
		own = available
	}
	return own[:min(maxDefaultMetrics, len(own))]
}

// Cell is the statistics of one metric in one row.
type Cell struct {
	Summary
	Best bool `json:"best"` // the best mean of its column
	// Diff is the paired difference to the baseline row (this row minus
	// the baseline, seed by seed), when there is a baseline.
	Diff *Summary `json:"diff,omitempty"`
}

// Table computes the cells of the given metrics for every row (cells[row]
// [metric]). baseline is the index of the baseline row, or -1.
func (c *Comparison) Table(metrics []string, baseline int) [][]Cell {
	cells := make([][]Cell, len(c.Rows))
	for i, row := range c.Rows {
		cells[i] = make([]Cell, len(metrics))
		for j, m := range metrics {
			cells[i][j].Summary = Summarize(row.Samples[m])
			if baseline >= 0 {
				d := PairedDiff(row.Samples[m], c.Rows[baseline].Samples[m])
				cells[i][j].Diff = &d
			}
		}
	}
	for j, m := range metrics {
		dir := Better(m)
		if dir == Neutral || len(c.Rows) < 2 {
			continue
		}
		best, differ := math.NaN(), false
		for i := range c.Rows {
			if cells[i][j].N == 0 {
				continue
			}
			v := cells[i][j].Mean * float64(dir)
			if !math.IsNaN(best) && v != best {
				differ = true
			}
			if math.IsNaN(best) || v > best {
				best = v
			}
		}
		for i := range c.Rows {
			cells[i][j].Best = differ && cells[i][j].N > 0 && cells[i][j].Mean*float64(dir) == best
		}
	}
	return cells
}

// FindConfig returns the index of the configuration whose varied values
// match want (key=value pairs; keys not given match anything, but exactly
// one configuration must match). varied are the varied keys, in order.
func FindConfig(configs []Config, varied []string, want map[string]string) (int, error) {
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !slices.Contains(varied, k) {
			return -1, fmt.Errorf("--baseline: %s is not a varied parameter (accepted: %s)", k, strings.Join(varied, ", "))
		}
	}
	found := -1
	for i, row := range configs {
		match := true
		for k, v := range want {
			if row.Varied[k] != v {
				match = false
			}
		}
		if match {
			if found >= 0 {
				return -1, fmt.Errorf("--baseline %s: matches more than one row; give every varied parameter", FormatParams(want))
			}
			found = i
		}
	}
	if found < 0 {
		var labels []string
		for _, row := range configs {
			labels = append(labels, strings.ReplaceAll(row.label(varied), " ", ","))
		}
		return -1, fmt.Errorf("--baseline %s: matches no row (accepted: %s)", FormatParams(want), strings.Join(labels, "; "))
	}
	return found, nil
}
