package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckHistoryCommand(t *testing.T) {
	data := filepath.Join("..", "..", "..", "checks", "linearizability", "testdata", "porcupine")
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"call\":1,\"return\":2}\n{\"client\":1,"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"linearizable", []string{"check", filepath.Join(data, "kv_c01_ok.jsonl"), "--model", "kv"}, 0, ": ok: linearizable"},
		{"not linearizable", []string{"check", filepath.Join(data, "kv_c01_bad.jsonl"), "--model", "kv"}, 1, ": fail: not linearizable"},
		{"json", []string{"check", filepath.Join(data, "kv_c01_ok.jsonl"), "--model", "kv", "--format", "json"}, 0, `"outcome":"ok"`},
		{"register", []string{"check", filepath.Join(data, "etcd_000.jsonl"), "--model", "register"}, 1, "model register: 85 ops checked"},
		{"no model", []string{"check", filepath.Join(data, "kv_c01_ok.jsonl")}, 2, "--model is required (accepted: register, kv, set, queue, mutex)"},
		{"unknown model", []string{"check", filepath.Join(data, "kv_c01_ok.jsonl"), "--model", "regster"}, 2, `unknown model "regster"`},
		{"wrong op for model", []string{"check", filepath.Join(data, "etcd_000.jsonl"), "--model", "kv"}, 2, "line 1: model kv has no op"},
		{"truncated", []string{"check", bad, "--model", "kv"}, 2, "line 2"},
		{"missing file", []string{"check", "nope.jsonl", "--model", "kv"}, 2, "nope.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, want %d; output %q %q, want %q", code, tt.code, out, errOut, tt.want)
			}
			if tt.code == 2 && strings.Count(errOut, "\n") != 1 {
				t.Fatalf("bad input gave %q, want one line", errOut)
			}
		})
	}
}
