package faults

import "testing"

func TestCount(t *testing.T) {
	s, err := Parse("at 1s crash n1 for 1s\nat 2s heal\nat 0s offset n2 +0s\nat 3s loss * 0 for 1s\nat 3s slow n1 x1 for 1s\nat 4s jump n1 +5ms\nat 5s drift n2 +0ppm", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Count(); got != 2 {
		t.Fatalf("count %d of %d lines, want 2 (the crash and the jump)", got, len(s.Faults))
	}
}
