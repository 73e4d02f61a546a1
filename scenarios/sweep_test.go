package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

// sweepScenario does a little seeded work, records metrics and series,
// and misbehaves on chosen seeds, to exercise sweeps and comparisons.
var sweepScenario = &Scenario{
	Name:    "sweep-test",
	Summary: "seeded work that fails or panics on chosen seeds",
	Params: []Param{
		{Name: "events", Default: "200", Kind: Int, Min: 1, Max: 1e7},
		{Name: "fail_mod", Default: "0", Kind: Int, Min: 0, Max: 1000, Help: "fail seeds divisible by this (0: none)"},
		{Name: "panic_odd", Default: "false", Kind: Bool},
		{Name: "delay", Default: "10ms", Kind: Duration},
	},
	Run: func(r *Run) error {
		w := r.World
		if r.Params.Bool("panic_odd") && r.Seed%2 == 1 {
			w.Schedule(sim.Time(time.Millisecond), sim.HandlerFunc(func(*sim.Event) { panic("odd seed") }), sim.Event{})
		}
		rng := w.Rand("work")
		lat := w.Metrics.Histogram("latency_ms")
		good := w.Metrics.Series("goodput_rps", sim.SeriesRate, time.Second)
		delay := r.Params.Duration("delay")
		// A per-seed load shared by every configuration: common random numbers.
		load := 1 + 4*w.Rand("load").Float64()
		n := r.Params.Int("events")
		var h sim.HandlerFunc
		left := n
		h = func(*sim.Event) {
			d := time.Duration(load * float64(delay) * (0.5 + rng.Float64()))
			lat.ObserveDuration(d)
			good.Add(w.Now(), 1)
			w.Metrics.Counter("succeeded").Inc()
			if left--; left > 0 {
				w.After(d, h, sim.Event{})
			}
		}
		w.Schedule(0, h, sim.Event{})
		if err := w.Run(); err != nil {
			return err
		}
		if m := uint64(r.Params.Int("fail_mod")); m > 0 && r.Seed%m == 0 {
			r.Check(checks.Failf("planted", "seed %d is divisible by %d", r.Seed, m))
		} else {
			r.Check(checks.Pass("planted"))
		}
		return nil
	},
}

func prepSweep(t testing.TB, set map[string]string) (*Scenario, Values) {
	t.Helper()
	s := sweepScenario
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestParseSeedRange(t *testing.T) {
	tests := []struct {
		in   string
		want SeedRange
		err  string
	}{
		{"0-9", SeedRange{0, 10}, ""},
		{"5-5", SeedRange{5, 1}, ""},
		{"100", SeedRange{0, 100}, ""},
		{" 3-4 ", SeedRange{3, 2}, ""},
		{"9-0", SeedRange{}, "reversed"},
		{"0", SeedRange{}, "empty"},
		{"", SeedRange{}, "not a count"},
		{"a-b", SeedRange{}, "non-negative"},
		{"-3", SeedRange{}, "non-negative"},
		{"1-2-3", SeedRange{}, "non-negative"},
		{"0-18446744073709551615", SeedRange{}, "too many"},
	}
	for _, tt := range tests {
		got, err := ParseSeedRange(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "accepted") {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, ok := range []string{"0/1", "0/4", "3/4"} {
		if _, _, err := ParseShard(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"4/4", "-1/4", "1/0", "1", "a/b", "1/4/2", ""} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The shards of a range cover it exactly once, in order, with sizes that
// differ by at most one.
func TestShardsPartitionTheRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := SeedRange{First: rapid.Uint64Range(0, 1<<40).Draw(t, "first"), Count: rapid.Uint64Range(1, 1000).Draw(t, "count")}
		n := rapid.IntRange(1, 50).Draw(t, "n")
		next, minSize, maxSize := r.First, r.Count, uint64(0)
		for i := range n {
			s := r.Shard(i, n)
			if s.Count > 0 && s.First != next {
				t.Fatalf("shard %d starts at %d, want %d", i, s.First, next)
			}
			next += s.Count
			minSize, maxSize = min(minSize, s.Count), max(maxSize, s.Count)
		}
		if next != r.First+r.Count || maxSize-minSize > 1 {
			t.Fatalf("shards end at %d (want %d), sizes %d..%d", next, r.First+r.Count, minSize, maxSize)
		}
	})
}

func sweepLines(t *testing.T, s *Scenario, v Values, opts SweepOptions) (*SweepSummary, []byte) {
	t.Helper()
	var buf bytes.Buffer
	var last uint64
	first := true
	opts.OnResult = func(r *Result) error {
		if !first && r.Seed <= last {
			t.Errorf("seed %d reported after %d", r.Seed, last)
		}
		first, last = false, r.Seed
		b, err := json.Marshal(r)
		buf.Write(append(b, '\n'))
		return err
	}
	sum, err := Sweep(s, v, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum, buf.Bytes()
}

// A sweep's results and summary do not depend on the number of workers,
// and panics on some seeds do not stop the others.
func TestSweepIsIndependentOfWorkers(t *testing.T) {
	s, v := prepSweep(t, map[string]string{"panic_odd": "true", "fail_mod": "4"})
	seeds := SeedRange{First: 0, Count: 24}
	sum1, out1 := sweepLines(t, s, v, SweepOptions{Seeds: seeds, Workers: 1})
	sum4, out4 := sweepLines(t, s, v, SweepOptions{Seeds: seeds, Workers: 4})
	if !bytes.Equal(out1, out4) {
		t.Fatal("-j 1 and -j 4 wrote different results")
	}
	j1, _ := json.Marshal(sum1)
	j4, _ := json.Marshal(sum4)
	if !bytes.Equal(j1, j4) {
		t.Fatalf("summaries differ:\n%s\n%s", j1, j4)
	}
	if sum1.Runs != 24 || sum1.Statuses[StatusPanic] != 12 || sum1.Statuses[StatusFail] != 6 || sum1.Statuses[StatusOK] != 6 {
		t.Fatalf("statuses %v runs %d", sum1.Statuses, sum1.Runs)
	}
	if sum1.FirstFailure == nil || sum1.FirstFailure.Seed != 0 || len(sum1.Failed) != 18 {
		t.Fatalf("failed %v first %+v", sum1.Failed, sum1.FirstFailure)
	}
	if !strings.Contains(string(out1), `"status":"panic"`) {
		t.Fatal("no panic recorded")
	}
}

// Fail-fast reports exactly what one worker would: every seed up to and
// including the lowest failing one.
func TestSweepFailFastIsDeterministic(t *testing.T) {
	s, v := prepSweep(t, map[string]string{"fail_mod": "7"})
	seeds := SeedRange{First: 1, Count: 40}
	for _, j := range []int{1, 2, 3, 8} {
		sum, out := sweepLines(t, s, v, SweepOptions{Seeds: seeds, Workers: j, FailFast: true})
		if sum.Runs != 7 || !slices.Equal(sum.Failed, []uint64{7}) || sum.FirstFailure.Seed != 7 {
			t.Fatalf("-j %d: runs %d failed %v", j, sum.Runs, sum.Failed)
		}
		if n := bytes.Count(out, []byte("\n")); n != 7 {
			t.Fatalf("-j %d: %d lines, want 7", j, n)
		}
	}
}

func TestSweepResumeSkipsDoneSeeds(t *testing.T) {
	s, v := prepSweep(t, map[string]string{"fail_mod": "5"})
	seeds := SeedRange{First: 0, Count: 12}
	_, full := sweepLines(t, s, v, SweepOptions{Seeds: seeds, Workers: 2})
	// Keep the first 4 lines and a torn fifth, as kill -9 might.
	lines := bytes.SplitAfter(full, []byte("\n"))
	partial := bytes.Join(lines[:4], nil)
	torn := append(slices.Clone(partial), lines[4][:len(lines[4])/2]...)
	done, good, err := ReadResults(bytes.NewReader(torn))
	if err != nil || len(done) != 4 || good != int64(len(partial)) {
		t.Fatalf("read %d results, good %d (want %d), err %v", len(done), good, len(partial), err)
	}
	if why := SameRun(done, s.Name, v.Map()); why != "" {
		t.Fatal(why)
	}
	sum, rest := sweepLines(t, s, v, SweepOptions{Seeds: seeds, Workers: 3, Done: done})
	if !bytes.Equal(append(partial, rest...), full) {
		t.Fatal("resumed stream differs from a full sweep")
	}
	if sum.Runs != 12 || sum.Resumed != 4 || !slices.Equal(sum.Failed, []uint64{0, 5, 10}) || sum.FirstFailure.Seed != 0 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestReadResultsRejectsCorruptMiddle(t *testing.T) {
	ok := `{"scenario":"x","seed":1,"status":"ok"}` + "\n"
	in := ok + "garbage\n" + `{"scenario":"x","seed":2,"status":"ok"}` + "\n"
	if _, _, err := ReadResults(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err %v", err)
	}
	// An incomplete last line is torn: dropped.
	res, good, err := ReadResults(strings.NewReader(ok + `{"scen`))
	if err != nil || len(res) != 1 || good != int64(len(ok)) {
		t.Fatalf("%v %d %v", res, good, err)
	}
	// A whole last line that is not a result is an error, not a torn line,
	// so --resume never truncates a file that is not a result stream.
	for _, last := range []string{"garbage\n", `{"scenario":"x","seed":2}` + "\n"} {
		if _, _, err := ReadResults(strings.NewReader(ok + last)); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("%q: err %v", last, err)
		}
	}
}

func TestReadResultsRejectsDuplicateSeed(t *testing.T) {
	a := `{"scenario":"x","seed":1,"status":"ok"}` + "\n"
	b := `{"scenario":"x","seed":2,"status":"ok"}` + "\n"
	_, _, err := ReadResults(strings.NewReader(a + b + a))
	if err == nil || !strings.Contains(err.Error(), "line 3: seed 1 is already on line 1") {
		t.Fatalf("err %v", err)
	}
	// A torn copy at the end is still only a torn line.
	if res, _, err := ReadResults(strings.NewReader(a + b + a[:10])); err != nil || len(res) != 2 {
		t.Fatalf("%v %v", res, err)
	}
}

func TestSameRunNamesTheMismatch(t *testing.T) {
	s, v := prepSweep(t, nil)
	r := Execute(s, v, 1, Options{})
	if why := SameRun([]*Result{r}, "pingpong", v.Map()); !strings.Contains(why, `scenario "sweep-test"`) {
		t.Fatal(why)
	}
	_, v2 := prepSweep(t, map[string]string{"events": "5"})
	if why := SameRun([]*Result{r}, s.Name, v2.Map()); !strings.Contains(why, "other parameters") {
		t.Fatal(why)
	}
}

func TestSweepStop(t *testing.T) {
	s, v := prepSweep(t, nil)
	stop := make(chan struct{})
	close(stop)
	sum, err := Sweep(s, v, SweepOptions{Seeds: SeedRange{0, 1000}, Workers: 2, Stop: stop})
	if err != nil || !sum.Interrupted || sum.Runs == 1000 {
		t.Fatalf("interrupted %v runs %d err %v", sum.Interrupted, sum.Runs, err)
	}
}

func TestSweepCallbackErrorStops(t *testing.T) {
	s, v := prepSweep(t, nil)
	n := 0
	_, err := Sweep(s, v, SweepOptions{Seeds: SeedRange{0, 50}, Workers: 2, OnResult: func(*Result) error {
		if n++; n == 3 {
			return fmt.Errorf("disk full")
		}
		return nil
	}})
	if err == nil || n != 3 {
		t.Fatalf("err %v after %d results", err, n)
	}
}

func TestParseWorkers(t *testing.T) {
	if _, err := ParseWorkers(-1); err == nil {
		t.Fatal("-1 accepted")
	}
	if n, _ := ParseWorkers(0); n < 1 {
		t.Fatalf("0 gave %d", n)
	}
}

// BenchmarkSweep reports the speed-up of 2 workers over 1 (on a 2-core
// machine, close to 2 when nothing else runs).
func BenchmarkSweep(b *testing.B) {
	s, v := prepSweep(b, map[string]string{"events": "20000"})
	for _, j := range []int{1, 2} {
		b.Run(fmt.Sprintf("j=%d", j), func(b *testing.B) {
			for b.Loop() {
				if _, err := Sweep(s, v, SweepOptions{Seeds: SeedRange{0, 16}, Workers: j}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(16*b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}
