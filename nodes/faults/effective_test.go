package faults

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	s, err := Parse("at 1s crash n1 for 1s\nat 2s heal\nat 0s offset n2 +0s\nat 3s loss * 0 for 1s\nat 3s slow n1 x1 for 1s\nat 4s jump n1 +5ms\nat 5s drift n2 +0ppm", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Count(); got != 2 {
		t.Fatalf("count %d of %d lines, want 2 (the crash and the jump)", got, len(s.Faults))
	}
}

func TestProfiles(t *testing.T) {
	got, err := ParseKinds("pauses,crash,clocks")
	if err != nil {
		t.Fatal(err)
	}
	want := []Kind{Pause, Slow, Crash, Offset, Drift, Jump}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, name := range profileNames {
		if len(Profiles[name]) == 0 {
			t.Errorf("profile %s is empty", name)
		}
	}
	if _, err := ParseKinds("pausez"); err == nil || !strings.Contains(err.Error(), "a profile: crashes, partitions, clocks, pauses, network, storage") {
		t.Fatalf("error %v: want the profiles listed", err)
	}
}
