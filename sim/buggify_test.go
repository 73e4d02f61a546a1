package sim

import (
	"fmt"
	"slices"
	"testing"
)

func buggifyRun(seed uint64, on bool, order []string) (sites []string, fires map[string]int, hash uint64) {
	w := New(seed, Options{})
	b := NewBuggify(w, on)
	fires = map[string]int{}
	for range 200 {
		for _, s := range order {
			if b.Fire(s, 0.3) {
				fires[s]++
			}
		}
	}
	return b.Sites(), fires, w.TraceHash()
}

var siteNames = []string{"a.slow_disk", "b.drop_ack", "c.reorder", "d.timeout", "e.split", "f.retry", "g.stale", "h.evict"}

func TestBuggifyDeterministic(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		s1, f1, h1 := buggifyRun(seed, true, siteNames)
		s2, f2, h2 := buggifyRun(seed, true, siteNames)
		if !slices.Equal(s1, s2) || fmt.Sprint(f1) != fmt.Sprint(f2) || h1 != h2 {
			t.Fatalf("seed %d: %v %v then %v %v", seed, s1, f1, s2, f2)
		}
	}
}

func TestBuggifyOrderIndependent(t *testing.T) {
	rev := slices.Clone(siteNames)
	slices.Reverse(rev)
	for seed := uint64(0); seed < 20; seed++ {
		s1, _, _ := buggifyRun(seed, true, siteNames)
		s2, _, _ := buggifyRun(seed, true, rev)
		if !slices.Equal(s1, s2) {
			t.Fatalf("seed %d: enabled sites depend on the order they are reached: %v vs %v", seed, s1, s2)
		}
	}
}

func TestBuggifyOffNeverFires(t *testing.T) {
	plain := New(3, Options{})
	for seed := uint64(0); seed < 20; seed++ {
		sites, fires, hash := buggifyRun(seed, false, siteNames)
		if len(sites) != 0 || len(fires) != 0 {
			t.Fatalf("seed %d: buggify off enabled %v, fired %v", seed, sites, fires)
		}
		if hash != plain.TraceHash() {
			t.Fatal("buggify off changed the trace hash")
		}
	}
	var nilB *Buggify
	if nilB.Fire("x", 1) || nilB.Sites() != nil || nilB.On() {
		t.Fatal("a nil Buggify fired")
	}
}

func TestBuggifyStatistics(t *testing.T) {
	enabled, total := 0, 0
	fired, draws := 0, 0
	for seed := uint64(0); seed < 200; seed++ {
		sites, fires, _ := buggifyRun(seed, true, siteNames)
		enabled += len(sites)
		total += len(siteNames)
		for _, s := range sites {
			fired += fires[s]
			draws += 200
		}
	}
	if p := float64(enabled) / float64(total); p < 0.45 || p > 0.55 {
		t.Errorf("%.3f of sites enabled, want about %v", p, BuggifyEnableProb)
	}
	if p := float64(fired) / float64(draws); p < 0.28 || p > 0.32 {
		t.Errorf("enabled sites fired %.3f of the time, want about 0.3", p)
	}
}

func ExampleBuggify() {
	w := New(1, Options{})
	b := NewBuggify(w, true)
	for range 10 {
		b.Fire("disk.slow_fsync", 0.1)
		b.Fire("net.drop_ack", 0.1)
		b.Fire("raft.skip_heartbeat", 0.1)
	}
	fmt.Println(b.Sites())
	// Output: [disk.slow_fsync raft.skip_heartbeat]
}
