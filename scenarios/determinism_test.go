package scenarios_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
)

// gossiper ticks every millisecond and sends to a peer. plant chooses the
// peer or the timer delay with a source the simulator does not control.
type gossiper struct {
	plant   string
	n       int
	peers   map[nodes.NodeID]bool
	counter *atomic.Int64
}

func (g *gossiper) Start(env *nodes.Env) {
	g.peers = map[nodes.NodeID]bool{}
	for i := range g.n {
		if nodes.NodeID(i) != env.ID() {
			g.peers[nodes.NodeID(i)] = true
		}
	}
	env.SetTimer(time.Millisecond, nil)
}

func (g *gossiper) Receive(*nodes.Env, nodes.NodeID, any) {}

func (g *gossiper) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	delay := time.Millisecond
	to := nodes.NodeID(env.Rand().IntN(g.n))
	switch g.plant {
	case "time":
		// A real clock read decides the next tick.
		delay += time.Duration(time.Now().UnixNano()%7) * time.Microsecond
	case "rand":
		to = nodes.NodeID(rand.IntN(g.n)) // the global source: unseeded
	case "map":
		for p := range g.peers { // map order: a new order each time
			env.Send(p, "hello", 16)
		}
		env.SetTimer(delay, nil)
		return
	case "goroutine":
		// A value a real goroutine keeps changing.
		to = nodes.NodeID(g.counter.Load() % int64(g.n))
	}
	if to != env.ID() {
		env.Send(to, "hello", 16)
	}
	env.SetTimer(delay, nil)
}

var plantedScenario = &scenarios.Scenario{
	Name:    "test-planted-nondeterminism",
	Summary: "gossip ticks that read a real clock, the global random source, map order or a goroutine's value",
	Params: []scenarios.Param{{Name: "plant", Default: "none", Kind: scenarios.String,
		Choices: []string{"none", "time", "rand", "map", "goroutine"}}},
	Run: func(r *scenarios.Run) error {
		const n = 5
		cl, err := r.NewCluster(n, r.Params.Link())
		if err != nil {
			return err
		}
		counter := new(atomic.Int64)
		if r.Params.String("plant") == "goroutine" {
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					default:
						counter.Add(1)
						time.Sleep(time.Microsecond)
					}
				}
			}()
		}
		for range n {
			if _, err := cl.RT.Add(func(nodes.NodeID) nodes.Node {
				return &gossiper{plant: r.Params.String("plant"), n: n, counter: counter}
			}); err != nil {
				return err
			}
		}
		if err := r.World.RunUntil(r.World.Now() + 2e9); err != nil {
			return err
		}
		r.Check(checks.Pass("ran"))
		return nil
	},
}

// TestCheckDeterminismCatchesPlantedNondeterminism: each of the four usual
// sources of nondeterminism in node code is caught by executing a seed
// twice, and the report names where the runs part and writes both traces.
func TestCheckDeterminismCatchesPlantedNondeterminism(t *testing.T) {
	for _, plant := range []string{"none", "time", "rand", "map", "goroutine"} {
		t.Run(plant, func(t *testing.T) {
			v, err := plantedScenario.Values(map[string]string{"plant": plant})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var caught *scenarios.Result
			// A goroutine's timing may, rarely, agree twice; a few seeds
			// make a miss vanishingly unlikely.
			for seed := range uint64(5) {
				res := scenarios.Execute(plantedScenario, v, seed, scenarios.Options{CheckDeterminism: true, ArtifactDir: dir})
				if res.Status == scenarios.StatusNondeterministic {
					caught = res
					break
				}
				if res.Status != scenarios.StatusOK {
					t.Fatalf("seed %d: status %s: %s", seed, res.Status, res.Error)
				}
			}
			if plant == "none" {
				if caught != nil {
					t.Fatalf("deterministic code reported as nondeterministic: %s", caught.Error)
				}
				return
			}
			if caught == nil {
				t.Fatalf("planted %s nondeterminism not caught in 5 seeds", plant)
			}
			t.Log(caught.Error)
			for _, want := range []string{"nondeterminism: seed", "they part at trace record", "first run: at", "second run:"} {
				if !strings.Contains(caught.Error, want) {
					t.Errorf("report %q lacks %q", caught.Error, want)
				}
			}
			if !strings.HasSuffix(caught.Replay, " --check-determinism") {
				t.Errorf("replay %q does not check determinism", caught.Replay)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
			if len(files) != 2 {
				t.Fatalf("traces written: %v, want both runs'", files)
			}
			for _, f := range files {
				if st, err := os.Stat(f); err != nil || st.Size() == 0 {
					t.Errorf("trace %s: %v, empty", f, err)
				}
			}
		})
	}
}

// TestCheckDeterminismKeepsResult: on deterministic code the check returns
// the same result as a plain run, apart from its note.
func TestCheckDeterminismKeepsResult(t *testing.T) {
	v, err := plantedScenario.Values(nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := scenarios.Execute(plantedScenario, v, 3, scenarios.Options{})
	checked := scenarios.Execute(plantedScenario, v, 3, scenarios.Options{CheckDeterminism: true})
	if plain.TraceHash != checked.TraceHash || plain.Status != checked.Status || plain.Events != checked.Events || plain.Replay != checked.Replay {
		t.Fatalf("plain %s %s %d %q; checked %s %s %d %q", plain.Status, plain.TraceHash, plain.Events, plain.Replay, checked.Status, checked.TraceHash, checked.Events, checked.Replay)
	}
}
