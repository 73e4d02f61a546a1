//go:build !race

package docs_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The sharded sweeps in docs/k8s and docs/ci run here as their YAML says,
// on a small seed range: every shard's command line, then the merge, and
// the merged result must equal one unsharded sweep. The command lines are
// read from the YAML files, so a change there is tested as written.

// testSeeds replaces the documents' seed ranges: large enough for every
// shard to get seeds, small enough for make test.
const testSeeds = "0-23"

// TestDocsSharded runs both documents' sharded sweeps with one build of
// the CLI.
func TestDocsSharded(t *testing.T) {
	root, bin := buildForShards(t)
	t.Run("k8s", func(t *testing.T) { kubernetesJob(t, root, bin) })
	t.Run("ci", func(t *testing.T) { ciMatrix(t, root, bin) })
}

// kubernetesJob runs docs/k8s/sweep-job.yaml's Indexed Job locally: each
// pod's shell command with JOB_COMPLETION_INDEX=0..N-1 and the results
// volume in a temporary directory, then the merge from its header, once
// more for a retried pod (--resume), and compares with an unsharded sweep.
func kubernetesJob(t *testing.T, root, bin string) {
	doc := readDoc(t, root, "docs/k8s/sweep-job.yaml")

	completions := atoi(t, mustFind(t, doc, `(?m)^\s*completions:\s*(\d+)\s*$`))
	if !regexp.MustCompile(`command:\s*\["/bin/sh",\s*"-c"\]`).MatchString(doc) {
		t.Fatal("the Job's container no longer runs /bin/sh -c: update this test")
	}
	script := foldedArg(t, doc)
	mergeLine := strings.TrimSpace(mustFind(t, doc, `(?m)^#\s+(faultline merge [^#\n]+)`))
	mount := mustFind(t, doc, `(?m)^\s*mountPath:\s*(\S+)\s*$`)
	docSeeds := mustFind(t, script, `--seeds (\S+)`)
	if !strings.Contains(mergeLine, "--seeds "+docSeeds) {
		t.Fatalf("the merge line %q does not merge the shards' range %s", mergeLine, docSeeds)
	}

	results := t.TempDir()
	local := func(s string) string {
		s = strings.ReplaceAll(s, docSeeds, testSeeds)
		return strings.ReplaceAll(s, mount, results)
	}
	for i := range completions {
		env := []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i)}
		if out, code := shell(t, bin, results, local(script), env); code != 0 {
			t.Fatalf("pod %d: exit %d\n%s", i, code, out)
		}
	}
	// A pod that is retried after its shard ended continues it: no
	// seed runs twice.
	if out, code := shell(t, bin, results, local(script), []string{"JOB_COMPLETION_INDEX=0"}); code != 0 {
		t.Fatalf("retried pod 0: exit %d\n%s", code, out)
	}
	merged, code := shell(t, bin, results, local(mergeLine), nil)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", mergeLine, code, merged)
	}

	// The same sweep in one process: the shard's command without the
	// shard, its file and the exit-status guard.
	sweep := strings.TrimSpace(strings.SplitN(script, ";", 2)[0])
	sweep = regexp.MustCompile(`--shard \S+|--out \S+|--resume`).ReplaceAllString(sweep, "")
	whole, code := shell(t, bin, results, local(sweep), nil)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", sweep, code, whole)
	}
	if merged != whole {
		t.Fatalf("merged shards print\n%s\nan unsharded sweep prints\n%s", merged, whole)
	}
	compareStreams(t, bin, results, local(mergeLine), local(sweep))
}

// ciMatrix runs docs/ci/sweep-matrix.yml the same way: the shard step for
// each matrix value, with the workflow's env, then the merge step, and
// compares with an unsharded sweep.
func ciMatrix(t *testing.T, root, bin string) {
	doc := readDoc(t, root, "docs/ci/sweep-matrix.yml")

	env := []string{
		"SCENARIO=" + mustFind(t, doc, `(?m)^\s+SCENARIO:\s*(\S+)\s*$`),
		"SEEDS=" + testSeeds,
		"SET=" + mustFind(t, doc, `(?m)^\s+SET:\s*(.+?)\s*$`),
	}
	shards := strings.Split(mustFind(t, doc, `(?m)^\s+shard:\s*\[([\d, ]+)\]`), ",")
	shardRun := mustFind(t, doc, `(?m)^\s+- run: (\./bin/faultline sweep .*)$`)
	mergeRun := mustFind(t, doc, `(?m)^\s+- run: (\./bin/faultline merge .*)$`)

	dir := t.TempDir()
	local := func(s string) string { return strings.ReplaceAll(s, "./bin/faultline", "faultline") }
	for _, s := range shards {
		line := strings.ReplaceAll(shardRun, "${{ matrix.shard }}", strings.TrimSpace(s))
		if out, code := shell(t, bin, dir, local(line), env); code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", s, code, out)
		}
	}
	merged, code := shell(t, bin, dir, local(mergeRun), env)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", mergeRun, code, merged)
	}
	sweep := `faultline sweep "$SCENARIO" --seeds "$SEEDS" $SET --out whole.jsonl`
	whole, code := shell(t, bin, dir, sweep, env)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", sweep, code, whole)
	}
	if merged != whole {
		t.Fatalf("merged shards print\n%s\nan unsharded sweep prints\n%s", merged, whole)
	}
	a, errA := os.ReadFile(filepath.Join(dir, "sweep.jsonl"))
	b, errB := os.ReadFile(filepath.Join(dir, "whole.jsonl"))
	if errA != nil || errB != nil {
		t.Fatalf("reading the streams: %v, %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("the merged stream (%d bytes) differs from the unsharded one (%d bytes)", len(a), len(b))
	}
}

// compareStreams writes the merge's and the sweep's JSON Lines streams and
// wants them byte for byte equal.
func compareStreams(t *testing.T, bin, dir, mergeLine, sweep string) {
	t.Helper()
	if _, code := shell(t, bin, dir, mergeLine+" --out merged.jsonl", nil); code != 0 {
		t.Fatalf("merge --out: exit %d", code)
	}
	if _, code := shell(t, bin, dir, sweep+" --out whole.jsonl", nil); code != 0 {
		t.Fatalf("sweep --out: exit %d", code)
	}
	a, errA := os.ReadFile(filepath.Join(dir, "merged.jsonl"))
	b, errB := os.ReadFile(filepath.Join(dir, "whole.jsonl"))
	if errA != nil || errB != nil {
		t.Fatalf("reading the streams: %v, %v", errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("the merged stream (%d bytes) differs from the unsharded one (%d bytes)", len(a), len(b))
	}
	if n := bytes.Count(b, []byte("\n")); n < 24 {
		t.Fatalf("the stream holds %d lines, want a line per seed of %s", n, testSeeds)
	}
}

// buildForShards builds the CLI once for these tests and returns the
// module root and the directory that holds the binary.
func buildForShards(t *testing.T) (root, binDir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the CLI and runs sweeps; skipped under -short")
	}
	root = moduleRoot(t)
	binDir = t.TempDir()
	build := exec.Command("go", "build", "-pgo=off", "-o", filepath.Join(binDir, "faultline"), "./cmd/faultline")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/faultline: %v\n%s", err, out)
	}
	return root, binDir
}

func readDoc(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mustFind returns the first group of pattern's first match in s.
func mustFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s: the document changed; update this test", pattern)
	}
	return m[1]
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("count %q: want a positive number", s)
	}
	return n
}

// foldedArg returns the container's one argument, a YAML folded block
// (">-"): its lines joined by spaces.
func foldedArg(t *testing.T, doc string) string {
	t.Helper()
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "- >-" {
			continue
		}
		var parts []string
		indent := -1
		for _, c := range lines[i+1:] {
			n := len(c) - len(strings.TrimLeft(c, " "))
			if strings.TrimSpace(c) == "" || (indent >= 0 && n < indent) || (indent < 0 && n <= len(l)-len(strings.TrimLeft(l, " "))) {
				break
			}
			if indent < 0 {
				indent = n
			}
			parts = append(parts, strings.TrimSpace(c))
		}
		return strings.Join(parts, " ")
	}
	t.Fatal("no folded (>-) argument in the Job: the document changed; update this test")
	return ""
}

// shell runs script with sh -c in dir, the built CLI first on PATH and
// env added, and returns its output (stdout and stderr) and exit status.
func shell(t *testing.T, binDir, dir, script string, env []string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH")), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if x, ok := err.(*exec.ExitError); ok {
			return string(out), x.ExitCode()
		}
		t.Fatalf("%s: %v", script, err)
	}
	return string(out), 0
}
