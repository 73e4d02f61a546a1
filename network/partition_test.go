package network

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func ids(v ...NodeID) []NodeID { return v }

// TestPartitionShapes checks each shape's reachability matrix, and that a
// network under the grudge delivers exactly what the matrix says.
func TestPartitionShapes(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		g      func() (Grudge, error)
		matrix string
	}{
		{"split", 5, func() (Grudge, error) { return Split(5, ids(0, 1), ids(2, 3, 4)) }, `
   n1 n2 n3 n4 n5
n1  -  #  .  .  .
n2  #  -  .  .  .
n3  .  .  -  #  #
n4  .  .  #  -  #
n5  .  .  #  #  -
`},
		{"split leaves the ungrouped alone", 3, func() (Grudge, error) { return Split(3, ids(0, 1)) }, `
   n1 n2 n3
n1  -  #  .
n2  #  -  .
n3  .  .  -
`},
		{"one-way: n1 hears n2 and n3, they do not hear n1", 3, func() (Grudge, error) { return OneWay(3, ids(0), ids(1, 2)) }, `
   n1 n2 n3
n1  -  .  .
n2  #  -  #
n3  #  #  -
`},
		{"isolate n3", 4, func() (Grudge, error) { return Isolate(4, 2) }, `
   n1 n2 n3 n4
n1  -  #  .  #
n2  #  -  .  #
n3  .  .  -  .
n4  #  #  .  -
`},
		{"bridge through n3", 5, func() (Grudge, error) { return Bridge(5, 2) }, `
   n1 n2 n3 n4 n5
n1  -  #  #  .  .
n2  #  -  #  .  .
n3  #  #  -  #  #
n4  .  .  #  -  #
n5  .  .  #  #  -
`},
		{"majority ring", 5, func() (Grudge, error) { return MajorityRing(5) }, `
   n1 n2 n3 n4 n5
n1  -  #  .  .  #
n2  #  -  #  .  .
n3  .  #  -  #  .
n4  .  .  #  -  #
n5  #  .  .  #  -
`},
		{"majority ring of 3 is directed", 3, func() (Grudge, error) { return MajorityRing(3) }, `
   n1 n2 n3
n1  -  .  #
n2  #  -  .
n3  .  #  -
`},
		{"union of one-way and isolate", 4, func() (Grudge, error) {
			a, _ := OneWay(4, ids(0), ids(1))
			b, _ := Isolate(4, 3)
			return Union(a, b), nil
		}, `
   n1 n2 n3 n4
n1  -  .  #  .
n2  #  -  #  .
n3  #  #  -  .
n4  .  .  .  -
`},
		{"healed", 3, func() (Grudge, error) { return Healed(), nil }, `
   n1 n2 n3
n1  -  #  #
n2  #  -  #
n3  #  #  -
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tt.g()
			if err != nil {
				t.Fatal(err)
			}
			if got := "\n" + g.Matrix(tt.n); got != tt.matrix {
				t.Fatalf("matrix:%s\nwant:%s", got, tt.matrix)
			}
			// The network agrees with the matrix.
			w, nw, r := newNet(t, 1, tt.n, Link{})
			if err := nw.SetGrudge(g, tt.name); err != nil {
				t.Fatal(err)
			}
			for from := range NodeID(tt.n) {
				for to := range NodeID(tt.n) {
					if from != to {
						nw.Send(from, to, nil, 1)
						if nw.Reachable(from, to) != g.Reaches(from, to) {
							t.Fatalf("Reachable(%d, %d) disagrees with the grudge", from, to)
						}
					}
				}
			}
			run(t, w)
			got := map[[2]NodeID]bool{}
			for _, m := range r.got {
				got[[2]NodeID{m.From, m.To}] = true
			}
			for from := range NodeID(tt.n) {
				for to := range NodeID(tt.n) {
					if from != to && got[[2]NodeID{from, to}] != g.Reaches(from, to) {
						t.Fatalf("%s: delivered %v, grudge says %v", LinkName(from, to), got[[2]NodeID{from, to}], g.Reaches(from, to))
					}
				}
			}
			balanced(t, "totals", nw.Totals())
		})
	}
}

// TestMajorityRing checks the shape's promise for many sizes: each node
// hears a majority, and no two nodes hear the same one.
func TestMajorityRing(t *testing.T) {
	for n := 3; n <= 40; n++ {
		g, err := MajorityRing(n)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]NodeID{}
		for id := range NodeID(n) {
			h := g.Hears(n, id)
			if len(h) < n/2+1 {
				t.Fatalf("n=%d: %s hears %d nodes, not a majority", n, Name(id), len(h))
			}
			k := fmt.Sprint(h)
			if other, dup := seen[k]; dup {
				t.Fatalf("n=%d: %s and %s hear the same nodes %v", n, Name(other), Name(id), h)
			}
			seen[k] = id
		}
	}
}

// TestSplitProperty: under any split, two nodes talk iff they share a
// group, and reachability is symmetric.
func TestSplitProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		group := rapid.SliceOfN(rapid.IntRange(-1, 3), n, n).Draw(t, "group")
		groups := make([][]NodeID, 4)
		for id, gi := range group {
			if gi >= 0 {
				groups[gi] = append(groups[gi], NodeID(id))
			}
		}
		g, err := Split(n, groups...)
		if err != nil {
			t.Fatal(err)
		}
		for a := range NodeID(n) {
			for b := range NodeID(n) {
				want := a == b || (group[a] >= 0 && group[a] == group[b])
				if g.Reaches(a, b) != want || g.Reaches(a, b) != g.Reaches(b, a) {
					t.Fatalf("%s -> %s reaches %v, want %v", Name(a), Name(b), g.Reaches(a, b), want)
				}
			}
		}
	})
}

func TestPartitionErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func() (Grudge, error)
		want string
	}{
		{"overlapping groups", func() (Grudge, error) { return Split(3, ids(0, 1), ids(1, 2)) }, "n2 is in two groups"},
		{"split out of range", func() (Grudge, error) { return Split(3, ids(0, 3)) }, "out of range"},
		{"one-way overlap", func() (Grudge, error) { return OneWay(3, ids(0, 1), ids(1)) }, "both sides"},
		{"one-way out of range", func() (Grudge, error) { return OneWay(3, ids(0), ids(-1)) }, "out of range"},
		{"isolate out of range", func() (Grudge, error) { return Isolate(3, 3) }, "out of range"},
		{"bridge too small", func() (Grudge, error) { return Bridge(2, 0) }, "at least 3"},
		{"bridge out of range", func() (Grudge, error) { return Bridge(5, 5) }, "out of range"},
		{"ring too small", func() (Grudge, error) { return MajorityRing(2) }, "at least 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.f(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	_, nw, _ := newNet(t, 1, 3, Link{})
	if err := nw.SetGrudge(Grudge{0: ids(5)}, ""); err == nil {
		t.Fatal("SetGrudge accepted node 5 of 3")
	}
	if err := nw.SetGrudge(Grudge{7: ids(0)}, ""); err == nil {
		t.Fatal("SetGrudge accepted node 7 of 3")
	}
}

func TestHealAndEmptyGrudge(t *testing.T) {
	_, nw, _ := newNet(t, 1, 3, Link{})
	g, _ := Isolate(3, 0)
	_ = nw.SetGrudge(g, "")
	if !nw.Partitioned() || nw.Reachable(1, 0) {
		t.Fatal("isolate had no effect")
	}
	nw.Heal()
	if nw.Partitioned() || !nw.Reachable(1, 0) {
		t.Fatal("heal had no effect")
	}
	_ = nw.SetGrudge(g, "")
	_ = nw.SetGrudge(Healed(), "healed")
	if nw.Partitioned() {
		t.Fatal("an empty grudge left a partition in force")
	}
	// A node never drops its own messages, whatever the grudge says.
	_ = nw.SetGrudge(Grudge{1: ids(1)}, "")
	if !nw.Reachable(1, 1) || !slices.Equal(Grudge{1: ids(1)}.Hears(3, 1), ids(0, 1, 2)) {
		t.Fatal("a node stopped hearing itself")
	}
}
