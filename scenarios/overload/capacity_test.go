package overload

import (
	"math"
	"testing"
	"time"

	"github.com/faultline/faultline/scenarios"
)

// theoryLevels returns the largest levels whose M/M/c response-time
// p99 is within bound·(1-margin) and bound·(1+margin): a search that
// matches the theory finds a capacity between them.
func theoryLevels(levels []float64, c int, s, bound time.Duration, margin float64) (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for _, l := range levels {
		p99, ok := MMcResponseQuantile(c, l, s, 0.99)
		if !ok {
			break
		}
		if float64(p99) <= float64(bound)*(1-margin) {
			lo = l
		}
		if float64(p99) <= float64(bound)*(1+margin) {
			hi = l
		}
	}
	return lo, hi
}

func TestMMcResponseQuantile(t *testing.T) {
	// M/M/1: the response time is exponential at rate μ-λ.
	got, _ := MMcResponseQuantile(1, 10, 20*time.Millisecond, 0.99)
	want := math.Log(100) / 40
	if math.Abs(got.Seconds()-want) > 1e-6 {
		t.Fatalf("M/M/1 p99 %v, want %.6fs", got, want)
	}
	// The median of M/M/c is below its mean, and p99 above it.
	mean, _ := MMcResponse(2, 70, 20*time.Millisecond)
	p50, _ := MMcResponseQuantile(2, 70, 20*time.Millisecond, 0.5)
	p99, _ := MMcResponseQuantile(2, 70, 20*time.Millisecond, 0.99)
	if !(p50 < mean && mean < p99) {
		t.Fatalf("p50 %v, mean %v, p99 %v out of order", p50, mean, p99)
	}
	if _, ok := MMcResponseQuantile(2, 100, 20*time.Millisecond, 0.99); ok {
		t.Fatal("utilization 1 reported stable")
	}
}

// On queue, the capacity a search finds under a p99 SLO is where the
// M/M/c response-time p99 crosses the bound, within one load step.
func TestCapacityMatchesMMc(t *testing.T) {
	const (
		workers = 2
		service = 20 * time.Millisecond
		bound   = 200 * time.Millisecond
	)
	slo, err := scenarios.ParseSLO("latency_p99_ms<200")
	if err != nil {
		t.Fatal(err)
	}
	lr, err := scenarios.ParseLoadRange("rate=40..95", 12)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenarios.Capacity(Queue, scenarios.CapacityOptions{
		Set:  map[string]string{"duration": "30s"},
		Load: lr, SLOs: []scenarios.SLO{slo},
		Seeds: scenarios.SeedRange{First: 0, Count: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	got := row.CapacityLoad()
	levels := lr.Values()
	check := func(c int) bool {
		lo, hi := theoryLevels(levels, c, service, bound, 0.05)
		t.Logf("capacity %.1f; M/M/%d theory within 5%% of the bound: %v..%v", got, c, lo, hi)
		return got >= lo && got <= hi
	}
	if !check(workers) {
		t.Fatalf("capacity %v does not match M/M/%d theory", got, workers)
	}
	// The check can fail: the theory of one worker fewer does not match.
	if check(workers - 1) {
		t.Fatalf("M/M/%d theory matches too: the test cannot tell", workers-1)
	}
}
