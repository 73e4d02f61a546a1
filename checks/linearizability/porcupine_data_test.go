package linearizability

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
)

// Porcupine ships the histories its own tests use (test_data/jepsen: etcd
// runs from Jepsen, via github.com/ahorn/linearizability-checker; test_data/kv:
// a key-value store with 1, 10 and 50 clients). Its tests state the verdict
// of each. These tests convert them to faultline's JSON Lines format, check
// them with the register and kv models, and compare verdicts and times.

var update = flag.Bool("update", false, "rewrite testdata/porcupine from porcupine's module")

// porcupineEtcdOK lists the etcd logs porcupine's tests expect to be
// linearizable (checkJepsen(t, n, true)); every other one is not. Log 95 is
// empty (the cluster failed to start) and porcupine does not test it.
var porcupineEtcdOK = map[int]bool{2: true, 5: true, 7: true, 18: true, 25: true, 31: true, 38: true, 45: true,
	48: true, 49: true, 51: true, 53: true, 56: true, 67: true, 75: true, 76: true, 80: true, 87: true, 92: true,
	98: true, 100: true, 101: true, 102: true}

// porcupineDir returns the directory of porcupine's module, or skips.
func porcupineDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("porcupine's module is not in the module cache (run go mod download github.com/anishathalye/porcupine): %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "test_data")); err != nil {
		t.Skipf("no test_data in %s: %v", dir, err)
	}
	return dir
}

var (
	jInvoke = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:invoke\s+:(read|write|cas)\s+(nil|\d+|\[(\d+) (\d+)\])$`)
	jReturn = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(ok|fail)\s+:(read|write|cas)\s+(nil|\d+|\[\d+ \d+\]|:timed-out)$`)
)

// etcdHistory converts a Jepsen etcd log as porcupine's parseJepsenLog
// reads it: times are line positions, a timed-out read is pending, and an
// invocation that never returned is pending.
func etcdHistory(t *testing.T, path string) []HistoryOp {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ops []HistoryOp
	open := map[int]int{} // process -> index in ops
	sc := bufio.NewScanner(f)
	pos := int64(0)
	for sc.Scan() {
		line := sc.Text()
		pos++
		if m := jInvoke.FindStringSubmatch(line); m != nil {
			proc, _ := strconv.Atoi(m[1])
			op := HistoryOp{Client: proc, Op: m[2], Call: pos, OK: true, Pending: true}
			switch m[2] {
			case "write":
				op.Value = m[3]
			case "cas":
				op.Expect, op.Value = m[4], m[5]
			}
			open[proc] = len(ops)
			ops = append(ops, op)
			continue
		}
		if m := jReturn.FindStringSubmatch(line); m != nil {
			proc, _ := strconv.Atoi(m[1])
			i, ok := open[proc]
			if !ok {
				continue
			}
			delete(open, proc)
			op := &ops[i]
			if m[4] == ":timed-out" {
				continue // stays pending
			}
			op.Pending, op.Return = false, pos
			switch op.Op {
			case "read":
				op.HasOutput = true
				if m[4] == "nil" {
					op.OutputNull = true
				} else {
					op.Output = m[4]
				}
			case "cas":
				op.OK = m[2] == "ok"
			}
		}
	}
	return ops
}

var (
	kvInvoke = regexp.MustCompile(`^\{:process (\d+), :type :invoke, :f :(get|put|append), :key "(.*)", :value (nil|"(.*)")\}$`)
	kvReturn = regexp.MustCompile(`^\{:process (\d+), :type :ok, :f :(get|put|append), :key ".*", :value "(.*)"\}$`)
)

// kvHistoryFile converts one of porcupine's kv logs as its parseKvLog does.
func kvHistoryFile(t *testing.T, path string) []HistoryOp {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ops []HistoryOp
	open := map[int]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	pos := int64(0)
	for sc.Scan() {
		line := sc.Text()
		pos++
		if m := kvInvoke.FindStringSubmatch(line); m != nil {
			proc, _ := strconv.Atoi(m[1])
			op := HistoryOp{Client: proc, Op: m[2], Key: m[3], Value: m[5], Call: pos, OK: true, Pending: true}
			if op.Op == "get" {
				op.Value = ""
			}
			open[proc] = len(ops)
			ops = append(ops, op)
			continue
		}
		if m := kvReturn.FindStringSubmatch(line); m != nil {
			proc, _ := strconv.Atoi(m[1])
			i, ok := open[proc]
			if !ok {
				continue
			}
			delete(open, proc)
			op := &ops[i]
			op.Pending, op.Return = false, pos
			if op.Op == "get" {
				op.HasOutput, op.Output = true, m[3]
			}
		}
	}
	return ops
}

func TestPorcupineEtcdVerdicts(t *testing.T) {
	dir := porcupineDir(t)
	for n := 0; n <= 102; n++ {
		if n == 95 {
			continue
		}
		name := fmt.Sprintf("etcd_%03d", n)
		t.Run(name, func(t *testing.T) {
			ops := etcdHistory(t, filepath.Join(dir, "test_data", "jepsen", name+".log"))
			start := time.Now()
			r, err := CheckHistory(ops, "register", Options{Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			want := checks.Fail
			if porcupineEtcdOK[n] {
				want = checks.OK
			}
			if r.Outcome != want {
				t.Fatalf("%s: %v, porcupine's tests say %v; detail: %s", name, r.Outcome, want, r.Detail)
			}
			// Porcupine decides each of these in milliseconds.
			if took > 10*time.Second {
				t.Errorf("%s took %v", name, took)
			}
		})
	}
}

func TestPorcupineKVVerdicts(t *testing.T) {
	dir := porcupineDir(t)
	for _, tc := range []struct {
		name string
		want checks.Outcome
	}{
		{"c01-ok", checks.OK}, {"c01-bad", checks.Fail},
		{"c10-ok", checks.OK}, {"c10-bad", checks.Fail},
		{"c50-ok", checks.OK}, {"c50-bad", checks.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := kvHistoryFile(t, filepath.Join(dir, "test_data", "kv", tc.name+".txt"))
			start := time.Now()
			r, err := CheckHistory(ops, "kv", Options{Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			t.Logf("%s: %d ops, %v in %v", tc.name, len(ops), r.Outcome, took)
			if r.Outcome != tc.want {
				t.Fatalf("%v, porcupine's tests say %v; detail: %s", r.Outcome, tc.want, r.Detail)
			}
			if took > 10*time.Second {
				t.Errorf("took %v: the verdict takes under a second, and the explanation at most its limit", took)
			}
		})
	}
}

// testdataFiles are the small histories copied, converted, into
// testdata/porcupine, so their verdicts are tested without the module cache.
var testdataFiles = []struct {
	src, dst, model string
	want            checks.Outcome
}{
	{"jepsen/etcd_000.log", "etcd_000.jsonl", "register", checks.Fail},
	{"jepsen/etcd_002.log", "etcd_002.jsonl", "register", checks.OK},
	{"kv/c01-ok.txt", "kv_c01_ok.jsonl", "kv", checks.OK},
	{"kv/c01-bad.txt", "kv_c01_bad.jsonl", "kv", checks.Fail},
}

// TestPorcupineTestdata checks the converted copies; with -update it
// rewrites them from porcupine's module first.
func TestPorcupineTestdata(t *testing.T) {
	if *update {
		dir := porcupineDir(t)
		for _, f := range testdataFiles {
			var ops []HistoryOp
			if f.model == "register" {
				ops = etcdHistory(t, filepath.Join(dir, "test_data", f.src))
			} else {
				ops = kvHistoryFile(t, filepath.Join(dir, "test_data", f.src))
			}
			if err := os.WriteFile(filepath.Join("testdata", "porcupine", f.dst), marshalHistory(ops), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range testdataFiles {
		r, err := CheckHistoryFile(filepath.Join("testdata", "porcupine", f.dst), f.model, Options{Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != f.want {
			t.Errorf("%s: %v, want %v; detail: %s", f.dst, r.Outcome, f.want, r.Detail)
		}
	}
}

// marshalHistory writes ops in the JSON Lines format ParseHistory reads.
func marshalHistory(ops []HistoryOp) []byte {
	var b strings.Builder
	for _, op := range ops {
		m := []string{fmt.Sprintf(`"client":%d`, op.Client), `"op":` + quote(op.Op)}
		if op.Key != "" {
			m = append(m, `"key":`+quote(op.Key))
		}
		if op.Value != "" {
			m = append(m, `"value":`+quote(op.Value))
		}
		if op.Op == "cas" {
			m = append(m, `"expect":`+quote(op.Expect))
		}
		if op.HasOutput {
			switch {
			case op.OutputNull:
				m = append(m, `"output":null`)
			default:
				m = append(m, `"output":`+quote(op.Output))
			}
		}
		if !op.OK {
			m = append(m, `"ok":false`)
		}
		m = append(m, fmt.Sprintf(`"call":%d`, op.Call))
		if !op.Pending {
			m = append(m, fmt.Sprintf(`"return":%d`, op.Return))
		}
		b.WriteString("{" + strings.Join(m, ",") + "}\n")
	}
	return []byte(b.String())
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
