package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"runtime"
	"slices"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// metamorphicSeeds is how many seeds of every scenario
// TestSinkDoesNotChangeResult runs.
const metamorphicSeeds = 3

// TestSinkDoesNotChangeResult runs every registered scenario, at its
// defaults and with nemesis=true buggify=true, with no trace sink, with a
// JSONL sink, and with a MemorySink, a PerfettoSink and a JSONL sink at
// GOMAXPROCS=1, and requires the same Result JSON byte for byte: watching
// a run, or how many threads run it, must not change it. The two JSONL
// traces must be identical too. (The soak test runs each seed twice
// without a sink.)
func TestSinkDoesNotChangeResult(t *testing.T) {
	variants := []map[string]string{nil, {"nemesis": "true", "buggify": "true"}}
	for _, s := range All() {
		for _, set := range variants {
			name := s.Name
			if set != nil {
				name += "/nemesis+buggify"
			}
			t.Run(name, func(t *testing.T) { checkSinkDoesNotChangeResult(t, s, set) })
		}
	}
}

func checkSinkDoesNotChangeResult(t *testing.T, s *scenarios.Scenario, set map[string]string) {
	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64, sink sim.Sink) []byte {
		r := scenarios.Execute(s, v, seed, scenarios.Options{Sink: sink})
		if r.Status == scenarios.StatusBadInput && set != nil {
			t.Skipf("%s does not take %v: %s", s.Name, set, r.Error)
		}
		// A panic's stack names goroutines and addresses; sweeps drop it
		// for the same reason.
		r.Stack = ""
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("seed %d: marshal result: %v", seed, err)
		}
		return b
	}
	for seed := range uint64(metamorphicSeeds) {
		want := run(seed, nil)
		var trace1, trace2 bytes.Buffer
		jsonl1, jsonl2 := sim.NewJSONLSink(&trace1), sim.NewJSONLSink(&trace2)
		mem := &sim.MemorySink{}
		got := map[string][]byte{"JSONLSink": run(seed, jsonl1)}
		prev := runtime.GOMAXPROCS(1)
		got["MemorySink, PerfettoSink and JSONLSink at GOMAXPROCS=1"] = run(seed, sim.MultiSink{mem, sim.NewPerfettoSink(), jsonl2})
		runtime.GOMAXPROCS(prev)
		if err := errors.Join(jsonl1.Flush(), jsonl2.Flush()); err != nil {
			t.Fatal(err)
		}
		for _, name := range slices.Sorted(maps.Keys(got)) {
			if b := got[name]; !bytes.Equal(b, want) {
				t.Errorf("seed %d: result with %s differs from the result with no sink\n got %s\nwant %s", seed, name, b, want)
			}
		}
		if len(mem.Records) == 0 {
			t.Errorf("seed %d: the MemorySink saw no records, so the comparison proves nothing", seed)
		}
		if !bytes.Equal(trace1.Bytes(), trace2.Bytes()) {
			t.Errorf("seed %d: two JSONL traces of the same run differ (%d and %d bytes)", seed, trace1.Len(), trace2.Len())
		}
	}
}
