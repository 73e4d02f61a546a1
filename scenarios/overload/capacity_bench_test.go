package overload

import (
	"runtime/debug"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// BenchmarkCapacityRetryStorm is one whole capacity search of
// retry-storm at its defaults: 10 load levels (rate=10..100) × 20 seeds,
// every seed run (no early stop), on GOMAXPROCS workers. The target is
// under 10 s an op on this 2-core machine. The GC target is the one
// cli.Main sets (400), so the figure is what the command takes.
func BenchmarkCapacityRetryStorm(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	lr, err := scenarios.ParseLoadRange("rate=10..100", 10)
	if err != nil {
		b.Fatal(err)
	}
	slos := []scenarios.SLO{{Metric: "latency_p99_ms", Op: "<", Bound: 500}, {Metric: "success_rate", Op: ">", Bound: 0.99}}
	for b.Loop() {
		res, err := scenarios.Capacity(RetryStorm, scenarios.CapacityOptions{
			Load: lr, SLOs: slos, Seeds: scenarios.SeedRange{First: 0, Count: 20},
		})
		if err != nil || res.SeedsDone != 20 {
			b.Fatalf("%v, %d seeds", err, res.SeedsDone)
		}
	}
	b.ReportMetric(200, "runs/op")
}
