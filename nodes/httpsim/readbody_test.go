package httpsim

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readBody reads the whole body whatever length the request declares.
func TestReadBody(t *testing.T) {
	long := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		name string
		body string
		n    int64
	}{
		{"exact", "hello", 5},
		{"undeclared", "hello", 0},
		{"unknown", "hello", -1},
		{"shorter than declared", "hel", 5},
		{"longer than declared", long, 5},
		{"empty, declared", "", 5},
		{"large", long, 3000},
	} {
		for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.DataErrReader} {
			got, err := readBody(wrap(strings.NewReader(tc.body)), tc.n)
			if err != nil || string(got) != tc.body {
				t.Errorf("%s: %d bytes, %v; want %d bytes", tc.name, len(got), err, len(tc.body))
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readBody(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)), 5); !errors.Is(err, boom) {
		t.Errorf("a failing body: %v, want boom", err)
	}
	if _, err := readBody(io.MultiReader(strings.NewReader("abcdefg"), iotest.ErrReader(boom)), 5); !errors.Is(err, boom) {
		t.Errorf("a body failing past its declared length: %v, want boom", err)
	}
}
