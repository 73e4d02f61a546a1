package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/nodes/faults"
)

// Scenario is a named, parameterised simulation.
type Scenario struct {
	Name    string
	Summary string // one line
	// Description is a paragraph: what the scenario shows and how.
	Description string
	// Nodes names the scenario's nodes as fault files address them, e.g.
	// "n1 = server, n2.. = clients". Optional; `list NAME` shows it.
	Nodes string
	// Assertions names the Sometimes and Reachable assertions the
	// scenario's nodes make, so that a sweep lists one that no run
	// reached even though no run evaluated it. Optional.
	Assertions []string
	Params     []Param
	// MoreParams, if set, returns parameters that follow Params, built on
	// first use: for long lists made by code (a pipeline's keys), which a
	// program would otherwise build at start-up whatever its command. It
	// returns the same list on every call, cheaply (wrap the builder in
	// sync.OnceValue: runs ask for it); callers do not change it.
	// Declared returns both.
	MoreParams func() []Param
	// Run builds the world on r.World from r.Params and runs it. It returns
	// the error of the world's run, if any; check outcomes go to r.Check.
	Run func(r *Run) error
	// Validate, if set, checks the parameters together, once each is
	// valid alone: values that contradict each other (a trigger after the
	// end of the run) are bad input, refused before anything runs.
	Validate func(v Values) error
}

// Check reports what is wrong with s as a catalogue entry: no name, no Run
// function, or a default that its own parameter refuses.
func (s *Scenario) Check() error {
	switch {
	case s == nil:
		return errors.New("nil scenario")
	case s.Name == "":
		return errors.New("scenario with no name")
	case strings.ContainsAny(s.Name, " \t\n'\"=,"):
		return fmt.Errorf("scenario %q: a name is one word without quotes, '=' or ','", s.Name)
	case s.Run == nil:
		return fmt.Errorf("scenario %s: no Run function", s.Name)
	}
	if _, err := s.Resolve(nil); err != nil {
		return fmt.Errorf("scenario %s: bad default: %w", s.Name, err)
	}
	return nil
}

// Values resolves set against s's parameters: every parameter gets its
// default unless set gives it a value. Errors are bad input.
func (s *Scenario) Values(set map[string]string) (Values, error) {
	v, err := s.Resolve(set)
	if err != nil {
		return Values{}, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return v, nil
}

// Catalog is a set of scenarios by name. It holds no global state: a
// program builds one from the scenarios it offers (the built-in ones come
// from scenarios/catalog.All, a user's own from their packages).
type Catalog struct {
	list []*Scenario // sorted by name
}

// NewCatalog checks every scenario and returns them as a catalogue. A
// duplicate name or a malformed scenario is an error that names it.
func NewCatalog(ss ...*Scenario) (*Catalog, error) {
	c := &Catalog{list: make([]*Scenario, 0, len(ss))}
	for _, s := range ss {
		if err := s.Check(); err != nil {
			return nil, err
		}
		if _, dup := c.find(s.Name); dup {
			return nil, fmt.Errorf("scenario %s: two scenarios have this name", s.Name)
		}
		i, _ := c.find(s.Name)
		c.list = slices.Insert(c.list, i, s)
	}
	return c, nil
}

// MustCatalog is NewCatalog for fixed lists known to be good, such as
// tests; it panics on an error.
func MustCatalog(ss ...*Scenario) *Catalog {
	c, err := NewCatalog(ss...)
	if err != nil {
		panic(err)
	}
	return c
}

func (c *Catalog) find(name string) (int, bool) {
	return slices.BinarySearchFunc(c.list, name, func(s *Scenario, n string) int { return strings.Compare(s.Name, n) })
}

// Lookup returns the scenario called name, or an error that lists the
// scenarios there are.
func (c *Catalog) Lookup(name string) (*Scenario, error) {
	if i, ok := c.find(name); ok {
		return c.list[i], nil
	}
	return nil, fmt.Errorf("unknown scenario %q (accepted: %s)", name, strings.Join(c.Names(), ", "))
}

// Names returns the scenarios' names, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.list))
	for i, s := range c.list {
		out[i] = s.Name
	}
	return out
}

// All returns every scenario, sorted by name.
func (c *Catalog) All() []*Scenario { return slices.Clone(c.list) }

// Prepare validates a scenario name and parameter settings without
// running anything. Errors are bad input.
func (c *Catalog) Prepare(name string, set map[string]string) (*Scenario, Values, error) {
	s, err := c.Lookup(name)
	if err != nil {
		return nil, Values{}, err
	}
	v, err := s.Values(set)
	if err != nil {
		return nil, Values{}, err
	}
	return s, v, nil
}

// Declared returns the parameters the scenario declares: Params, then
// those of MoreParams. The caller must not change the slice.
func (s *Scenario) Declared() []Param {
	if s.MoreParams == nil {
		return s.Params
	}
	return append(slices.Clip(s.Params), s.MoreParams()...)
}

// AllParams returns the scenario's parameters followed by the common ones
// every scenario has. A scenario that declares a parameter with the name
// of a common one keeps its own (e.g. a scenario with its own nemesis).
func (s *Scenario) AllParams() []Param {
	out := slices.Clone(s.Params)
	if s.MoreParams != nil {
		out = append(out, s.MoreParams()...)
	}
	own := len(out)
	for _, c := range commonParams {
		if !slices.ContainsFunc(out[:own], func(p Param) bool { return p.Name == c.Name }) {
			out = append(out, c)
		}
	}
	return out
}

// paramDefault returns the default of parameter name as AllParams lists
// it, or "" for a name it does not list.
func (s *Scenario) paramDefault(name string) string {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return s.Params[i].Default
		}
	}
	if s.MoreParams != nil {
		more := s.MoreParams()
		for i := range more {
			if more[i].Name == name {
				return more[i].Default
			}
		}
	}
	for i := range commonParams {
		if commonParams[i].Name == name {
			return commonParams[i].Default
		}
	}
	return ""
}

// declares reports whether the scenario itself declares parameter name.
// It builds no list: runs ask it.
func (s *Scenario) declares(name string) bool {
	is := func(p Param) bool { return p.Name == name }
	return slices.ContainsFunc(s.Params, is) || s.MoreParams != nil && slices.ContainsFunc(s.MoreParams(), is)
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
	netParam,
	linksParam,
}

func validKinds(v string) error {
	kinds, err := faults.ParseKinds(v)
	if err == nil && len(kinds) == 0 && strings.TrimSpace(v) != "" {
		// "," would otherwise mean the same as empty: a random subset.
		return fmt.Errorf("bad value %q: no fault kind named (accepted: kinds separated by commas, or empty)", v)
	}
	return err
}
