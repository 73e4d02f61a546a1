package pingpong

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

var update = flag.Bool("update", false, "rewrite golden files")

func execute(t *testing.T, seed uint64, set map[string]string, opts scenarios.Options) *scenarios.Result {
	t.Helper()
	s := Scenario

	v, err := s.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(s, v, seed, opts)
}

func TestDeterministic200Seeds(t *testing.T) {
	hashes := map[string]uint64{}
	for seed := uint64(0); seed < 200; seed++ {
		a := execute(t, seed, map[string]string{"nodes": "5"}, scenarios.Options{})
		b := execute(t, seed, map[string]string{"nodes": "5"}, scenarios.Options{})
		if a.TraceHash != b.TraceHash || a.Events != b.Events {
			t.Fatalf("seed %d: %s then %s", seed, a.TraceHash, b.TraceHash)
		}
		if a.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: %s %v", seed, a.Status, a.Checks)
		}
		if prev, dup := hashes[a.TraceHash]; dup {
			t.Fatalf("seeds %d and %d share hash %s", prev, seed, a.TraceHash)
		}
		hashes[a.TraceHash] = seed
	}
}

func TestGoldenTrace(t *testing.T) {
	var buf bytes.Buffer
	sink := sim.NewJSONLSink(&buf)
	res := execute(t, 7, map[string]string{"hops": "4", "loss": "0.1", "latency": "uniform:1ms-3ms"}, scenarios.Options{Sink: sink})
	if err := sink.Flush(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "seed7.jsonl")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("trace of seed 7 differs from %s (hash %s); run with -update if the change is intended\n got:\n%s", golden, res.TraceHash, buf.String())
	}
}

// TestGOMAXPROCS runs worlds concurrently under GOMAXPROCS=1 and 4 and
// requires identical results: worlds share nothing.
func TestGOMAXPROCS(t *testing.T) {
	run := func(procs int) []string {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		out := make([]string, 32)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() {
				s := Scenario
				v, _ := s.Values(map[string]string{"nodes": "7", "shuffle_ties": "true", "latency": "normal:2ms,1ms"})
				out[i] = scenarios.Execute(s, v, uint64(i), scenarios.Options{}).TraceHash
			})
		}
		wg.Wait()
		return out
	}
	one, four := run(1), run(4)
	for i := range one {
		if one[i] != four[i] {
			t.Fatalf("seed %d: GOMAXPROCS=1 gives %s, 4 gives %s", i, one[i], four[i])
		}
	}
}

func TestLossIsCaught(t *testing.T) {
	res := execute(t, 7, map[string]string{"loss": "0.05"}, scenarios.Options{})
	if res.Status != scenarios.StatusFail {
		t.Fatalf("status %s with 5%% loss, want fail", res.Status)
	}
	if res.Replay != "faultline run pingpong --seed 7 --set loss=0.05" {
		t.Fatalf("replay %q", res.Replay)
	}
}
