package faults

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
)

// The plan a seed draws is part of every replay line ever printed: this
// digest of many plans breaks if a change alters the draws or their order.
const planDigest = "b5d324453712d47de8029bf73f1d4e95c6e3ac1c2afcbfc4df2729293d634979"

func TestPlansUnchanged(t *testing.T) {
	opts := []NemesisOptions{
		{Nodes: 1},
		{Nodes: 3},
		{Nodes: 5, Core: true},
		{Nodes: 7, Exclude: []Kind{Offset, Drift, Jump}},
		{Nodes: 5, Kinds: StorageProfile, Core: true},
		{Nodes: 4, Kinds: []Kind{Partition, Crash, Loss}},
	}
	h := sha256.New()
	for i, o := range opts {
		for seed := uint64(0); seed < 300; seed++ {
			p := plan(t, seed, o)
			fmt.Fprintf(h, "%d/%d\n%s\n%s\n", i, seed, p.Schedule, strings.Join(p.Describe(), "\n"))
		}
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != planDigest {
		t.Fatalf("plans changed: digest %s, want %s", got, planDigest)
	}
}
