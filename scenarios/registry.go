package scenarios

import (
	"fmt"
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
	all := append(slices.Clone(s.Params), commonParams...)
	if _, err := Resolve(all, nil); err != nil {
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
// every scenario has.
func (s *Scenario) AllParams() []Param { return append(slices.Clone(s.Params), commonParams...) }

// commonParams are accepted by every scenario.
var commonParams = []Param{
	{Name: "shuffle_ties", Default: "false", Kind: Bool, Help: "break ties between simultaneous events with the seed instead of insertion order"},
}
