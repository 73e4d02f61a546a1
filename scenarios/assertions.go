package scenarios

import (
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
)

// SweepAssertion is one named assertion across the runs of a sweep.
type SweepAssertion struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Runs counts the runs that evaluated it; TrueRuns those in which it
	// was true at least once (for Always: true every time).
	Runs     int `json:"runs"`
	TrueRuns int `json:"true_runs"`
}

// Never reports whether a Sometimes or Reachable assertion was never
// true in any run: the test did not reach the case it names.
func (a SweepAssertion) Never() bool { return a.Kind != "always" && a.TrueRuns == 0 }

func (s *SweepSummary) addAssertions(r *Result) {
	for _, a := range r.Assertions {
		i, found := slices.BinarySearchFunc(s.Assertions, a.Name, func(x SweepAssertion, n string) int { return strings.Compare(x.Name, n) })
		if !found {
			s.Assertions = slices.Insert(s.Assertions, i, SweepAssertion{Name: a.Name, Kind: a.Kind})
		}
		sa := &s.Assertions[i]
		sa.Runs++
		if (a.Kind == "always" && a.True == a.Evaluated) || (a.Kind != "always" && a.True > 0) {
			sa.TrueRuns++
		}
	}
}

// declare adds the assertions a scenario declares that no run evaluated,
// with kind "declared", so that they show as never true.
func (s *SweepSummary) declare(names []string) {
	for _, n := range names {
		i, found := slices.BinarySearchFunc(s.Assertions, n, func(x SweepAssertion, n string) int { return strings.Compare(x.Name, n) })
		if !found {
			s.Assertions = slices.Insert(s.Assertions, i, SweepAssertion{Name: n, Kind: "declared"})
		}
	}
}

// NeverTrue returns the names of the Sometimes and Reachable assertions,
// declared ones included, that no run made true.
func (s *SweepSummary) NeverTrue() []string {
	var out []string
	for _, a := range s.Assertions {
		if a.Never() {
			out = append(out, a.Name)
		}
	}
	return out
}

// StateCover records a scenario's abstract state for guided exploration:
// each state it is given ("state NAME"), and each change from one state
// to the next ("NAME → NAME"), through Env.Cover, so that explore keeps
// the schedules that reach a state, or a transition, no run reached
// before. Each is recorded with the node whose step reached it
// (" @n2", see CoverNode): explore counts the feature once, whatever the
// node, and aims its faults at that node at that moment. A state should
// be coarse (roles, term and vote relations, in buckets): a rare one is a
// step toward a rare bug, a fine one is new in every run. It records
// nothing in the trace. One StateCover serves one run.
type StateCover struct {
	prev string
	seen map[coverStep]bool
}

type coverStep struct {
	from, to string
	node     nodes.NodeID
}

// Visit records state fp, reached by env's node, and the transition to
// it; the same state again records nothing.
func (c *StateCover) Visit(env *nodes.Env, fp string) {
	if fp == c.prev {
		return
	}
	step := coverStep{c.prev, fp, env.ID()}
	c.prev = fp
	if c.seen[step] {
		return // recorded already: spare building the strings
	}
	if c.seen == nil {
		c.seen = map[coverStep]bool{}
	}
	c.seen[step] = true
	at := CoverNode + env.Name()
	env.Cover("state " + fp + at)
	if step.from != "" {
		env.Cover(step.from + " → " + fp + at)
	}
}

// Mark records an event of the protocol, reached by env's node: the
// dangerous case a bug needs, such as "restarts in a term it voted in".
// Like a state, it is a feature for explore, counted once whatever the
// node, and its moment and node are where explore aims faults next.
// Marked while env's node handles a message, the event also names the
// sender as its peer (Env.From: the candidate a vote went to), and
// explore stops that peer with the node when it stops two. It does not
// change the current state; the same event by the same node with the
// same peer again records nothing.
func (c *StateCover) Mark(env *nodes.Env, event string) {
	fp := coverEvent + event + CoverNode + env.Name()
	if from, ok := env.From(); ok && from != env.ID() {
		fp += CoverPeer + network.Name(from)
	}
	env.Cover(fp)
}

// coverEvent begins the fingerprint of an event StateCover.Mark records.
const coverEvent = "event "

// CoverNode ends a fingerprint that names the node that reached it:
// "state C L F @n2". Explore counts such fingerprints as one feature
// without the node, and aims faults at the node.
const CoverNode = " @"

// CoverPeer follows CoverNode in a fingerprint that also names a peer
// that took part: "event votes @n2 ~n1". Explore counts the feature
// without it too.
const CoverPeer = " ~"

// splitCoverNode returns a fingerprint without its CoverNode and
// CoverPeer suffixes, the node's index and the peer's, each -1 when
// absent.
func splitCoverNode(fp string) (string, int, int) {
	orig, peer := fp, -1
	if i := strings.LastIndex(fp, CoverPeer+"n"); i >= 0 {
		if n, ok := nodeIndex(fp[i+len(CoverPeer)+1:]); ok && strings.Contains(fp[:i], CoverNode+"n") {
			fp, peer = fp[:i], n
		}
	}
	i := strings.LastIndex(fp, CoverNode+"n")
	if i < 0 {
		return orig, -1, -1
	}
	n, ok := nodeIndex(fp[i+len(CoverNode)+1:])
	if !ok {
		return orig, -1, -1
	}
	return fp[:i], n, peer
}

// nodeIndex reads the number of a node name after its "n": "2" is node 1.
func nodeIndex(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, false
	}
	return n - 1, true
}
