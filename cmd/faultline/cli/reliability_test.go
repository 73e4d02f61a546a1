package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/results"
)

// Ctrl-C while --resume reads a large stream must end the sweep with its
// summary, so the handler is listening before the stream is read.
func TestResumeListensForInterruptBeforeReading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, e := cli("sweep", "pingpong", "--seeds", "0-4", "--out", p, "-q"); code != 0 {
		t.Fatal(e)
	}
	oldNotify, oldRead := notifyInterrupt, readResults
	defer func() { notifyInterrupt, readResults = oldNotify, oldRead }()
	var stop chan struct{}
	notifyInterrupt = func(io.Writer) (<-chan struct{}, func()) {
		stop = make(chan struct{})
		return stop, func() {}
	}
	readResults = func(r io.Reader) ([]*scenarios.Result, int64, error) {
		if stop == nil {
			t.Fatal("the stream is read before Ctrl-C is handled")
		}
		close(stop) // Ctrl-C while reading
		return scenarios.ReadResults(r)
	}
	code, out, e := cli("sweep", "pingpong", "--seeds", "0-100000", "--out", p, "--resume", "-q")
	if code != exitInterrupted || !strings.Contains(out, "INTERRUPTED") || !strings.Contains(out, "5 resumed") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, e)
	}
}

func TestResumeRejectsDuplicateLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, e := cli("sweep", "pingpong", "--seeds", "0-4", "--out", p, "-q"); code != 0 {
		t.Fatal(e)
	}
	b, _ := os.ReadFile(p)
	first := b[:strings.IndexByte(string(b), '\n')+1]
	os.WriteFile(p, append(b, first...), 0o644)
	code, _, e := cli("sweep", "pingpong", "--seeds", "0-9", "--out", p, "--resume", "-q")
	if code != 2 || !strings.Contains(e, "line 6: seed 0 is already on line 1") {
		t.Fatalf("exit %d: %s", code, e)
	}
}

// A full disk ends the sweep with exit 1, after the summary of what ran.
func TestSweepOutOnFullDiskPrintsSummary(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	code, out, e := cli("sweep", "pingpong", "--seeds", "0-9", "--out", "/dev/full", "-q")
	if code != 1 || !strings.HasPrefix(out, "sweep pingpong seeds 0-9: 1 runs") || !strings.Contains(e, "no space left on device") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, e)
	}
}

// fullFile fails every write, as a file on a full disk does.
type fullFile struct{ closed bool }

func (f *fullFile) Write([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }
func (f *fullFile) Sync() error               { return nil }
func (f *fullFile) Close() error              { f.closed = true; return nil }

func TestStreamWriteErrorIsReturned(t *testing.T) {
	f := &fullFile{}
	s := results.NewStream(f)
	if err := s.Write(&scenarios.Result{Scenario: "x"}); err == nil {
		t.Fatal("a failed write was not reported")
	}
	if err := s.Close(); err != nil || !f.closed {
		t.Fatalf("close: %v", err)
	}
}

// A fault file is read with a bound: /dev/zero never ends.
func TestFaultsFileIsReadWithABound(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.faults")
	os.WriteFile(p, []byte(strings.Repeat("# comment\n", 11)), 0o644)
	if _, err := readBounded(p, 100); err == nil || !strings.Contains(err.Error(), "longer than 100B") {
		t.Fatalf("err %v", err)
	}
	if b, err := readBounded(p, 110); err != nil || len(b) != 110 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	code, _, e := cli("run", "pingpong", "--faults", "/dev/zero")
	if code != 2 || !strings.Contains(e, "--faults /dev/zero: longer than 16MiB") {
		t.Fatalf("exit %d: %s", code, e)
	}
}

func TestFaultEndOverflowIsBadInput(t *testing.T) {
	p := filepath.Join(t.TempDir(), "of.faults")
	os.WriteFile(p, []byte("at 5ms crash n1 for 9223372036849775808ns\n"), 0o644)
	code, _, e := cli("run", "pingpong", "--faults", p)
	if code != 2 || !strings.Contains(e, "past the largest time") {
		t.Fatalf("exit %d: %s", code, e)
	}
}
