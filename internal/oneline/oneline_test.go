package oneline

import (
	"errors"
	"os"
	"testing"
)

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc …"},
		{"ééé", 3, "é …"}, // never cuts a rune in two
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := Clip(tt.s, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	if got := Join(" a\nb\n"); got != "a; b" {
		t.Fatalf("Join = %q", got)
	}
}

func TestCause(t *testing.T) {
	_, err := os.Open("/no/such/file")
	if got := Cause(err); !errors.Is(got, os.ErrNotExist) || got.Error() != "no such file or directory" {
		t.Fatalf("Cause = %v", got)
	}
	plain := errors.New("plain")
	if Cause(plain) != plain {
		t.Fatal("Cause changed an error that is not a file error")
	}
}
