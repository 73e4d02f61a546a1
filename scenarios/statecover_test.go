package scenarios

import "testing"

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
