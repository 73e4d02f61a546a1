package faults

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/storage"
	"github.com/faultline/faultline/sim"
)

// TestNemesisPlansUnchanged pins the plans the nemesis draws without
// storage kinds: storage kinds are opt-in, so these hashes are the ones
// drawn before they existed.
func TestNemesisPlansUnchanged(t *testing.T) {
	h := fnv.New64a()
	for seed := range uint64(200) {
		for _, o := range []NemesisOptions{{Nodes: 5}, {Nodes: 3, Core: true}, {Nodes: 4, Kinds: []Kind{Crash, Loss}}} {
			p, err := Generate(sim.NewStream(seed, "faults"), o)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, p.Schedule.String(), strings.Join(p.Describe(), "\n"))
		}
	}
	if got, want := fmt.Sprintf("%016x", h.Sum64()), "6b5c9f173a17818e"; got != want {
		t.Fatalf("plans hash %s, want %s", got, want)
	}
}

func TestStorageKindsOptIn(t *testing.T) {
	for seed := range uint64(100) {
		p, err := Generate(sim.NewStream(seed, "faults"), NemesisOptions{Nodes: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Schedule.Faults {
			if f.Kind.disk() {
				t.Fatalf("seed %d: swarm testing drew %s", seed, f.Kind)
			}
		}
	}
	kinds, err := ParseKinds("storage")
	if err != nil || !slices.Equal(kinds, StorageProfile) {
		t.Fatalf("storage: %v, %v", kinds, err)
	}
	seen := map[Kind]bool{}
	for seed := range uint64(50) {
		p, err := Generate(sim.NewStream(seed, "faults"), NemesisOptions{Nodes: 3, Kinds: kinds})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Schedule.Faults {
			seen[f.Kind] = true
			if f.Kind.disk() && f.Kind != DiskFull && f.Kind != SlowDisk && !(f.Prob > 0 && f.Prob <= 0.5) {
				t.Fatalf("seed %d: %s", seed, f)
			}
		}
		if !slices.ContainsFunc(p.Describe(), func(s string) bool { return strings.HasPrefix(s, "nemesis.disk_prob_max") }) {
			t.Fatalf("seed %d: no disk knob in %v", seed, p.Describe())
		}
	}
	for _, k := range StorageProfile {
		if !seen[k] {
			t.Errorf("50 seeds never drew %s", k)
		}
	}
}

func TestStorageFaultParse(t *testing.T) {
	good := []string{
		"at 1s slowdisk n1 x10 for 2s",
		"at 1s writeerr n1,n2 0.2 for 1s",
		"at 1s diskfull n3 for 500ms",
		"at 1s diskfull *",
		"at 0s bitflip * 1",
		"at 2s badsector n1 0.05 for 1s",
		"at 2s lostwrite n2 0 for 1s",
	}
	for _, line := range good {
		s, err := Parse(line, 3)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if got := strings.TrimSpace(s.String()); got != line {
			t.Errorf("%q reads back as %q", line, got)
		}
	}
	bad := []struct{ line, want string }{
		{"at 1s slowdisk n1 x0.5", "factor \"x0.5\": want x followed by a number ≥ 1"},
		{"at 1s slowdisk n1", "slowdisk needs targets and an argument"},
		{"at 1s writeerr n1 1.5", "probability \"1.5\": want a number in [0, 1]"},
		{"at 1s bitflip n1 -0.1 for 1s", "probability \"-0.1\""},
		{"at 1s badsector n1 NaN", "probability \"NaN\""},
		{"at 1s lostwrite n4 0.1", "unknown node \"n4\""},
		{"at 1s diskfull n1 0.5", "unknown node \"n10.5\""},
		{"at 1s diskfail n1", "unknown fault kind \"diskfail\" (accepted: partition,"},
	}
	for _, tt := range bad {
		_, err := Parse(tt.line, 3)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.line, err, tt.want)
		}
	}
}

// TestApplyStorageFaults: storage faults set the target's disk while
// they last, overlapping rates combine, and their ends restore it.
func TestApplyStorageFaults(t *testing.T) {
	w := sim.New(1, sim.Options{})
	net, err := network.New(w, 2, network.Link{})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	for range 2 {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return idle{} }); err != nil {
			t.Fatal(err)
		}
	}
	s := MustParse("at 10ms diskfull n1 for 10ms\nat 30ms writeerr n2 1 for 10ms\nat 30ms writeerr n2 0.5 for 20ms", 2)
	if _, err := Apply(s, rt, net); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		at     time.Duration
		n1, n2 error
	}{
		{5 * time.Millisecond, nil, nil},
		{15 * time.Millisecond, storage.ErrNoSpace, nil},
		{35 * time.Millisecond, nil, storage.ErrIO},
		{60 * time.Millisecond, nil, nil},
	}
	for _, tt := range want {
		if err := w.RunUntil(sim.At(tt.at)); err != nil {
			t.Fatal(err)
		}
		for id, wantErr := range []error{tt.n1, tt.n2} {
			err := rt.Storage(nodes.NodeID(id)).Append("f", []byte("x"))
			if !errors.Is(err, wantErr) && !(wantErr == nil && err == nil) {
				t.Fatalf("at %v n%d: append %v, want %v", tt.at, id+1, err, wantErr)
			}
		}
	}
}

type idle struct{}

func (idle) Start(*nodes.Env)                      {}
func (idle) Receive(*nodes.Env, nodes.NodeID, any) {}
func (idle) Timer(*nodes.Env, nodes.TimerID, any)  {}
