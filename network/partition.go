package network

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faultline/faultline/sim"
)

// Grudge says, for each node, the set of nodes whose messages it drops.
// Every partition shape is one grudge (the form Jepsen and TigerBeetle use).
// The empty (or nil) grudge is a healed network.
type Grudge map[NodeID][]NodeID

// SetGrudge replaces the current partition with g. Messages already in
// flight across a new cut are dropped on arrival. The label goes into the
// trace record.
func (nw *Network) SetGrudge(g Grudge, label string) error {
	var cut [][]uint64
	words := (nw.n + 63) / 64
	for _, to := range slices.Sorted(maps.Keys(g)) {
		if err := nw.check(to); err != nil {
			return fmt.Errorf("grudge: %w", err)
		}
		for _, f := range g[to] {
			if err := nw.check(f); err != nil {
				return fmt.Errorf("grudge of %s: %w", Name(to), err)
			}
			if f == to {
				continue // a node always hears itself
			}
			if cut == nil {
				cut = make([][]uint64, nw.n)
			}
			if cut[to] == nil {
				cut[to] = make([]uint64, words)
			}
			cut[to][f>>6] |= 1 << (uint(f) & 63)
		}
	}
	nw.cut = cut
	nw.w.Trace(sim.Record{Kind: "partition", Node: -1, Peer: -1, Detail: label})
	return nil
}

// Heal removes every partition.
func (nw *Network) Heal() {
	nw.cut = nil
	nw.w.Trace(sim.Record{Kind: "heal", Node: -1, Peer: -1})
}

// Partitioned reports whether a partition is in force.
func (nw *Network) Partitioned() bool { return nw.cut != nil }

// Reachable reports whether the current partition lets from → to through.
func (nw *Network) Reachable(from, to NodeID) bool { return nw.cut == nil || !nw.blocked(from, to) }

func (nw *Network) blocked(from, to NodeID) bool {
	row := nw.cut[to]
	return row != nil && row[from>>6]&(1<<(uint(from)&63)) != 0
}

// Reaches reports whether g lets a message from → to through.
func (g Grudge) Reaches(from, to NodeID) bool {
	return from == to || !slices.Contains(g[to], from)
}

// Hears returns the nodes whose messages id receives under g, itself
// included, in id order.
func (g Grudge) Hears(n int, id NodeID) []NodeID {
	var out []NodeID
	for f := range NodeID(n) {
		if g.Reaches(f, id) {
			out = append(out, f)
		}
	}
	return out
}

// Matrix draws g's reachability for n nodes: row = sender, column =
// receiver, "#" = delivered, "." = dropped, "-" = the node itself.
func (g Grudge) Matrix(n int) string {
	var b strings.Builder
	w := len(Name(NodeID(n - 1)))
	pad := func(s string) string { return strings.Repeat(" ", w-len(s)) + s }
	b.WriteString(pad(""))
	for to := range NodeID(n) {
		b.WriteString(" " + pad(Name(to)))
	}
	b.WriteString("\n")
	for from := range NodeID(n) {
		b.WriteString(pad(Name(from)))
		for to := range NodeID(n) {
			c := "#"
			switch {
			case from == to:
				c = "-"
			case !g.Reaches(from, to):
				c = "."
			}
			b.WriteString(" " + pad(c))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Healed returns the grudge of a whole network: everyone hears everyone.
func Healed() Grudge { return Grudge{} }

// Union returns a grudge that drops what any of gs drops.
func Union(gs ...Grudge) Grudge {
	out := Grudge{}
	for _, g := range gs {
		for _, to := range slices.Sorted(maps.Keys(g)) {
			for _, f := range g[to] {
				if !slices.Contains(out[to], f) {
					out[to] = append(out[to], f)
				}
			}
		}
	}
	for to := range out {
		slices.Sort(out[to])
	}
	return out
}

func checkIDs(n int, what string, ids ...NodeID) error {
	for _, id := range ids {
		if id < 0 || int(id) >= n {
			return fmt.Errorf("%s: node id %d out of range [0, %d)", what, id, n)
		}
	}
	return nil
}

// Split returns the grudge of a symmetric partition into groups: nodes in
// different groups cannot talk; nodes in no group are cut off from all.
// Groups must not overlap.
func Split(n int, groups ...[]NodeID) (Grudge, error) {
	group := make([]int, n)
	for i := range group {
		group[i] = -1
	}
	for gi, g := range groups {
		if err := checkIDs(n, "partition", g...); err != nil {
			return nil, err
		}
		for _, id := range g {
			if group[id] != -1 {
				return nil, fmt.Errorf("partition: node %s is in two groups", Name(id))
			}
			group[id] = gi
		}
	}
	// Each group's outsiders, computed once and shared (clipped, so an
	// append by a caller copies): the work is the size of the grudge.
	outside := make([][]NodeID, len(groups))
	for gi := range groups {
		for from := range n {
			if group[from] != gi {
				outside[gi] = append(outside[gi], NodeID(from))
			}
		}
		outside[gi] = slices.Clip(outside[gi])
	}
	g := Grudge{}
	for to := range n {
		if gi := group[to]; gi != -1 {
			if len(outside[gi]) > 0 {
				g[NodeID(to)] = outside[gi]
			}
			continue
		}
		for from := range n {
			if from != to {
				g[NodeID(to)] = append(g[NodeID(to)], NodeID(from))
			}
		}
	}
	return g, nil
}

// OneWay returns the grudge of a one-way partition: messages from the nodes
// in from to the nodes in to are dropped, the other direction works. So
// the from side hears the to side, but is not heard by it. The sets must
// not overlap.
func OneWay(n int, from, to []NodeID) (Grudge, error) {
	if err := checkIDs(n, "one-way partition", append(slices.Clone(from), to...)...); err != nil {
		return nil, err
	}
	for _, id := range from {
		if slices.Contains(to, id) {
			return nil, fmt.Errorf("one-way partition: node %s is on both sides", Name(id))
		}
	}
	g := Grudge{}
	for _, t := range to {
		for _, f := range from {
			if !slices.Contains(g[t], f) {
				g[t] = append(g[t], f)
			}
		}
	}
	return g, nil
}

// Isolate returns the grudge that cuts id off from every other node, both
// ways.
func Isolate(n int, id NodeID) (Grudge, error) {
	if err := checkIDs(n, "isolate", id); err != nil {
		return nil, err
	}
	rest := make([]NodeID, 0, n-1)
	for i := range NodeID(n) {
		if i != id {
			rest = append(rest, i)
		}
	}
	return Split(n, []NodeID{id}, rest)
}

// Bridge returns the grudge of two halves joined through one node: the
// other nodes, in id order, form a first and a second half that cannot
// talk to each other, and bridge talks to both. With an odd n, each half
// plus the bridge is a majority.
func Bridge(n int, bridge NodeID) (Grudge, error) {
	if err := checkIDs(n, "bridge", bridge); err != nil {
		return nil, err
	}
	if n < 3 {
		return nil, fmt.Errorf("bridge: want at least 3 nodes, have %d", n)
	}
	var rest []NodeID
	for i := range NodeID(n) {
		if i != bridge {
			rest = append(rest, i)
		}
	}
	a, b := rest[:len(rest)/2], rest[len(rest)/2:]
	g := Grudge{}
	for _, x := range a {
		g[x] = slices.Clone(b)
	}
	for _, y := range b {
		g[y] = slices.Clone(a)
	}
	return g, nil
}

// MajorityRing returns the grudge in which every node hears a majority
// (itself included) and no two nodes hear the same majority: the nodes sit
// on a ring in id order and each hears its nearest neighbours on both
// sides. It needs n ≥ 3; with n = 3 each node hears itself and the next
// one, so that grudge is not symmetric.
func MajorityRing(n int) (Grudge, error) {
	if n < 3 {
		return nil, fmt.Errorf("majority ring: want at least 3 nodes, have %d", n)
	}
	majority := n/2 + 1
	hears := func(to, from int) bool {
		d := (from - to + n) % n
		if n == 3 {
			return d <= 1
		}
		r := majority / 2 // radius: 2r+1 ≥ majority and 2r+1 < n for n ≥ 4
		return d <= r || n-d <= r
	}
	g := Grudge{}
	for to := range n {
		for from := range n {
			if !hears(to, from) {
				g[NodeID(to)] = append(g[NodeID(to)], NodeID(from))
			}
		}
	}
	return g, nil
}

// Describe formats groups as "n1,n2 | n3".
func Describe(groups ...[]NodeID) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		names := make([]string, len(g))
		s := slices.Clone(g)
		slices.Sort(s)
		for j, id := range s {
			names[j] = Name(id)
		}
		parts[i] = strings.Join(names, ",")
	}
	return strings.Join(parts, " | ")
}
