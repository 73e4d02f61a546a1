package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRunPlot(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rs.svg")
	if code, _, e := cli("run", "retry-storm", "--seed", "2", "--plot", p); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	b, err := os.ReadFile(p)
	if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("goodput_rps")) {
		t.Fatalf("plot missing or empty: %v", err)
	}
	if code, _, e := cli("run", "retry-storm", "--plot", filepath.Join(t.TempDir(), "x.txt")); code != 2 {
		t.Fatalf("bad plot name: exit %d, %s", code, e)
	}
}
