package proptest

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/examples/register"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/pingpong"
)

func TestRunPattern(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"TestX", "^TestX$"},
		{"TestX/seed=3", "^TestX$/^seed=3$"},
		{"TestKV/a_b(c)", `^TestKV$/^a_b\(c\)$`},
	} {
		if got := RunPattern(tc.name); got != tc.want {
			t.Errorf("RunPattern(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got, want := GoTestCommand("TestX", "./examples/register"), "go test -run '^TestX$' ./examples/register"; got != want {
		t.Errorf("GoTestCommand = %q, want %q", got, want)
	}
	if got, want := TraceFile("TestX/sub case", 42), "TestX_sub_case-seed42.jsonl"; got != want {
		t.Errorf("TraceFile = %q, want %q", got, want)
	}
}

func TestPackageDir(t *testing.T) {
	if got := packageDir(); got != "./scenarios/proptest" {
		t.Fatalf("packageDir() = %q", got)
	}
}

func setFlag(t *testing.T, name, value string) {
	t.Helper()
	old := flag.Lookup(name).Value.String()
	if err := flag.Set(name, value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Set(name, old) })
}

func TestSeedRangeFlags(t *testing.T) {
	for _, tc := range []struct {
		seed, seeds string
		want        scenarios.SeedRange
		err         string
	}{
		{"", "", scenarios.SeedRange{First: 0, Count: DefaultSeeds}, ""},
		{"7", "", scenarios.SeedRange{First: 7, Count: 1}, ""},
		{"7", "100", scenarios.SeedRange{First: 7, Count: 1}, ""}, // one seed wins
		{"", "5", scenarios.SeedRange{First: 0, Count: 5}, ""},
		{"", "10-12", scenarios.SeedRange{First: 10, Count: 3}, ""},
		{"x", "", scenarios.SeedRange{}, "-faultline.seed"},
		{"", "9-3", scenarios.SeedRange{}, "-faultline.seeds"},
	} {
		setFlag(t, "faultline.seed", tc.seed)
		setFlag(t, "faultline.seeds", tc.seeds)
		got, err := SeedRange()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("seed %q seeds %q: err %v, want one naming %s", tc.seed, tc.seeds, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("seed %q seeds %q: %v %v, want %v", tc.seed, tc.seeds, got, err, tc.want)
		}
	}
}

func TestRunPasses(t *testing.T) {
	setFlag(t, "faultline.seeds", "5")
	Run(t, pingpong.Scenario, map[string]string{"nodes": "4"})
}

func TestSeedsIsDeterministic(t *testing.T) {
	setFlag(t, "faultline.seeds", "3-8")
	collect := func() []string {
		var hashes []string
		Seeds(t, pingpong.Scenario, nil, func(t *testing.T, res *scenarios.Result) {
			hashes = append(hashes, res.TraceHash)
		})
		return hashes
	}
	a, b := collect(), collect()
	if len(a) != 6 || strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("hashes %v then %v", a, b)
	}
}

// TestHelperFailingProperty fails on purpose; TestFailureIsReplayable runs
// it in a child process and reads its log.
func TestHelperFailingProperty(t *testing.T) {
	if os.Getenv("FAULTLINE_PROPTEST_HELPER") != "1" {
		t.Skip("run by TestFailureIsReplayable")
	}
	Run(t, pingpong.Scenario, map[string]string{"loss": "0.05"})
}

func TestFailureIsReplayable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child test process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFailingProperty$", "-test.v", "-faultline.seeds=3-9", "-faultline.trace="+dir)
	cmd.Env = append(os.Environ(), "FAULTLINE_PROPTEST_HELPER=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the failing helper passed:\n%s", out)
	}
	log := string(out)
	// pingpong with 5% loss fails on its first seed here, 3; the loop
	// stops there.
	for _, want := range []string{
		"--- FAIL: TestHelperFailingProperty/seed=3",
		"fail all_balls_arrive",
		"go test -run '^TestHelperFailingProperty$' ./scenarios/proptest -faultline.seed=3",
		"faultline run pingpong --seed 3 --set loss=0.05",
		filepath.Join(dir, "TestHelperFailingProperty-seed3.jsonl"),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "seed=4") {
		t.Errorf("the loop went on after the failing seed:\n%s", log)
	}
	trace, err := os.ReadFile(filepath.Join(dir, "TestHelperFailingProperty-seed3.jsonl"))
	if err != nil || !bytes.Contains(trace, []byte(`"kind":"drop"`)) {
		t.Fatalf("trace file: %v; %d bytes, want the lost message in it", err, len(trace))
	}
}

// TestCLIDoesNotImportTestPackages guards the CLI's import graph: rapid
// registers flags in init, and these packages are for test binaries.
func TestCLIDoesNotImportTestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/faultline/faultline/cmd/faultline").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list gave %d packages; the guard would prove nothing:\n%s", len(deps), out)
	}
	for _, d := range deps {
		switch d {
		case "pgregory.net/rapid", "github.com/faultline/faultline/scenarios/proptest", "github.com/faultline/faultline/checks/gen", "testing":
			t.Errorf("cmd/faultline imports %s", d)
		}
	}
}

// TestHelperShrinkingProperty fails on purpose under the nemesis;
// TestShrinkFromGoTest runs it in a child process with -faultline.shrink.
func TestHelperShrinkingProperty(t *testing.T) {
	if os.Getenv("FAULTLINE_PROPTEST_HELPER") != "1" {
		t.Skip("run by TestShrinkFromGoTest")
	}
	Run(t, register.Scenario, map[string]string{"nemesis": "true"})
}

func TestShrinkFromGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child test processes")
	}
	dir := t.TempDir()
	child := func(extra ...string) string {
		args := append([]string{"-test.run=^TestHelperShrinkingProperty$", "-test.v", "-faultline.seed=0", "-faultline.trace=" + dir}, extra...)
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "FAULTLINE_PROPTEST_HELPER=1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("the failing helper passed:\n%s", out)
		}
		return string(out)
	}
	log := child("-faultline.shrink")
	m := regexp.MustCompile(`shrunk (\d+) faults to (\d+) `).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no shrink in the output:\n%s", log)
	}
	if n, _ := strconv.Atoi(m[2]); n < 1 || n > 3 {
		t.Errorf("shrunk to %s faults, want 1 to 3:\n%s", m[2], log)
	}
	path := filepath.Join(dir, "TestHelperShrinkingProperty-seed0.faults")
	for _, want := range []string{"minimal schedule, sorted by time:", "-faultline.faults='" + path + "'", "faultline run example-register --seed 0", "--faults '" + path + "'"} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
	// The go test replay of the minimal schedule fails the same way.
	again := child("-faultline.faults="+path, "-faultline.determinism=0")
	if !strings.Contains(again, "fail no_stale_reads") {
		t.Errorf("replay of the minimal schedule does not fail as the shrink's did:\n%s", again)
	}
}
