package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: bad flags, parameter values, scenario names and files
// exit 2 with one line on stderr that names the input, and leave no file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := file("garbage.txt", "garbage\n")
	noStatus := file("nostatus.jsonl", `{"scenario":"pingpong","seed":0}`+"\n")
	beyond := file("beyond.faults", "at 1s crash n9 for 1s\n")
	overlap := file("overlap.faults", "at 1s partition n1,n2 | n2,n3 for 1s\n")
	good := file("good.faults", "at 1s crash n1 for 1s\n")
	badEvery := file("every.faults", "at 1s upgrade n1,n2 to v2 every 5\n")
	upBeyond := file("upbeyond.faults", "at 1s upgrade n1,n9 to v2 every 1s\n")
	badVersion := file("version.faults", "at 1s upgrade n1,n2 to v3 every 1s\n")
	noVersions := file("noversions.faults", "at 1ms upgrade n1 to v2\n")
	missingDir := filepath.Join(dir, "nodir")
	out := func(name string) string { return filepath.Join(missingDir, name) }
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"unknown command", []string{"bogus"}, `unknown command "bogus" (accepted: `},
		{"explore no runs", []string{"explore", "raftlog", "--runs", "0"}, "--runs 0: want a count > 0"},
		{"explore negative cap", []string{"explore", "raftlog", "--max-faults", "-1"}, "--max-faults -1: want a count of faults ≥ 0"},
		{"explore with a fault file", []string{"explore", "raftlog", "--faults", good}, "--faults: explore draws"},
		{"unknown flag", []string{"run", "pingpong", "--bogus"}, "--bogus (see 'faultline run --help')"},
		{"missing flag value", []string{"run", "pingpong", "--seed"}, "--seed"},
		{"extra argument", []string{"run", "pingpong", "extra"}, "exactly one scenario"},
		{"negative seed", []string{"run", "pingpong", "--seed", "-1"}, `seed "-1": want a non-negative integer`},
		{"fractional seed", []string{"run", "pingpong", "--seed", "1.5"}, `seed "1.5"`},
		{"huge seed", []string{"run", "pingpong", "--seed", "99999999999999999999"}, `seed "99999999999999999999"`},
		{"empty seed", []string{"run", "pingpong", "--seed", ""}, `--seed "": want a non-empty value`},
		{"set without =", []string{"run", "pingpong", "--set", "nodes"}, `--set "nodes": want key=value`},
		{"int out of range", []string{"run", "pingpong", "--set", "nodes=100000000"}, `parameter nodes: bad value "100000000" (accepted: an integer in [2, 10000])`},
		{"NaN probability", []string{"run", "pingpong", "--set", "loss=NaN"}, `parameter loss: bad value "NaN" (accepted: a probability in [0, 1])`},
		{"Inf float", []string{"run", "queue", "--set", "rate=Inf"}, `parameter rate: bad value "Inf"`},
		{"bad enum", []string{"run", "bulkhead", "--set", "isolation=bogus"}, "accepted: one of shared, bulkhead"},
		{"bad backoff kind", []string{"run", "bulkhead", "--set", "retry.backoff=fulljitter"}, "retry.backoff"},
		{"negative threshold", []string{"run", "bulkhead", "--set", "breaker.failure_threshold=-1"}, "breaker.failure_threshold"},
		{"bad latency", []string{"run", "pingpong", "--set", "latency=uniform:5ms-1ms"}, "parameter latency"},
		{"negative duration", []string{"run", "pingpong", "--set", "nemesis.duration=-1s"}, "parameter nemesis.duration"},
		{"huge duration", []string{"run", "cascade", "--set", "duration=1000000h"}, `parameter duration: bad value "1000000h" (accepted: a duration in [0s, 24h]`},
		{"huge max_time", []string{"run", "backoff", "--set", "max_time=1000000h"}, "parameter max_time"},
		{"zero run length", []string{"run", "hedging", "--set", "duration=0s"}, "accepted: a duration in (0s, 24h]"},
		{"zero probe interval", []string{"run", "health-check", "--set", "interval=0s"}, "parameter interval"},
		{"no nemesis kind", []string{"run", "pingpong", "--set", "nemesis.kinds=,"}, "parameter nemesis.kinds"},
		{"max-time 0", []string{"run", "pingpong", "--max-time", "0s"}, "--max-time"},
		{"trace into missing dir", []string{"run", "pingpong", "--trace", out("t.jsonl")}, "does not exist"},
		{"trace into a directory", []string{"run", "pingpong", "--trace", dir}, "is a directory"},
		{"empty trace", []string{"run", "pingpong", "--trace", ""}, `--trace "": want a non-empty value`},
		{"plot into missing dir", []string{"run", "load-shedding", "--plot", out("p.svg")}, "--plot"},
		{"plot extension", []string{"run", "load-shedding", "--plot", "p.gif"}, ".svg or .png"},
		{"artifacts not a dir", []string{"run", "kv", "--artifacts", garbage}, "--artifacts"},
		{"faults missing", []string{"run", "pingpong", "--faults", out("x.faults")}, "--faults"},
		{"faults garbage", []string{"run", "pingpong", "--faults", garbage}, "want 'at TIME KIND"},
		{"faults beyond cluster", []string{"run", "pingpong", "--faults", beyond, "--trace", filepath.Join(dir, "t.jsonl")}, `unknown node "n9"`},
		{"faults overlap", []string{"run", "kv", "--faults", overlap}, "overlapping partition groups"},
		{"upgrade bad every", []string{"run", "rolling-upgrade", "--faults", badEvery}, `'every 5': want a duration > 0 such as 5s`},
		{"upgrade node beyond cluster", []string{"run", "rolling-upgrade", "--faults", upBeyond}, `unknown node "n9": the cluster has 5 nodes`},
		{"upgrade unknown version", []string{"run", "rolling-upgrade", "--faults", badVersion, "--trace", filepath.Join(dir, "u.jsonl")}, `unknown version "v3" (accepted: v1, v2)`},
		{"upgrade without versions", []string{"run", "pingpong", "--faults", noVersions}, `unknown version "v2" (this run defines no versions)`},
		{"faults on a scenario without a cluster", []string{"run", "cli-panic", "--seed", "2", "--faults", good}, "does not take a fault schedule"},
		{"reversed seeds", []string{"sweep", "pingpong", "--seeds", "5-3"}, "reversed range"},
		{"huge -j", []string{"sweep", "pingpong", "--seeds", "3", "-j", "100000000"}, "-j 100000000: want a number of workers in [1, 1024]"},
		{"resume garbage", []string{"sweep", "pingpong", "--seeds", "3", "--out", garbage, "--resume"}, "line 1: not a result"},
		{"sweep bad input leaves no stream", []string{"sweep", "pingpong", "--seeds", "3", "--faults", beyond, "--out", filepath.Join(dir, "s.jsonl")}, `unknown node "n9"`},
		{"sweep out into missing dir", []string{"sweep", "pingpong", "--seeds", "3", "--out", out("s.jsonl")}, "--out"},
		{"unknown metric", []string{"compare", "pingpong", "--vary", "hops=1,2", "--seeds", "2", "--metrics", "bogus"}, `unknown metric "bogus" (accepted: `},
		{"empty metrics", []string{"compare", "pingpong", "--vary", "hops=1,2", "--seeds", "2", "--metrics", ""}, "--metrics"},
		{"baseline not varied", []string{"compare", "pingpong", "--vary", "hops=1,2", "--seeds", "2", "--baseline", "hops=3"}, "matches no row"},
		{"empty vary", []string{"compare", "pingpong", "--vary", "", "--seeds", "2"}, `--vary "": want key=v1,v2`},
		{"compare out into missing dir", []string{"compare", "pingpong", "--vary", "hops=1,2", "--seeds", "2", "--out", out("c.txt")}, "does not exist"},
		{"compare out is a directory", []string{"compare", "pingpong", "--vary", "hops=1,2", "--seeds", "2", "--out", dir}, "is a directory"},
		{"compare plot into missing dir", []string{"compare", "load-shedding", "--vary", "shedding=none,bounded", "--seeds", "2", "--plot", out("c.svg")}, "does not exist"},
		{"merge garbage", []string{"merge", garbage}, "line 1: not a result"},
		{"merge result without status", []string{"merge", noStatus}, `status ""`},
		{"merge out into missing dir", []string{"merge", noStatus, "--out", out("m.jsonl")}, "does not exist"},
		{"shrink passing seed", []string{"shrink", "kv", "--seed", "1", "--out", filepath.Join(dir, "kv.faults")}, "does not fail"},
		{"shrink out into missing dir", []string{"shrink", "kv", "--seed", "1", "--set", "mode=buggy", "--out", out("x.faults")}, "does not exist"},
		{"list unknown scenario", []string{"list", "bogus"}, `unknown scenario "bogus"`},
		// Parameters each valid alone that contradict each other.
		{"trigger after the end", []string{"run", "retry-storm", "--set", "duration=1s"}, "parameters trigger_at=20s, trigger_for=5s and duration=1s contradict"},
		{"spike after the end", []string{"sweep", "rate-limit", "--seeds", "2", "--set", "spike_at=100s"}, "spike_at=1m40s, spike_for=10s and duration=40s contradict"},
		{"overload after the end", []string{"run", "throttle", "--set", "duration=2s"}, "contradict"},
		{"drift beyond the skew", []string{"run", "lease", "--set", "drift_ppm=10000", "--set", "max_skew=10ms"}, "parameters drift_ppm=10000 and max_skew=10ms contradict"},
		{"compare row after the end", []string{"compare", "retry-storm", "--vary", "duration=60s,1s", "--seeds", "2", "-q"}, "duration=1s contradict"},
		{"backoff base above cap", []string{"run", "backoff", "--set", "backoff.base=10s", "--set", "backoff.cap=1s"}, "parameters backoff, backoff.base and backoff.cap"},
		{"compare row with base above cap", []string{"compare", "backoff", "--vary", "backoff.cap=10s,1ms", "--seeds", "2", "-q"}, "--vary: backoff backoff.cap=1ms: "},
		{"bench zero seeds", []string{"bench", "--seeds", "0"}, "--seeds 0"},
		{"bench profile into missing dir", []string{"bench", "--cpuprofile", out("p.pprof"), "pingpong"}, "no such file"},
		{"bench profile, unknown scenario", []string{"bench", "--cpuprofile", filepath.Join(dir, "p.pprof"), "bogus"}, `unknown scenario "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := listDir(t, dir)
			code, _, errOut := cli(tt.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
			}
			if !strings.Contains(errOut, tt.errHas) {
				t.Fatalf("stderr %q, want it to hold %q", errOut, tt.errHas)
			}
			if strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 || strings.Contains(errOut, "goroutine ") {
				t.Fatalf("not one line: %q", errOut)
			}
			if after := listDir(t, dir); after != before {
				t.Fatalf("files changed: %q, then %q", before, after)
			}
		})
	}
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		names = append(names, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, " ")
}

// TestResumeDoesNotCutAForeignFile: --resume on a file whose last whole
// line is not a result refuses, and leaves the file as it was.
func TestResumeDoesNotCutAForeignFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.txt")
	text := "my notes\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, e := cli("sweep", "pingpong", "--seeds", "2", "--out", p, "--resume", "-q"); code != exitUsage {
		t.Fatalf("exit %d: %s", code, e)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != text {
		t.Fatalf("file now %q, %v", b, err)
	}
}

// TestLimitIsReported: a run that hits a limit exits 1 and names the
// limit, the seed and the replay command.
func TestLimitIsReported(t *testing.T) {
	for _, tt := range []struct{ flag, value, limit string }{
		{"--max-events", "50", "max_events"},
		{"--max-time", "1ms", "max_time"},
	} {
		code, out, _ := cli("run", "pingpong", "--seed", "3", "--set", "hops=100000", tt.flag, tt.value)
		if code != exitFail {
			t.Fatalf("%s: exit %d", tt.flag, code)
		}
		for _, want := range []string{"status      limit", "limit " + tt.limit, "seed        3", "replay      faultline run pingpong --seed 3 --set hops=100000 " + tt.flag + " " + tt.value + "\n"} {
			if !strings.Contains(out, want) {
				t.Fatalf("%s: output lacks %q:\n%s", tt.flag, want, out)
			}
		}
	}
}
