package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios/catalog"
)

// testApp is the built-in catalogue plus the scenarios of these tests.
func testApp() App {
	return App{Name: "faultline", Scenarios: append(catalog.All(), cliPanic)}
}

func cli(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = testApp().Run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestRunJSONIsDeterministic(t *testing.T) {
	hash := func(seed string) string {
		code, out, errOut := cli("run", "pingpong", "--seed", seed, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r struct {
			TraceHash string `json:"trace_hash"`
			Replay    string `json:"replay"`
			Checks    []struct {
				Name string `json:"name"`
				OK   bool   `json:"ok"`
			} `json:"checks"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.TraceHash == "" || len(r.Checks) == 0 || !strings.Contains(r.Replay, "--seed "+seed) {
			t.Fatalf("incomplete result: %s", out)
		}
		return r.TraceHash
	}
	if a, b := hash("7"), hash("7"); a != b {
		t.Fatalf("seed 7 gave %s then %s", a, b)
	}
	if hash("7") == hash("8") {
		t.Fatal("seeds 7 and 8 gave the same hash")
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		errHas string
		outHas string
	}{
		{"ok", []string{"run", "pingpong"}, 0, "", "status      ok"},
		{"check fails", []string{"run", "pingpong", "--seed", "7", "--set", "loss=0.05"}, 1, "", "replay      faultline run pingpong --seed 7 --set loss=0.05"},
		{"bad seed", []string{"run", "pingpong", "--seed", "-1"}, 2, "--seed", ""},
		{"bad flag", []string{"run", "pingpong", "--bogus"}, 2, "bogus", ""},
		{"bad duration flag", []string{"run", "pingpong", "--max-wall", "10"}, 2, "--max-wall", ""},
		{"bad format", []string{"run", "pingpong", "--format", "xml"}, 2, "--format", ""},
		{"unknown scenario", []string{"run", "nope"}, 2, "unknown scenario \"nope\" (accepted: ", ""},
		{"unknown param", []string{"run", "pingpong", "--set", "nodez=3"}, 2, "unknown parameter \"nodez\" (accepted: ", ""},
		{"bad param", []string{"run", "pingpong", "--set", "loss=1.5"}, 2, "parameter loss: bad value \"1.5\" (accepted: a probability in [0, 1])", ""},
		{"malformed set", []string{"run", "pingpong", "--set", "loss"}, 2, "want key=value", ""},
		{"bad latency", []string{"run", "pingpong", "--set", "latency=fast"}, 2, "parameter latency", ""},
		{"no scenario", []string{"run"}, 2, "scenario name", ""},
		{"unknown command", []string{"runn"}, 2, "unknown command", ""},
		{"help", []string{"run", "--help"}, 0, "", "Usage: faultline run"},
		{"list", []string{"list"}, 0, "", "pingpong"},
		{"list json", []string{"list", "--format", "json"}, 0, "", `"params"`},
		{"version", []string{"version"}, 0, "", "faultline "},
		{"limit", []string{"run", "pingpong", "--set", "hops=100000", "--max-events", "100"}, 1, "", "status      limit"},
		{"no command", nil, 2, "want a command (accepted: ", ""},
		{"--version", []string{"--version"}, 0, "", "faultline 0."},
		{"trace-format without trace", []string{"run", "pingpong", "--trace-format", "perfetto"}, 2, "--trace-format perfetto needs --trace", ""},
		{"seed defaults to 0", []string{"run", "pingpong"}, 0, "", "seed        0\n"},
		{"limit flags in replay", []string{"run", "kv", "--seed", "2", "--max-events", "100"}, 1, "", "replay      faultline run kv --seed 2 --max-events 100\n"},
		{"memory limit", []string{"run", "queue", "--set", "rate=1e6", "--set", "workers=1", "--set", "duration=24h", "--max-memory", "48MiB"}, 1, "", "error       limit memory (heap "},
		{"bad memory limit", []string{"run", "pingpong", "--max-memory", "12XB"}, 2, "--max-memory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.errHas) || !strings.Contains(out, tt.outHas) {
				t.Fatalf("stdout %q\nstderr %q", out, errOut)
			}
			if tt.code == 2 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("usage error is not one line: %q", errOut)
			}
		})
	}
}

func TestTraceFileIsWritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.jsonl")
	if code, _, e := cli("run", "pingpong", "--trace", p); code != 0 {
		t.Fatal(e)
	}
	b, err := os.ReadFile(p)
	if err != nil || !bytes.Contains(b, []byte(`"kind":"send"`)) {
		t.Fatalf("trace %q, %v", b, err)
	}
}

func TestArtifactsDirIsCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if code, _, e := cli("run", "pingpong", "--artifacts", dir); code != 0 {
		t.Fatal(e)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("--artifacts %s not created: %v", dir, err)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	if code, _, e := cli("run", "pingpong", "--artifacts", file); code != 2 || !strings.Contains(e, "not a directory") {
		t.Fatalf("exit %d %q", code, e)
	}
}

func TestBenchWritesCPUProfile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpu.pprof")
	code, out, e := cli("bench", "--seeds", "1", "--cpuprofile", p, "pingpong")
	if code != 0 {
		t.Fatal(e)
	}
	if !strings.Contains(out, "pingpong") {
		t.Fatalf("no speed table: %q", out)
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // pprof profiles are gzipped
		t.Fatalf("profile %d bytes, %v", len(b), err)
	}
}

// Every command prints its usage exactly once for --help and -h.
func TestHelpPrintedOnce(t *testing.T) {
	for name := range commands {
		for _, flag := range []string{"--help", "-h"} {
			code, out, errOut := cli(name, flag)
			if code != 0 || errOut != "" {
				t.Fatalf("%s %s: exit %d, stderr %q", name, flag, code, errOut)
			}
			if n := strings.Count(out, "Usage: faultline "+name); n != 1 {
				t.Fatalf("%s %s: usage printed %d times:\n%s", name, flag, n, out)
			}
		}
	}
}
