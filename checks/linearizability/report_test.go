package linearizability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.jsonl", `{"op":"write","value":"1","call":0,"return":1}`+"\n"+`{"op":"read","output":"1","call":2,"return":3}`+"\n")
	bad := write("bad.jsonl", `{"op":"write","value":"1","call":0,"return":1}`+"\n"+`{"op":"read","output":"2","call":2,"return":3}`+"\n")
	truncated := write("trunc.jsonl", `{"op":"write","value":"1","call":0,"return":1}`+"\n"+`{"op":"read","outp`)
	tests := []struct {
		name     string
		o        FileOptions
		wantErr  string
		wantExit int
		wantFlag string
	}{
		{"ok", FileOptions{Path: good, Model: "register"}, "", 0, ""},
		{"fail", FileOptions{Path: bad, Model: "register"}, "", 1, ""},
		{"unknown model", FileOptions{Path: good, Model: "regster"}, `--model: unknown model "regster" (accepted: register, kv, set, queue, mutex)`, 0, "model"},
		{"truncated", FileOptions{Path: truncated, Model: "register"}, "trunc.jsonl: line 2: truncated", 0, ""},
		{"missing file", FileOptions{Path: filepath.Join(dir, "none"), Model: "kv"}, "open ", 0, ""},
		{"op of another model", FileOptions{Path: good, Model: "queue"}, `good.jsonl: line 1: model queue has no op "write"`, 0, ""},
		{"negative timeout", FileOptions{Path: good, Model: "kv", Check: Options{Timeout: -time.Second}}, "--timeout: -1s is negative", 0, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := CheckFile(tt.o)
			if tt.wantErr != "" {
				ie, ok := err.(*InputError)
				if !ok || !strings.Contains(err.Error(), tt.wantErr) || ie.Flag != tt.wantFlag || !IsInputError(err) {
					t.Fatalf("error %v, want an InputError on %q with %q", err, tt.wantFlag, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.ExitCode() != tt.wantExit {
				t.Fatalf("exit %d, want %d: %s", rep.ExitCode(), tt.wantExit, rep.Text())
			}
			b := rep.JSON()
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil || back["outcome"] != rep.Outcome.String() || back["Elapsed"] != nil || strings.Contains(string(b), `\u003e`) {
				t.Errorf("json %s", b)
			}
		})
	}
}

func ExampleCheckFile() {
	rep, err := CheckFile(FileOptions{Path: "testdata/porcupine/etcd_000.jsonl", Model: "register"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Outcome, rep.ExitCode())
	fmt.Println(strings.SplitN(rep.Detail, ";", 2)[0])
	// Output:
	// fail 1
	// not linearizable: only 43 of 85 ops linearize (40 earlier, cas("4", "3") -> false [line 42, client 0, 82..83], write("4") -> pending [line 41, client 14, 81..end], write("0") [line 43, client 2, 84..87])
}
