package scenarios

import (
	"strings"
	"testing"
)

var testParams = []Param{
	{Name: "n", Default: "3", Kind: Int, Min: 1, Max: 10},
	{Name: "rate", Default: "1.5", Kind: Float},
	{Name: "timeout", Default: "1s", Kind: Duration},
	{Name: "loss", Default: "0", Kind: Prob},
	{Name: "on", Default: "false", Kind: Bool},
	{Name: "mode", Default: "a", Kind: String, Choices: []string{"a", "b"}},
}

func TestResolve(t *testing.T) {
	tests := []struct {
		set     map[string]string
		wantErr string
	}{
		{nil, ""},
		{map[string]string{"n": "10", "rate": "-2.5", "timeout": "0s", "loss": "1", "on": "true", "mode": "b"}, ""},
		{map[string]string{"n": "11"}, `parameter n: bad value "11" (accepted: an integer in [1, 10])`},
		{map[string]string{"n": "x"}, `parameter n: bad value "x"`},
		{map[string]string{"rate": "NaN"}, `parameter rate: bad value "NaN" (accepted: a number)`},
		{map[string]string{"timeout": "-1s"}, `parameter timeout: bad value "-1s" (accepted: a duration in [0s, 24h]`},
		{map[string]string{"timeout": "10"}, `parameter timeout: bad value "10"`},
		{map[string]string{"loss": "1.01"}, `(accepted: a probability in [0, 1])`},
		{map[string]string{"timeout": "25h"}, `parameter timeout: bad value "25h" (accepted: a duration in [0s, 24h]`},
		{map[string]string{"on": "yes"}, `(accepted: true or false)`},
		{map[string]string{"mode": "c"}, `(accepted: one of a, b)`},
		{map[string]string{"nn": "1"}, `unknown parameter "nn" (accepted: loss, mode, n, on, rate, timeout)`},
	}
	for _, tt := range tests {
		v, err := Resolve(testParams, tt.set)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%v: %v", tt.set, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: got %v, want %q", tt.set, err, tt.wantErr)
		}
		_ = v
	}
	v, _ := Resolve(testParams, map[string]string{"n": "7", "on": "true"})
	if v.Int("n") != 7 || !v.Bool("on") || v.Duration("timeout").Seconds() != 1 || v.Float("rate") != 1.5 {
		t.Fatalf("accessors: %v", v.Map())
	}
}

func TestParseSet(t *testing.T) {
	for _, tt := range []struct{ in, k, v string }{
		{"a=b", "a", "b"}, {"a=b=c", "a", "b=c"}, {" a = b ", "a", "b"}, {"a=", "a", ""},
	} {
		k, v, err := ParseSet(tt.in)
		if err != nil || k != tt.k || v != tt.v {
			t.Errorf("%q: %q %q %v", tt.in, k, v, err)
		}
	}
	for _, bad := range []string{"", "a", "=b", " =b"} {
		if _, _, err := ParseSet(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzSet feeds arbitrary --set arguments through parsing and validation:
// they must never panic, and an accepted value must read back.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"n=3", "loss=0.5", "timeout=1s", "mode=b", "on=1", "x", "=", "n=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, v, err := ParseSet(s)
		if err != nil {
			return
		}
		vals, err := Resolve(testParams, map[string]string{k: v})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if vals.String(k) != v {
			t.Fatalf("%s read back as %q, want %q", k, vals.String(k), v)
		}
	})
}
