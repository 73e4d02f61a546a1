package scenarios

import (
	"fmt"
	"github.com/faultline/faultline/nodes/faults"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Scenario is a named, parameterised simulation.
type Scenario struct {
	Name    string
	Summary string // one line
	// Description is a paragraph: what the scenario shows and how.
	Description string
	Params      []Param
	// Run builds the world on r.World from r.Params and runs it. It returns
	// the error of the world's run, if any; check outcomes go to r.Check.
	Run func(r *Run) error
	// Validate, if set, checks the parameters together, once each is
	// valid alone: values that contradict each other (a trigger after the
	// end of the run) are bad input, refused before anything runs.
	Validate func(v Values) error
}

var (
	mu       sync.RWMutex
	registry = map[string]*Scenario{}
)

// Register adds s to the catalogue. It panics on a duplicate name or a
// malformed scenario, which are programming errors.
func Register(s *Scenario) {
	mu.Lock()
	defer mu.Unlock()
	if s.Name == "" || s.Run == nil {
		panic("scenarios: Register needs a name and a Run function")
	}
	if _, dup := registry[s.Name]; dup {
		panic("scenarios: duplicate scenario " + s.Name)
	}
	if _, err := s.Resolve(nil); err != nil {
		panic(fmt.Sprintf("scenarios: %s has a bad default: %v", s.Name, err))
	}
	registry[s.Name] = s
}

// Lookup returns the scenario called name, or an error that lists the
// scenarios there are.
func Lookup(name string) (*Scenario, error) {
	mu.RLock()
	defer mu.RUnlock()
	s, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (accepted: %s)", name, strings.Join(names(), ", "))
	}
	return s, nil
}

func names() []string { return slices.Sorted(maps.Keys(registry)) }

// All returns every registered scenario, sorted by name.
func All() []*Scenario {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Scenario, 0, len(registry))
	for _, n := range names() {
		out = append(out, registry[n])
	}
	return out
}

// AllParams returns the scenario's parameters followed by the common ones
// every scenario has. A scenario that declares a parameter with the name
// of a common one keeps its own (e.g. a scenario with its own nemesis).
func (s *Scenario) AllParams() []Param {
	out := slices.Clone(s.Params)
	for _, c := range commonParams {
		if !s.declares(c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// declares reports whether the scenario itself declares parameter name.
func (s *Scenario) declares(name string) bool {
	return slices.ContainsFunc(s.Params, func(p Param) bool { return p.Name == name })
}

// commonParams are accepted by every scenario.
var commonParams = []Param{
	{Name: "shuffle_ties", Default: "auto", Kind: String, Choices: []string{"auto", "true", "false"},
		Help: "break ties between simultaneous events with the seed instead of insertion order; auto: only when nemesis=true"},
	{Name: "nemesis", Default: "false", Kind: Bool, Help: "draw a random fault schedule from the seed (swarm testing: each seed enables a random subset of fault kinds)"},
	{Name: "nemesis.duration", Default: "10s", Kind: Duration, Help: "length of the nemesis's fault phase",
		Validate: PositiveDuration},
	{Name: "nemesis.quiet", Default: "5s", Kind: Duration, Help: "quiet period after the fault phase, with every fault healed, for liveness checks",
		Validate: PositiveDuration},
	{Name: "nemesis.kinds", Default: "", Kind: String, Help: "fault kinds the nemesis may draw, comma-separated (empty: each seed picks a random subset of all)",
		Validate: validKinds},
	{Name: "nemesis.exclude", Default: "", Kind: String, Help: "fault kinds the nemesis never draws, comma-separated, e.g. jump,drift,offset",
		Validate: validKinds},
	{Name: "nemesis.core", Default: "false", Kind: Bool, Help: "heal and restart a core of at least a quorum for the quiet period; nodes outside it may stay failed"},
	{Name: "buggify", Default: "false", Kind: Bool, Help: "enable BUGGIFY sites: each site is on or off for the run (from the seed) and, when on, fires with its probability"},
}

func validKinds(v string) error {
	kinds, err := faults.ParseKinds(v)
	if err == nil && len(kinds) == 0 && strings.TrimSpace(v) != "" {
		// "," would otherwise mean the same as empty: a random subset.
		return fmt.Errorf("bad value %q: no fault kind named (accepted: kinds separated by commas, or empty)", v)
	}
	return err
}
