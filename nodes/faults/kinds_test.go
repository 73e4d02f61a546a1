package faults

import (
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/sim"
)

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      string
		want    []Kind
		wantErr string
	}{
		{"", nil, ""},
		{"crash", []Kind{Crash}, ""},
		{" partition , loss,crash,loss", []Kind{Partition, Loss, Crash}, ""},
		{"heal", nil, `unknown fault kind "heal"`},
		{"crash,bogus", nil, `unknown fault kind "bogus" (accepted: partition,`},
	}
	for _, tt := range tests {
		got, err := ParseKinds(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: got %v, want error %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// Excluded kinds never appear, over many seeds, and swarm testing still
// varies the subset of the rest.
func TestNemesisExclude(t *testing.T) {
	exclude := []Kind{Jump, Drift, Offset, Pause, Slow}
	subsets := map[string]bool{}
	for seed := uint64(0); seed < 100; seed++ {
		p, err := Generate(sim.NewStream(seed, "faults"), NemesisOptions{Nodes: 5, Exclude: exclude})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Schedule.Faults {
			if slices.Contains(exclude, f.Kind) {
				t.Fatalf("seed %d drew excluded kind %s", seed, f.Kind)
			}
		}
		subsets[kindList(p.Enabled)] = true
	}
	if len(subsets) < 20 {
		t.Fatalf("only %d distinct kind subsets over 100 seeds", len(subsets))
	}
	if _, err := Generate(sim.NewStream(1, "faults"), NemesisOptions{Nodes: 5, Exclude: NemesisKinds}); err == nil {
		t.Fatal("excluding every kind was accepted")
	}
	if _, err := Generate(sim.NewStream(1, "faults"), NemesisOptions{Nodes: 5, Kinds: []Kind{Crash}, Exclude: []Kind{Crash}}); err == nil {
		t.Fatal("kinds=crash with crash excluded was accepted")
	}
}
