package cli

import (
	"path/filepath"
	"testing"
)

// TestExploreCorpusResumes: a second exploration reads the corpus the
// first wrote, with fewer runs than the corpus holds, and adds only its
// own new entries.
func TestExploreCorpusResumes(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	count := func() int {
		have, err := filepath.Glob(filepath.Join(corpus, "*.faults"))
		if err != nil {
			t.Fatal(err)
		}
		return len(have)
	}
	if code, _, errOut := cli("explore", "raftlog", "--runs", "24", "--corpus", corpus, "--out", dir, "-q"); code != 0 {
		t.Fatalf("first exploration: exit %d: %s", code, errOut)
	}
	first := count()
	if first < 5 {
		t.Fatalf("first exploration kept %d entries", first)
	}
	if code, _, errOut := cli("explore", "raftlog", "--runs", "3", "--corpus", corpus, "--out", dir, "-q"); code != 0 {
		t.Fatalf("resumed with --runs 3 < %d entries: exit %d: %s", first, code, errOut)
	}
	if n := count(); n != first {
		t.Fatalf("3 runs of corpus entries wrote %d new entries, want none", n-first)
	}
}
