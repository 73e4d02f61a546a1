package scenarios

import "testing"

func TestSplitCoverNode(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		node     int
	}{
		{"state C L F @n2", "state C L F", 1},
		{"F F L → F C L- @n12", "F F L → F C L-", 11},
		{"state C L F", "state C L F", -1},
		{"mail @home", "mail @home", -1},
		{"x @n0", "x @n0", -1},
		{"x @nx", "x @nx", -1},
	} {
		name, node := splitCoverNode(tc.in)
		if name != tc.name || node != tc.node {
			t.Errorf("%q: %q, %d; want %q, %d", tc.in, name, node, tc.name, tc.node)
		}
	}
}
