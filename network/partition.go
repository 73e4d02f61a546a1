package network

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/sim"
)

// Grudge says, for each node, the set of nodes whose messages it drops.
// Every partition shape is one grudge (the form Jepsen and TigerBeetle use).
type Grudge map[NodeID][]NodeID

// SetGrudge replaces the current partition with g. Messages already in
// flight across a new cut are dropped on arrival.
func (nw *Network) SetGrudge(g Grudge, label string) error {
	gr := make([]map[NodeID]bool, nw.n)
	for to, froms := range g {
		if err := nw.check(to); err != nil {
			return fmt.Errorf("grudge: %w", err)
		}
		for _, f := range froms {
			if err := nw.check(f); err != nil {
				return fmt.Errorf("grudge: %w", err)
			}
			if gr[to] == nil {
				gr[to] = map[NodeID]bool{}
			}
			gr[to][f] = true
		}
	}
	nw.grudge = gr
	nw.w.Trace(sim.Record{Kind: "partition", Node: -1, Peer: -1, Detail: label})
	return nil
}

// Heal removes every partition.
func (nw *Network) Heal() {
	nw.grudge = nil
	nw.w.Trace(sim.Record{Kind: "heal", Node: -1, Peer: -1})
}

// Split returns the grudge of a symmetric partition into groups: nodes in
// different groups cannot talk; nodes in no group are cut off from all.
func Split(n int, groups ...[]NodeID) (Grudge, error) {
	group := make([]int, n)
	for i := range group {
		group[i] = -1
	}
	for gi, g := range groups {
		for _, id := range g {
			if id < 0 || int(id) >= n {
				return nil, fmt.Errorf("partition: node id %d out of range", id)
			}
			if group[id] != -1 {
				return nil, fmt.Errorf("partition: node %s is in two groups", Name(id))
			}
			group[id] = gi
		}
	}
	g := Grudge{}
	for to := range n {
		for from := range n {
			if to != from && (group[to] == -1 || group[to] != group[from]) {
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
