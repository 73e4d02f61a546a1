package scenarios

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseVary(t *testing.T) {
	v, err := ParseVary("retry=none, fixed ,expo")
	if err != nil || v.Key != "retry" || !reflect.DeepEqual(v.Values, []string{"none", "fixed", "expo"}) {
		t.Fatalf("%+v %v", v, err)
	}
	v, err = ParseVary("latency=normal:10ms,2ms;5ms")
	if err != nil || !reflect.DeepEqual(v.Values, []string{"normal:10ms,2ms", "5ms"}) {
		t.Fatalf("%+v %v", v, err)
	}
	for _, bad := range []string{"retry", "=a,b", "retry=", "retry=a,,b", "retry=a,a", "retry=a;"} {
		if _, err := ParseVary(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConfigsProductAndValidation(t *testing.T) {
	s, _ := prepSweep(t, nil)
	cfgs, err := Configs(s, map[string]string{"events": "5"}, []Vary{{"delay", []string{"1ms", "2ms"}}, {"fail_mod", []string{"0", "3", "4"}}})
	if err != nil || len(cfgs) != 6 {
		t.Fatalf("%d configs, %v", len(cfgs), err)
	}
	if got := cfgs[1].label([]string{"delay", "fail_mod"}); got != "delay=1ms fail_mod=3" {
		t.Fatalf("label %q", got)
	}
	if cfgs[5].Values.Int("events") != 5 {
		t.Fatal("--set lost")
	}
	tests := []struct {
		vary []Vary
		set  map[string]string
		err  string
	}{
		{[]Vary{{"nope", []string{"1"}}}, nil, `unknown parameter "nope" (accepted: `},
		{[]Vary{{"delay", []string{"1ms", "fast"}}}, nil, `parameter delay: bad value "fast"`},
		{[]Vary{{"delay", []string{"1ms"}}, {"delay", []string{"2ms"}}}, nil, "twice"},
		{[]Vary{{"delay", []string{"1ms"}}}, map[string]string{"delay": "3ms"}, "--set"},
	}
	for _, tt := range tests {
		if _, err := Configs(s, tt.set, tt.vary); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%v: err %v, want %q", tt.vary, err, tt.err)
		}
	}
}

func TestBetter(t *testing.T) {
	tests := map[string]Direction{
		"goodput_rps": HigherBetter, "succeeded": HigherBetter, "latency_p99_ms": LowerBetter,
		"failed": LowerBetter, "attempts": LowerBetter, "amplification": LowerBetter,
		"timed_out": LowerBetter, "rejected": LowerBetter, "passes": Neutral, "ball_done_p99_ms": LowerBetter,
		// The network's counters say what faults a run got, not how it did.
		"first_false_suspicion_ms": Neutral, "mixed_from_ms": Neutral, "mixed_to_ms": Neutral, "time_to_first_byte_ms": LowerBetter,
		"net_dropped_loss": Neutral, "net_bytes_sent": Neutral, "net_messages_reordered": Neutral,
	}
	for m, want := range tests {
		if got := Better(m); got != want {
			t.Errorf("%s: %v, want %v", m, got, want)
		}
	}
}

func TestDefaultMetrics(t *testing.T) {
	got := DefaultMetrics([]string{"a", "attempts", "goodput_rps", "latency_p99_ms", "z"})
	if !reflect.DeepEqual(got, []string{"goodput_rps", "latency_p99_ms", "attempts"}) {
		t.Fatal(got)
	}
	many := []string{"amplification", "attempts", "failed", "goodput_rps", "latency_p50_ms", "latency_p99_ms", "recovery_ms", "succeeded"}
	if got := DefaultMetrics(many); !reflect.DeepEqual(got, []string{"goodput_rps", "latency_p50_ms", "latency_p99_ms", "failed", "amplification", "recovery_ms"}) {
		t.Fatal(got)
	}
	if got := DefaultMetrics([]string{"a", "b"}); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatal(got)
	}
	// A consistency scenario shows its own metrics, not the network's
	// counters, and not the one request metric it happens to share.
	kv := []string{"attempts", "availability", "net_bytes_delivered", "net_bytes_sent", "net_dropped_loss", "ok_ops", "ops", "pending_ops"}
	if got := DefaultMetrics(kv); !reflect.DeepEqual(got, []string{"attempts", "availability", "ok_ops", "ops", "pending_ops"}) {
		t.Fatal(got)
	}
	if got := DefaultMetrics([]string{"net_a", "net_b"}); !reflect.DeepEqual(got, []string{"net_a", "net_b"}) {
		t.Fatal(got)
	}
}

func compareDelays(t *testing.T, workers int, delays ...string) *Comparison {
	t.Helper()
	s, _ := prepSweep(t, nil)
	vary := []Vary{{"delay", delays}}
	cfgs, err := Configs(s, map[string]string{"events": "50", "fail_mod": "3"}, vary)
	if err != nil {
		t.Fatal(err)
	}
	return Compare(s, CompareOptions{Configs: cfgs, Varied: VaryKeys(vary), Seeds: SeedRange{First: 0, Count: 20}, Workers: workers})
}

func TestCompareIsIndependentOfWorkers(t *testing.T) {
	a, b := compareDelays(t, 1, "10ms", "20ms"), compareDelays(t, 3, "10ms", "20ms")
	ja, _ := json.Marshal(a.Table(a.Metrics(), 0))
	jb, _ := json.Marshal(b.Table(b.Metrics(), 0))
	if string(ja) != string(jb) || !reflect.DeepEqual(a.Rows[1].Series, b.Rows[1].Series) {
		t.Fatal("-j 1 and -j 3 differ")
	}
	if a.SeedsDone != 20 || a.Rows[0].Failures != 7 || len(a.Rows[0].FailedSeeds) != 7 || a.Rows[0].Label != "delay=10ms" {
		t.Fatalf("done %d failures %d label %q", a.SeedsDone, a.Rows[0].Failures, a.Rows[0].Label)
	}
	if len(a.Rows[0].Series["goodput_rps"]) == 0 {
		t.Fatal("no series")
	}
}

func TestCompareMarksBestAndBaseline(t *testing.T) {
	c := compareDelays(t, 2, "10ms", "5ms", "20ms")
	metrics := []string{"latency_p99_ms", "succeeded", "latency_count"}
	cells := c.Table(metrics, 0)
	if !cells[1][0].Best || cells[0][0].Best || cells[2][0].Best {
		t.Fatal("the shortest delay should have the best latency")
	}
	for i := range cells { // succeeded is equal everywhere: nobody is best
		if cells[i][1].Best || cells[i][2].Best {
			t.Fatalf("row %d marked best on a tie or a neutral metric", i)
		}
	}
	if d := cells[0][0].Diff; d == nil || d.Mean != 0 || d.CI95 != 0 {
		t.Fatalf("baseline against itself: %+v", d)
	}
	if d := cells[2][0].Diff; d.Mean <= 0 {
		t.Fatalf("20ms vs 10ms latency diff %+v", d)
	}
}

// Common random numbers: seed i gives every configuration the same load,
// so the paired interval of a difference is far tighter than the
// unpaired one.
func TestCommonRandomNumbersTightenDifferences(t *testing.T) {
	c := compareDelays(t, 2, "10ms", "12ms")
	m := "latency_mean_ms"
	paired := PairedDiff(c.Rows[1].Samples[m], c.Rows[0].Samples[m])
	unpaired := UnpairedCI95(Summarize(c.Rows[1].Samples[m]), Summarize(c.Rows[0].Samples[m]))
	if paired.Mean <= 0 || !(paired.CI95*4 < unpaired) {
		t.Fatalf("paired %+v, unpaired ci %v", paired, unpaired)
	}
	t.Logf("diff %.3f ms: paired ±%.4f, unpaired ±%.3f", paired.Mean, paired.CI95, unpaired)
}

func TestFindConfig(t *testing.T) {
	s, _ := prepSweep(t, nil)
	vary := []Vary{{"delay", []string{"1ms", "2ms"}}, {"fail_mod", []string{"0", "3"}}}
	cfgs, _ := Configs(s, nil, vary)
	keys := VaryKeys(vary)
	if i, err := FindConfig(cfgs, keys, map[string]string{"delay": "2ms", "fail_mod": "0"}); err != nil || i != 2 {
		t.Fatalf("%d %v", i, err)
	}
	for want, errHas := range map[string]string{"delay=2ms": "more than one", "delay=3ms": "matches no row", "events=1": "not a varied"} {
		k, v, _ := strings.Cut(want, "=")
		if _, err := FindConfig(cfgs, keys, map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), errHas) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

func TestCompareStopKeepsWholeSeeds(t *testing.T) {
	s, _ := prepSweep(t, nil)
	cfgs, _ := Configs(s, nil, []Vary{{"delay", []string{"1ms", "2ms", "3ms"}}})
	stop := make(chan struct{})
	n := 0
	c := Compare(s, CompareOptions{Configs: cfgs, Seeds: SeedRange{0, 100}, Workers: 2, Stop: stop, OnRun: func(*Result) {
		if n++; n == 7 {
			close(stop)
		}
	}})
	if !c.Interrupted || c.SeedsDone > 3 || c.SeedsDone < 2 {
		t.Fatalf("interrupted %v seeds done %d", c.Interrupted, c.SeedsDone)
	}
	for _, r := range c.Rows {
		if len(r.Samples["succeeded"]) != c.SeedsDone || math.IsNaN(r.Samples["succeeded"][0]) {
			t.Fatal("rows not cut to whole seeds")
		}
	}
}
