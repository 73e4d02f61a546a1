package sim

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/benchpair"
)

// chain handles each event by scheduling one more at a random later time,
// so the number of pending events stays constant.
type chain struct {
	w     *World
	rng   *rand.Rand
	delta func(*rand.Rand) time.Duration // nil: timeDelta
}

func (c *chain) Handle(ev *Event) {
	d := timeDelta
	if c.delta != nil {
		d = c.delta
	}
	c.w.After(d(c.rng), c, Event{Kind: 1, Node: ev.Node, A: ev.A + 1})
}

func timeDelta(rng *rand.Rand) (d time.Duration) { return time.Duration(1 + rng.Uint64N(1_000_000)) }

// mixedDelta spreads delays over every scale from 1 ns to about an hour
// (log-uniform), the hardest case for the queue's calendar widths.
func mixedDelta(rng *rand.Rand) time.Duration {
	e := rng.IntN(42)
	return time.Duration(1<<e + rng.Uint64N(1<<e))
}

// bareItem and bareHeap are the baseline: a hand-written binary heap loop
// doing the same work with no engine around it.
type bareItem struct {
	at  int64
	seq uint64
}

type bareHeap []bareItem

func (h *bareHeap) push(x bareItem) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].at < s[i].at || (s[p].at == s[i].at && s[p].seq < s[i].seq) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *bareHeap) pop() bareItem {
	s := *h
	n := len(s) - 1
	top := s[0]
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && (s[r].at < s[l].at || (s[r].at == s[l].at && s[r].seq < s[l].seq)) {
			m = r
		}
		if s[i].at < s[m].at || (s[i].at == s[m].at && s[i].seq < s[m].seq) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

var sizes = []int{10, 1_000, 100_000}

// BenchmarkEngine measures the engine against a bare heap loop doing the
// same work (pop the least event, draw a delay, push one more), with n
// events pending. The two alternate in short rounds within one run (engine,
// bare, engine, bare ...; see internal/benchpair), so a busy neighbour
// slows both alike. It reports each side's CPU ns per event and
// engine/bare-%: the engine's speed as a share of the bare loop's (bare
// time / engine time), the median over the rounds.
// ns/op is the two sides together. The bare loop allocates nothing, so
// B/op and allocs/op are the engine's.
func BenchmarkEngine(b *testing.B) {
	for _, n := range sizes {
		benchEngine(b, n, "", timeDelta)
	}
}

// BenchmarkEngineMixedScales is BenchmarkEngine with delays from 1 ns to an
// hour at once, which the calendar cannot fit one bucket width to.
func BenchmarkEngineMixedScales(b *testing.B) {
	for _, n := range sizes {
		benchEngine(b, n, "/mixed", mixedDelta)
	}
}

// benchRound is how many events each side handles per round: short
// rounds, so that the median rejects rounds a neighbour disturbed, but long
// enough at large sizes that switching working sets costs little.
func benchRound(pending int) int { return min(max(16*pending, 4096), 1<<16) }

func benchEngine(b *testing.B, n int, suffix string, delta func(*rand.Rand) time.Duration) {
	b.Run("pending="+strconv.Itoa(n)+suffix, func(b *testing.B) {
		defer benchpair.Lock()()
		w := New(1, Options{Limits: Limits{MaxEvents: 1 << 62, MaxTime: Never - 1}})
		c := &chain{w: w, rng: w.Rand("bench"), delta: delta}
		for i := range n {
			w.After(delta(c.rng), c, Event{Node: int32(i)})
		}
		engine := func(k int) {
			if err := w.RunEvents(uint64(k)); err != nil {
				b.Fatal(err)
			}
		}
		bare := newBareLoop(n, delta)
		// Let both settle (the calendar sizes its buckets) before timing.
		warm := 2*n + benchRound(n)
		engine(warm)
		bare.run(warm)
		b.ReportAllocs()
		b.ResetTimer()
		r := benchpair.Run(b.N, benchRound(n), engine, bare.run)
		b.StopTimer()
		b.ReportMetric(r.ANsPerOp(), "engine-ns/event")
		b.ReportMetric(r.BNsPerOp(), "bare-ns/event")
		b.ReportMetric(100*r.Ratio, "engine/bare-%")
	})
}

// bareLoop is the baseline: the hold model on a bareHeap.
type bareLoop struct {
	h     bareHeap
	rng   *rand.Rand
	delta func(*rand.Rand) time.Duration
	seq   uint64
	hash  uint64
}

func newBareLoop(n int, delta func(*rand.Rand) time.Duration) *bareLoop {
	l := &bareLoop{h: make(bareHeap, 0, n+1), rng: NewStream(1, "bench"), delta: delta}
	for range n {
		l.seq++
		l.h.push(bareItem{at: int64(delta(l.rng)), seq: l.seq})
	}
	return l
}

func (l *bareLoop) run(k int) {
	for range k {
		it := l.h.pop()
		l.hash ^= uint64(it.at)
		l.seq++
		l.h.push(bareItem{at: it.at + int64(l.delta(l.rng)), seq: l.seq})
	}
}

// BenchmarkMillionPending holds 1 000 000 pending events and reports the
// heap bytes each one costs (engine structures plus a pointer payload
// shared by all).
func BenchmarkMillionPending(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w := New(1, Options{})
		c := &chain{w: w, rng: w.Rand("bench")}
		for i := range n {
			w.After(timeDelta(c.rng), c, Event{Node: int32(i % 10_000)})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if w.Pending() != n {
			b.Fatal("pending", w.Pending())
		}
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "heap-bytes/pending")
		if err := w.RunEvents(n); err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(w)
	}
}
