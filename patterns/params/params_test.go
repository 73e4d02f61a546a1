package params

import (
	"errors"
	"testing"
	"time"
)

func TestParsers(t *testing.T) {
	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{"duration ok", func() error { d, err := Duration("x", "100ms"); return check(d == 100*time.Millisecond, err) }, ""},
		{"duration bad", func() error { _, err := Duration("x", "10"); return err }, `x: bad duration "10" (accepted: a duration >= 0 such as 100ms, 2s)`},
		{"duration negative", func() error { _, err := Duration("x", "-1s"); return err }, `x: negative duration "-1s" (accepted: a duration >= 0 such as 100ms, 2s)`},
		{"count ok", func() error { n, err := Count("n", "5"); return check(n == 5, err) }, ""},
		{"count negative", func() error { _, err := Count("n", "-1"); return err }, `n: bad value "-1" (accepted: an integer in [0, 2147483647])`},
		{"prob ok", func() error { p, err := Probability("p", "0.5"); return check(p == 0.5, err) }, ""},
		{"prob high", func() error { _, err := Probability("p", "1.5"); return err }, `p: bad value "1.5" (accepted: a number in [0, 1])`},
		{"prob nan", func() error { _, err := Probability("p", "NaN"); return err }, `p: bad value "NaN" (accepted: a number in [0, 1])`},
		{"bool bad", func() error { _, err := Bool("b", "yes"); return err }, `b: bad value "yes" (accepted: true, false)`},
		{"enum bad", func() error { _, err := Enum("e", "c", []string{"a", "b"}); return err }, `e: unknown value "c" (accepted: a, b)`},
		{"list ok", func() error { l, err := List("l", "a, b", []string{"a", "b"}); return check(len(l) == 2, err) }, ""},
		{"list bad", func() error { _, err := List("l", "a,z", []string{"a", "b"}); return err }, `l: unknown value "z" (accepted: a, b)`},
		{"unknown key", func() error { return UnknownKey("k", []Param{{Name: "a"}, {Name: "b"}}) }, `k: unknown parameter (accepted: a, b)`},
		{"prefix", func() error { return WithPrefix("retry.", Errorf("backoff", "bad")) }, `retry.backoff: bad`},
		{"prefix plain", func() error { return WithPrefix("retry.", errors.New("boom")) }, `retry: boom`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func check(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("wrong value")
	}
	return nil
}

func TestPrefixed(t *testing.T) {
	ps := Prefixed("b.", []Param{{Name: "x", Default: "1"}})
	if ps[0].Name != "b.x" || ps[0].Default != "1" {
		t.Fatalf("got %+v", ps)
	}
}
