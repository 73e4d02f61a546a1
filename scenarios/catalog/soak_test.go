package catalog

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// soakSeeds is how many seeds of every scenario TestEveryScenarioTwice
// runs: a short pass in `make test`, FAULTLINE_SOAK_SEEDS=1000 in
// `make soak`.
func soakSeeds(t *testing.T) uint64 {
	if s := os.Getenv("FAULTLINE_SOAK_SEEDS"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("FAULTLINE_SOAK_SEEDS=%q: want a count > 0", s)
		}
		return n
	}
	return 20
}

// TestEveryScenarioTwice runs every registered scenario over a seed range
// twice, on parallel workers, and requires the same trace hash and status
// for every seed: determinism under parallel load.
func TestEveryScenarioTwice(t *testing.T) {
	n := soakSeeds(t)
	workers := runtime.GOMAXPROCS(0)
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			v, err := s.Values(nil)
			if err != nil {
				t.Fatal(err)
			}
			sweep := func(w int) map[uint64][2]string {
				got := map[uint64][2]string{}
				_, err := scenarios.Sweep(s, v, scenarios.SweepOptions{
					Seeds:   scenarios.SeedRange{First: 0, Count: n},
					Workers: w,
					OnResult: func(r *scenarios.Result) error {
						got[r.Seed] = [2]string{r.TraceHash, r.Status}
						return nil
					},
				})
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			a, b := sweep(workers), sweep(workers+1)
			if uint64(len(a)) != n || len(b) != len(a) {
				t.Fatalf("got %d and %d results, want %d", len(a), len(b), n)
			}
			for seed, x := range a {
				if b[seed] != x {
					t.Fatalf("seed %d: %v then %v", seed, x, b[seed])
				}
				if x[1] == scenarios.StatusPanic || x[1] == scenarios.StatusLimit {
					t.Fatalf("seed %d ended %s at its defaults; replay: faultline run %s --seed %d", seed, x[1], s.Name, seed)
				}
			}
		})
	}
}
