package sim

import (
	"testing"
	"time"
)

// The kind cache must give fnv64 of the content whatever shares a slot:
// "send" and "sent" share one, and so do kinds built at run time.
func TestKindHashMatchesFNV(t *testing.T) {
	w := New(1, Options{})
	built := string([]byte{'s', 'e', 'n', 'd'})
	for _, k := range []string{"send", "sent", "send", built, "drop", "", "x", "deliver", "sent", built} {
		if got, want := w.kindHash(k), fnv64(k); got != want {
			t.Errorf("kindHash(%q) = %x, want %x", k, got, want)
		}
	}
}

// Buckets sized from the previous step must still hold exactly their own
// values.
func TestSeriesBucketsAfterPrealloc(t *testing.T) {
	s := &Series{Kind: SeriesRate, Step: time.Second}
	for i := range 3 {
		s.Add(Time(0), float64(i))
	}
	s.Add(Time(time.Second), 10)
	s.Add(Time(3*time.Second), 7)
	s.Add(Time(3*time.Second+1), 8)
	pts := s.Points(Time(4 * time.Second))
	want := []float64{3, 10, 0, 15}
	for i, p := range pts {
		if got := p.V; got != want[i] {
			t.Errorf("step %d: sum %v, want %v", i, got, want[i])
		}
	}
}
