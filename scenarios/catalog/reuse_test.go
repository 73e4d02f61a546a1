package catalog

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// TestReuseDoesNotChangeResults sweeps every registered scenario, at its
// defaults and with nemesis=true buggify=true, once with runs that reuse
// the storage of earlier runs (the default) and once with fresh memory
// for every run, and requires the same results seed by seed: trace hash,
// status, metrics, everything in the Result JSON. Two workers share the
// arenas, so a run may get one another scenario or seed used before.
func TestReuseDoesNotChangeResults(t *testing.T) {
	variants := []map[string]string{nil, {"nemesis": "true", "buggify": "true"}}
	seeds := scenarios.SeedRange{First: 0, Count: 4}
	for _, s := range All() {
		for _, set := range variants {
			if set != nil && !hasParam(s, "nemesis") {
				continue
			}
			v, err := s.Resolve(set)
			if err != nil {
				t.Fatalf("%s %v: %v", s.Name, set, err)
			}
			sweep := func(fresh bool) [][]byte {
				var out [][]byte
				_, err := scenarios.Sweep(s, v, scenarios.SweepOptions{Seeds: seeds, Workers: 2,
					Run: scenarios.Options{FreshMemory: fresh},
					OnResult: func(r *scenarios.Result) error {
						b, err := json.Marshal(r)
						out = append(out, b)
						return err
					}})
				if err != nil {
					t.Fatalf("%s %v: %v", s.Name, set, err)
				}
				return out
			}
			reused, fresh := sweep(false), sweep(true)
			for i := range fresh {
				if !bytes.Equal(reused[i], fresh[i]) {
					t.Errorf("%s %v seed %d: reuse changed the result:\n%s\n%s", s.Name, set, i, reused[i], fresh[i])
				}
			}
		}
	}
}

func hasParam(s *scenarios.Scenario, name string) bool {
	for _, p := range s.AllParams() {
		if p.Name == name {
			return true
		}
	}
	return false
}
