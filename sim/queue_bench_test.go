package sim

import (
	"strconv"
	"testing"
)

// BenchmarkQueue measures one pop and one push of the queue alone, with n
// events pending (the hold model): keys are sequence numbers, as by
// default, or random, as with ShuffleTies.
func BenchmarkQueue(b *testing.B) {
	for _, keys := range []string{"seq", "random"} {
		for _, n := range sizes {
			b.Run(keys+"/pending="+strconv.Itoa(n), func(b *testing.B) {
				rng := NewStream(1, "bench")
				var q queue
				var seq uint64
				key := func() uint64 {
					seq++
					if keys == "random" {
						return rng.Uint64()
					}
					return seq
				}
				for range n {
					q.push(&Event{At: Time(timeDelta(rng))}, key())
				}
				var ev Event
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					q.pop(&ev)
					q.push(&Event{At: ev.At + Time(timeDelta(rng))}, key())
				}
			})
		}
	}
}
