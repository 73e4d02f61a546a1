package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The first SIGINT closes the stop channel (and does not kill the process).
func TestFirstInterruptStops(t *testing.T) {
	errOut := &syncBuffer{}
	stop, release := notifyInterrupt(errOut)
	defer release()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Skip("cannot signal self:", err)
	}
	select {
	case <-stop:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT did not stop")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(errOut.String(), "interrupted; reporting what finished") { // printed just after the close
		if time.Now().After(deadline) {
			t.Fatalf("stderr %q", errOut.String())
		}
		time.Sleep(time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A second SIGINT ends the process at once with status 130, whatever it
// was doing. The test runs itself as a child that waits after the first.
func TestSecondInterruptExits(t *testing.T) {
	if os.Getenv("FAULTLINE_TEST_SIGINT_CHILD") == "1" {
		stop, _ := notifyInterrupt(os.Stderr)
		fmt.Fprintln(os.Stderr, "ready")
		<-stop
		time.Sleep(30 * time.Second) // only the second SIGINT should end this
		os.Exit(3)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondInterruptExits$")
	cmd.Env = append(os.Environ(), "FAULTLINE_TEST_SIGINT_CHILD=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start a child process:", err)
	}
	var seen []string
	sent := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		// Once when ready, once after the first interrupt is reported.
		if (sent == 0 && line == "ready") || (sent == 1 && strings.Contains(line, "interrupted; reporting what finished")) {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			sent++
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("child ended with %v, want status %d; stderr %q", err, exitInterrupted, seen)
	}
	if !strings.Contains(strings.Join(seen, "\n"), "interrupted again; exiting now") {
		t.Fatalf("stderr %q does not report the second interrupt", seen)
	}
}
