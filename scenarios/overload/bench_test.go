package overload

import (
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// BenchmarkRetryStorm runs the retry-storm scenario at its default size
// (60 s of simulated time, naive policy) on seeds 0..b.N-1. One op is one
// whole run. It reports simx, simulated seconds per wall-clock second,
// and events/s, the engine's handled events per wall-clock second.
func BenchmarkRetryStorm(b *testing.B) {
	s := RetryStorm

	v, err := s.Values(nil)
	if err != nil {
		b.Fatal(err)
	}
	var simNs, events float64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		res := scenarios.Execute(s, v, uint64(i), scenarios.Options{})
		if res.Status != scenarios.StatusOK {
			b.Fatalf("seed %d: status %s %s", i, res.Status, res.Error)
		}
		simNs += float64(res.SimTimeNs)
		events += float64(res.Events)
	}
	wall := b.Elapsed().Seconds()
	if wall > 0 {
		b.ReportMetric(simNs/1e9/wall, "simx")
		b.ReportMetric(events/wall, "events/s")
	}
	b.ReportMetric(events/float64(b.N), "events/op")
}
