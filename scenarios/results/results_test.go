package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

func result(seed uint64) *scenarios.Result {
	return &scenarios.Result{Scenario: "s", Seed: seed, Params: map[string]string{"k": "v"}, Status: scenarios.StatusOK}
}

// write streams the given seeds to a new file in dir and returns its path.
func write(t *testing.T, dir, name string, seeds ...uint64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	s, _, err := Open(path, "s", map[string]string{"k": "v"}, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range seeds {
		if err := s.Write(result(seed)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResumeDropsTornLine(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "a.jsonl", 0, 1, 2)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"scenario":"s","se`) // a sweep killed mid-line
	f.Close()
	if _, _, err := Open(path, "s", map[string]string{"k": "v"}, OpenOptions{}); err == nil || !strings.Contains(err.Error(), "already holds results") {
		t.Fatalf("open without resume: %v", err)
	}
	s, done, err := Open(path, "s", map[string]string{"k": "v"}, OpenOptions{Resume: true})
	if err != nil || len(done) != 3 {
		t.Fatalf("resume: %d results, %v", len(done), err)
	}
	s.Write(result(3))
	s.Close()
	all, r, err := Merge([]string{path}, MergeOptions{})
	if err != nil || len(all) != 4 || r.String() != "0-3" {
		t.Fatalf("merge after resume: %d results, %s, %v", len(all), r, err)
	}
	var ie *InputError
	if _, _, err := Open(path, "other", nil, OpenOptions{Resume: true}); !errors.As(err, &ie) {
		t.Fatalf("resume of another sweep: %v", err)
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.jsonl", 0, 2, 4)
	b := write(t, dir, "b.jsonl", 5, 3, 1)
	c := write(t, dir, "c.jsonl", 4)
	all, r, err := Merge([]string{a, b}, MergeOptions{})
	if err != nil || r.String() != "0-5" {
		t.Fatalf("merge: %s, %v", r, err)
	}
	for i, res := range all {
		if res.Seed != uint64(i) {
			t.Fatalf("result %d is seed %d: not in seed order", i, res.Seed)
		}
	}
	want := scenarios.SeedRange{First: 0, Count: 8}
	for _, tt := range []struct {
		paths []string
		o     MergeOptions
		err   string
	}{
		{[]string{a, c}, MergeOptions{}, "seed 4 is in both"},
		{[]string{a, b}, MergeOptions{Seeds: &want}, "2 missing: 6 7"},
		{[]string{a}, MergeOptions{}, "2 missing: 1 3"},
		{[]string{filepath.Join(dir, "none.jsonl")}, MergeOptions{}, "no such file"},
	} {
		_, _, err := Merge(tt.paths, tt.o)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Merge(%v): %v, want an input error with %q", tt.paths, err, tt.err)
		}
	}
}
