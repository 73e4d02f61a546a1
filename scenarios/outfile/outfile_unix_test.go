//go:build unix

package outfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A target that is not a regular file (here a named pipe; /dev/stdout
// and /dev/null alike) is written through, never replaced by a file.
func TestNonRegularTargetIsWrittenThrough(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := Write(p, []byte("through")); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through" {
		t.Fatalf("reader got %q", b)
	}
	if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", st.Mode(), err)
	}
	if !InPlace(p) || InPlace(t.TempDir()) || InPlace(filepath.Join(t.TempDir(), "none")) {
		t.Fatal("InPlace")
	}
}
