package scenarios

import (
	"strings"
	"testing"
)

func TestSplitCoverNode(t *testing.T) {
	for _, tc := range []struct {
		in, name   string
		node, peer int
	}{
		{"state C L F @n2", "state C L F", 1, -1},
		{"F F L → F C L- @n12", "F F L → F C L-", 11, -1},
		{"state C L F", "state C L F", -1, -1},
		{"mail @home", "mail @home", -1, -1},
		{"x @n0", "x @n0", -1, -1},
		{"x @nx", "x @nx", -1, -1},
		{"event votes @n2 ~n1", "event votes", 1, 0},
		{"event votes @n2 ~n13", "event votes", 1, 12},
		{"event votes @n0 ~n1", "event votes @n0 ~n1", -1, -1},
		{"event votes ~n1", "event votes ~n1", -1, -1},
		{"event votes @n2 ~x", "event votes @n2 ~x", -1, -1},
		{"event ~n3 votes @n2", "event ~n3 votes", 1, -1},
	} {
		name, node, peer := splitCoverNode(tc.in)
		if name != tc.name || node != tc.node || peer != tc.peer {
			t.Errorf("%q: %q, %d, %d; want %q, %d, %d", tc.in, name, node, peer, tc.name, tc.node, tc.peer)
		}
	}
}

// FuzzSplitCoverNode: any fingerprint splits without a panic into a
// prefix of itself; without a node it is left whole, and a peer comes
// only with a node.
func FuzzSplitCoverNode(f *testing.F) {
	for _, s := range []string{"state C L F @n2", "event votes @n2 ~n1", "x @n0 ~n1", "~n3 @n", "a @n1 ~n+2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, fp string) {
		name, node, peer := splitCoverNode(fp)
		if !strings.HasPrefix(fp, name) {
			t.Fatalf("%q: name %q is not a prefix", fp, name)
		}
		if node < 0 && (name != fp || peer >= 0) {
			t.Fatalf("%q: no node, yet name %q, peer %d", fp, name, peer)
		}
		if node < -1 || peer < -1 {
			t.Fatalf("%q: node %d, peer %d", fp, node, peer)
		}
	})
}
