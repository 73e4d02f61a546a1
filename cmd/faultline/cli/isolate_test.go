package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// testWorkerEnv makes this test binary act as the worker process of an
// isolated sweep: the parent re-executes os.Executable(), which in a test
// is the test binary itself.
const testWorkerEnv = "FAULTLINE_CLI_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(testWorkerEnv) == "1" {
		os.Exit(isoApp().Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == workerCommand {
		// Started as a worker without the variable: running the tests
		// again would start workers of its own.
		fmt.Fprintln(os.Stderr, "test binary started as a worker without "+testWorkerEnv+"=1")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// Planted bugs that no in-process sweep survives: a panic in a goroutine
// of its own, a handler that never returns, a stack overflow, concurrent
// map writes, runaway memory. Seeds with none of them pass.
var cliCrash = &scenarios.Scenario{
	Name:    "cli-crash",
	Summary: "odd seeds panic in a goroutine, seed%5==2 loops in a handler, seed%7==3 overflows the stack, seed%13==6 writes a map from two goroutines, seed%11==4 eats memory",
	Run: func(r *scenarios.Run) error {
		seed := r.Seed
		r.World.After(time.Millisecond, sim.HandlerFunc(func(*sim.Event) {
			switch {
			case seed%2 == 1:
				never := make(chan struct{})
				go func() { panic(fmt.Sprintf("planted goroutine panic, seed %d", seed)) }()
				<-never
			case seed%5 == 2:
				for n := uint64(0); ; n++ { // never returns to the engine
					plantedSink.Store(n)
				}
			case seed%7 == 3:
				plantedSink.Store(uint64(deepRecursion(0)))
			case seed%13 == 6:
				m := map[int]int{}
				for range 2 {
					go func() {
						for i := 0; ; i++ {
							m[i%1024] = i
						}
					}()
				}
				<-make(chan struct{})
			case seed%11 == 4:
				// One big allocation, then its pages one by one: resident
				// memory grows at page-fault speed, with no GC thrash.
				b := make([]byte, 1<<30)
				for i := 0; ; i = (i + 4096) % len(b) {
					b[i] = 1
				}
			}
		}), sim.Event{Node: -1})
		if err := r.World.Run(); err != nil {
			return err
		}
		if seed == 0 && os.Getenv(testWorkerEnv) == "1" {
			// Scenario code that prints must not garble a worker's replies.
			fmt.Println("seed 0 says hello on stdout")
		}
		r.Check(checks.Pass("planted"))
		return nil
	},
}

var plantedSink atomicUint64

// atomicUint64 keeps the planted loop from being optimised away.
type atomicUint64 struct{ v uint64 }

//go:noinline
func (a *atomicUint64) Store(v uint64) { a.v = v }

//go:noinline
func deepRecursion(n int) int {
	var pad [1024]byte
	pad[n%1024] = byte(n)
	if n < 0 {
		return 0
	}
	return deepRecursion(n+1) + int(pad[3])
}

// isoApp is testApp with the planted-crash scenario.
func isoApp() App {
	a := testApp()
	a.Scenarios = append(a.Scenarios, cliCrash)
	return a
}

// isoCLI runs the isolated-sweep app; its workers are this test binary.
func isoCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv(testWorkerEnv, "1")
	var o, e bytes.Buffer
	code = isoApp().Run(args, &o, &e)
	return code, o.String(), e.String()
}

func readLines(t *testing.T, path string) map[uint64]*scenarios.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, _, err := scenarios.ReadResults(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]*scenarios.Result{}
	for _, r := range rs {
		out[r.Seed] = r
	}
	return out
}

// The done-when of crash isolation: each planted crash is its own seed's
// status, with its replay, and the other seeds finish and pass.
func TestIsolateReportsEachCrashAsItsSeedsStatus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("--max-memory reads /proc")
	}
	// Small bounds keep the overflow and the memory hog quick on a
	// loaded machine; the wall limit must outlast both.
	oldStack := workerMaxStackBytes
	workerMaxStackBytes = 4 << 20
	defer func() { workerMaxStackBytes = oldStack }()
	out := filepath.Join(t.TempDir(), "r.jsonl")
	start := time.Now()
	code, stdout, stderr := isoCLI(t, "sweep", "cli-crash", "--seeds", "0-13", "-j", "2", "--isolate",
		"--max-wall", "3s", "--max-memory", "16MiB", "--out", out, "-q", "--format", "json")
	if code != exitFail {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	var sum scenarios.SweepSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 14 || sum.Statuses["ok"] != 2 || sum.Statuses["crash"] != 9 || sum.Statuses["limit"] != 3 {
		t.Fatalf("runs %d, statuses %v", sum.Runs, sum.Statuses)
	}
	rs := readLines(t, out)
	want := map[uint64]struct{ status, limit, errHas string }{
		0: {"ok", "", ""}, 8: {"ok", "", ""},
		6:  {"crash", "", "fatal error: concurrent map writes"},
		1:  {"crash", "", "worker died (exit status 2): panic: planted goroutine panic, seed 1"},
		13: {"crash", "", "panic: planted goroutine panic, seed 13"},
		2:  {"limit", "wall_time", "its worker was killed"},
		12: {"limit", "wall_time", "did not return to the engine"},
		10: {"crash", "", "fatal error: stack overflow"},
		4:  {"limit", "memory", "limit memory (16MiB) reached"},
	}
	for seed, w := range want {
		r := rs[seed]
		if r == nil {
			t.Fatalf("seed %d: no result", seed)
		}
		if r.Status != w.status || r.Limit != w.limit || !strings.Contains(r.Error, w.errHas) {
			t.Errorf("seed %d: status %s, limit %q, error %q; want %s, %q, %q", seed, r.Status, r.Limit, r.Error, w.status, w.limit, w.errHas)
		}
		replay := "faultline run cli-crash --seed " + strconv.FormatUint(seed, 10)
		switch w.limit { // the replay carries the limit that ended the run
		case "wall_time":
			replay += " --max-wall 3s"
		case "memory":
			replay += " --max-memory 16MiB"
		}
		if r.Replay != replay {
			t.Errorf("seed %d: replay %q", seed, r.Replay)
		}
	}
	if strings.Contains(rs[1].Error, "[running]") {
		t.Errorf("crash error carries a goroutine dump: %q", rs[1].Error)
	}
	// A healthy seed's result is the in-process one.
	code, inproc, _ := isoCLI(t, "run", "cli-crash", "--seed", "8", "--format", "json")
	got, _ := json.MarshalIndent(rs[8], "", "  ")
	if code != 0 || strings.TrimSpace(inproc) != string(got) {
		t.Fatalf("seed 8 in process:\n%s\nisolated:\n%s", inproc, got)
	}
	t.Logf("14 seeds in %v", time.Since(start))
}

// For healthy seeds (and panics the runner recovers) an isolated sweep
// prints and streams the same bytes as an in-process one.
func TestIsolateMatchesInProcess(t *testing.T) {
	dir := t.TempDir()
	for i, args := range [][]string{
		{"sweep", "cli-panic", "--seeds", "0-23", "-j", "2"},
		{"sweep", "pingpong", "--seeds", "0-29", "--set", "loss=0.05", "-j", "2"},
		{"sweep", "retry-storm", "--seeds", "0-9", "--set", "nemesis=true", "-j", "2"},
		{"sweep", "kv", "--seeds", "0-3", "--faults", "../../../examples/faults/partition.faults", "--check-determinism"},
		{"sweep", "cli-panic", "--seeds", "2-23", "--fail-fast", "-j", "2"},
	} {
		name := args[1]
		run := func(extra ...string) (string, []byte) {
			out := filepath.Join(dir, fmt.Sprintf("%s-%d-%d.jsonl", name, i, len(extra)))
			code, stdout, stderr := isoCLI(t, append(append(args, "-q", "--format", "json", "--out", out), extra...)...)
			if code == exitUsage {
				t.Fatalf("%s: exit 2: %s", name, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			return stdout, b
		}
		in, inStream := run()
		iso, isoStream := run("--isolate")
		if in != iso {
			t.Errorf("%s: summary differs\nin process:\n%s\nisolated:\n%s", name, in, iso)
		}
		if !bytes.Equal(inStream, isoStream) {
			t.Errorf("%s: --out streams differ", name)
		}
	}
}

func TestIsolateFailFastAndText(t *testing.T) {
	code, out, stderr := isoCLI(t, "sweep", "cli-crash", "--seeds", "0-9", "--isolate", "--fail-fast", "-j", "2", "-q")
	if code != exitFail || !strings.Contains(out, "first failure: seed 1, status crash") ||
		!strings.Contains(out, "error: worker died (exit status 2): panic: planted goroutine panic, seed 1") ||
		!strings.Contains(out, "replay: faultline run cli-crash --seed 1\n") || !strings.Contains(out, "2 runs, 1 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestIsolateInterruptKillsWorkers(t *testing.T) {
	old := notifyInterrupt
	defer func() { notifyInterrupt = old }()
	notifyInterrupt = func(io.Writer) (<-chan struct{}, func()) {
		c := make(chan struct{})
		time.AfterFunc(time.Second, func() { close(c) })
		return c, func() {}
	}
	start := time.Now()
	// Seeds 2 and 12 loop; with an hour's wall limit only Ctrl-C ends them.
	code, out, stderr := isoCLI(t, "sweep", "cli-crash", "--seeds", "0-40", "--isolate", "--max-wall", "1h", "-j", "2", "-q")
	// Seed 2 never ends, so at most seeds 0 and 1 are reported.
	if code != exitInterrupted || !strings.Contains(out, "INTERRUPTED") || !regexp.MustCompile(`seeds 0-40: [0-2] runs`).MatchString(out) {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("interrupted sweep took %v", d)
	}
	if runtime.GOOS == "linux" {
		if pids := workerChildren(t); len(pids) > 0 {
			t.Fatalf("workers still running after the sweep: %v", pids)
		}
	}
}

// workerChildren lists this process's children running as workers.
func workerChildren(t *testing.T) []int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(d), "cmdline"))
		if bytes.Contains(cmdline, []byte(workerCommand)) && f[0] != "Z" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestIsolateBadInput(t *testing.T) {
	badFaults := filepath.Join(t.TempDir(), "bad.faults")
	if err := os.WriteFile(badFaults, []byte("at 1ms partition n1 | n99 for 5ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		// Found by the first run, in a worker: still exit 2, on one line.
		{"fault names a node the cluster lacks", []string{"sweep", "pingpong", "--seeds", "0-3", "--isolate", "--faults", badFaults}, `bad.faults:1: unknown node "n99"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := isoCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(errOut, tt.errHas) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q, want 2 and %q on one line", code, errOut, tt.errHas)
			}
		})
	}
}

// A program whose worker lacks the scenario (its main does not pass the
// same scenarios to cli.Main) is refused before any seed runs.
func TestIsolateWorkerWithoutTheScenario(t *testing.T) {
	t.Setenv(testWorkerEnv, "1")
	only := *cliPanic
	only.Name = "parent-only"
	a := isoApp()
	a.Scenarios = append(a.Scenarios, &only)
	var o, e bytes.Buffer
	code := a.Run([]string{"sweep", "parent-only", "--seeds", "0-3", "--isolate"}, &o, &e)
	if code != exitFail || !strings.Contains(e.String(), "does not offer scenario parent-only") {
		t.Fatalf("exit %d\n%s\n%s", code, o.String(), e.String())
	}
}

func TestCrashCause(t *testing.T) {
	tests := []struct{ stderr, want string }{
		{"panic: boom\n\ngoroutine 7 [running]:\nmain.f()\n", "panic: boom"},
		{"runtime: goroutine stack exceeds 268435456-byte limit\nruntime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0400e0000]\nfatal error: stack overflow\n\nruntime stack:\n",
			"runtime: goroutine stack exceeds 268435456-byte limit; fatal error: stack overflow"},
		{"fatal error: concurrent map writes\n\ngoroutine 1 [running]:\n", "fatal error: concurrent map writes"},
		{"panic: a [recovered]\n\tpanic: b\n\ngoroutine 1:\n", "panic: a [recovered]; panic: b"},
		{"log line\nlast words\n\n", "log line; last words"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := crashCause(tt.stderr); got != tt.want {
			t.Errorf("crashCause(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

// Every run option reaches the worker: a new field of scenarios.Options
// must be carried in workerJob, or listed here with the reason it is not.
func TestWorkerJobCarriesEveryOption(t *testing.T) {
	carried := map[string]string{
		"Sink": "", "Roles": "", "Limits": "Limits", "WallLimit": "WallLimitNs", "MemoryLimit": "MemoryLimit", "ArtifactDir": "ArtifactDir",
		"Faults": "Faults", "FaultsFile": "FaultsFile", "Program": "Program", "CheckDeterminism": "CheckDeterminism",
		"FreshMemory": "",
	}
	// Sink: sweeps and comparisons write no traces. Roles: only list asks.
	// FreshMemory: it changes no result, and a worker process reuses its
	// own storage.
	job := reflect.TypeOf(workerJob{})
	for f := range reflect.TypeOf(scenarios.Options{}).Fields() {
		to, ok := carried[f.Name]
		if !ok {
			t.Errorf("scenarios.Options.%s is not carried to workers (add it to workerJob and workerRun)", f.Name)
			continue
		}
		if _, has := job.FieldByName(to); to != "" && !has {
			t.Errorf("workerJob has no field %s for Options.%s", to, f.Name)
		}
	}
}

func TestRSSBound(t *testing.T) {
	tests := []struct {
		limit uint64
		want  int64
	}{
		{0, 0}, {16 << 20, 84 << 20}, {4 << 30, 5<<30 + 64<<20}, {1<<60 + 1, 0}, {^uint64(0), 0},
	}
	for _, tt := range tests {
		if got := rssBound(tt.limit); got != tt.want {
			t.Errorf("rssBound(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}
