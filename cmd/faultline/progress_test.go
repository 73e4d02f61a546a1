package main

import (
	"bytes"
	"os"
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
