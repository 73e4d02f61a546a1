package scenarios

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes/faults"
)

// TestSurveyStrikesEveryCalmMoment: the survey strikes each moment of
// each passing run without faults once with each stop kind the corpus
// holds, short and long, and nothing of runs with faults or that failed;
// then it is done.
func TestSurveyStrikesEveryCalmMoment(t *testing.T) {
	heal := faults.Fault{At: 10 * time.Second, Kind: faults.Heal}
	calm := CorpusEntry{
		Schedule: &faults.Schedule{Nodes: 3, Faults: []faults.Fault{heal}},
		Features: []string{"state:a", "state:b", "state:c"},
		// b's moment repeats a's (one moment), c's has no node, and
		// moments at 0 are the boot, not the protocol's.
		At: [][]time.Duration{{0, 150 * time.Millisecond}, {150 * time.Millisecond, 300 * time.Millisecond}, {200 * time.Millisecond}},
		By: [][]int{{0, 1}, {1, 2}, {-1}},
	}
	faulty := calm
	faulty.Schedule = &faults.Schedule{Nodes: 3, Faults: []faults.Fault{{At: time.Second, Kind: faults.Crash, Nodes: []faults.NodeID{0}}, heal}}
	for _, kinds := range [][]faults.Kind{{faults.Crash, faults.Pause, faults.Isolate}, {faults.Pause}, {faults.Partition}} {
		x := &explorer{rng: rand.New(rand.NewPCG(1, 2)), kinds: map[faults.Kind]bool{}, sum: &ExploreSummary{}}
		x.noteCalm(faulty, &Result{Status: StatusOK})
		x.noteCalm(calm, &Result{Status: StatusFail})
		x.noteCalm(calm, &Result{Status: StatusOK})
		for _, k := range kinds {
			x.kinds[k] = true
		}
		type key struct {
			m    moment
			kind faults.Kind
			long bool
		}
		seen := map[key]bool{}
		for {
			sp, ok := x.nextSurvey()
			if !ok {
				break
			}
			k := key{moment{sp.t, sp.node, sp.with - 1}, sp.kind, sp.long}
			if sp.entry != 0 || seen[k] {
				t.Fatalf("kinds %v: strike %+v: of entry %d, seen before %v", kinds, sp, sp.entry, seen[k])
			}
			seen[k] = true
			e, ok := x.strikeAt(x.calms[sp.entry], sp)
			if !ok {
				t.Fatalf("kinds %v: strike %+v refused", kinds, sp)
			}
			var g faults.Fault
			for _, f := range e.Schedule.Faults {
				if f.Kind == sp.kind && len(f.Nodes) == 1 && int(f.Nodes[0]) == sp.node && f.At > sp.t-5*time.Millisecond && f.At <= sp.t+8*time.Millisecond {
					g = f
					break
				}
			}
			if g.Kind == 0 {
				t.Fatalf("kinds %v: strike %+v made %s", kinds, sp, e.Schedule)
			}
			if sp.long != (g.For >= 250*time.Millisecond) {
				t.Fatalf("kinds %v: strike %+v lasts %v", kinds, sp, g.For)
			}
		}
		stops := 0
		for _, k := range kinds {
			if stopsNode(k) {
				stops++
			}
		}
		// Moments: n2 at 150ms, n3 at 300ms (c has no node; n1's is at 0).
		if want := 2 * stops * 2; len(seen) != want {
			t.Fatalf("kinds %v: %d strikes, want %d", kinds, len(seen), want)
		}
	}
}

// TestStrikeKeepsTheEnd: a strike that drops the faults after its moment
// keeps the heal and the nemesis's clock reset at the end of the fault
// phase, so the run still ends healed.
func TestStrikeKeepsTheEnd(t *testing.T) {
	sc, err := faults.Parse("at 1s jump n2 +2s\nat 3s crash n1 for 1s\nat 10s heal\nat 10s offset n2 +0s\n", 3)
	if err != nil {
		t.Fatal(err)
	}
	parent := CorpusEntry{Schedule: sc}
	x := &explorer{rng: rand.New(rand.NewPCG(3, 4)), kinds: map[faults.Kind]bool{faults.Crash: true}}
	dropped := 0
	for range 40 {
		e, ok := x.strikeAt(parent, strikeSpec{t: 2 * time.Second, node: 0})
		if !ok {
			t.Fatal("strike refused")
		}
		text := e.Schedule.String()
		if !strings.Contains(text, "at 10s heal") || !strings.Contains(text, "at 10s offset n2 +0s") {
			t.Fatalf("the end of the fault phase is gone:\n%s", text)
		}
		if !strings.Contains(text, "at 3s crash") {
			dropped++
		}
	}
	if dropped == 0 || dropped == 40 {
		t.Fatalf("the later crash was dropped %d times in 40, want about half", dropped)
	}
}

// TestStrikeStopsTheNamedPeer: a strike at a moment that names a peer
// stops that peer, with the kind asked for; without one it draws a
// peer other than the node.
func TestStrikeStopsTheNamedPeer(t *testing.T) {
	sc, err := faults.Parse("at 10s heal\n", 4)
	if err != nil {
		t.Fatal(err)
	}
	parent := CorpusEntry{Schedule: sc}
	x := &explorer{rng: rand.New(rand.NewPCG(5, 6)), kinds: map[faults.Kind]bool{faults.Crash: true, faults.Pause: true, faults.Isolate: true}}
	drawn := map[faults.NodeID]bool{}
	for i := range 60 {
		with := -1
		if i%2 == 0 {
			with = 2
		}
		e, ok := x.strikeAt(parent, strikeSpec{t: time.Second, node: 1, with: with + 1, peer: true, kind: faults.Crash, peerKind: faults.Pause})
		if !ok {
			t.Fatal("strike refused")
		}
		var node, peer []faults.Fault
		for _, f := range e.Schedule.Faults {
			switch {
			case f.Kind == faults.Heal:
			case f.Nodes[0] == 1:
				node = append(node, f)
			default:
				peer = append(peer, f)
			}
		}
		if len(node) != 1 || node[0].Kind != faults.Crash || len(peer) != 1 || peer[0].Kind != faults.Pause {
			t.Fatalf("strike with peer %d made\n%s", with, e.Schedule)
		}
		if with >= 0 && peer[0].Nodes[0] != faults.NodeID(with) {
			t.Fatalf("the named peer n%d was not stopped:\n%s", with+1, e.Schedule)
		}
		if with < 0 {
			drawn[peer[0].Nodes[0]] = true
		}
	}
	if len(drawn) != 3 || drawn[1] {
		t.Fatalf("peers drawn without a name: %v, want n1, n3 and n4", drawn)
	}
}

// TestNextKindsTriesEveryPair: strikes at a marked event go through
// every pair of stop kinds, node and peer, before one repeats, each
// event on its own turn.
func TestNextKindsTriesEveryPair(t *testing.T) {
	x := &explorer{rng: rand.New(rand.NewPCG(7, 8)), marks: map[string]*markStats{},
		kinds: map[faults.Kind]bool{faults.Crash: true, faults.Pause: true, faults.Isolate: true, faults.Loss: true}}
	type pair struct{ node, peer faults.Kind }
	for _, f := range []string{"state:event a", "state:event b"} {
		seen := map[pair]bool{}
		for range 9 {
			k, p := x.nextKinds(f)
			if seen[pair{k, p}] || !stopsNode(k) || !stopsNode(p) {
				t.Fatalf("%s: pair %v, %v again or not a stop, after %v", f, k, p, seen)
			}
			seen[pair{k, p}] = true
		}
	}
	// Two events struck in alternation: each still takes its own pairs.
	x.kinds = map[faults.Kind]bool{faults.Crash: true, faults.Pause: true}
	seen := map[string]map[pair]bool{"state:event c": {}, "state:event d": {}}
	for range 4 {
		for _, f := range []string{"state:event c", "state:event d"} {
			k, p := x.nextKinds(f)
			seen[f][pair{k, p}] = true
		}
	}
	if len(seen["state:event c"]) != 4 || len(seen["state:event d"]) != 4 {
		t.Fatalf("in alternation: %v", seen)
	}
	x.kinds = map[faults.Kind]bool{faults.Loss: true}
	if k, p := x.nextKinds("state:event e"); k != 0 || p != 0 {
		t.Fatalf("no stop kind held, yet %v, %v", k, p)
	}
}

// TestEventsScoredByTheirStrikes: of two marked events reached as often,
// the one whose strikes keep reaching new features is drawn more.
func TestEventsScoredByTheirStrikes(t *testing.T) {
	x := &explorer{rng: rand.New(rand.NewPCG(9, 10)),
		count:       map[string]int{"state:event a": 4, "state:event b": 4, "state:x": 1},
		corpusFeats: []string{"state:event a", "state:event b", "state:x"},
		marks:       map[string]*markStats{"state:event a": {strikes: 20, yield: 18}, "state:event b": {strikes: 20}},
	}
	drawn := map[string]int{}
	for range 2000 {
		f, ok := x.rareFeature(true)
		if !ok {
			t.Fatal("no event drawn")
		}
		drawn[f]++
	}
	// Weights 19/22 and 1/22: a about 95% of the draws.
	if drawn["state:x"] != 0 || drawn["state:event a"] < 1800 {
		t.Fatalf("draws %v", drawn)
	}
}
