package httpmw_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/httpmw"
)

// A hedge on the real clock: the first attempt hangs, the hedge sent after
// 20ms answers, and the hung attempt is cancelled when the request ends.
func TestRealHedge(t *testing.T) {
	var hits atomic.Int32
	hung := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			<-r.Context().Done() // released only by the Transport's cancel
			close(hung)
			return
		}
		_, _ = io.WriteString(w, "hedge")
	}))
	defer srv.Close()
	c, _ := client(t, "hedge.delay", "20ms", "timeout.per_attempt", "5s")
	start := time.Now()
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hedge" || hits.Load() != 2 {
		t.Fatalf("body %q after %d attempts, want the hedge's answer after 2", b, hits.Load())
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("the request waited for the hung attempt")
	}
	select {
	case <-hung:
	case <-time.After(5 * time.Second):
		t.Fatal("the losing attempt was never cancelled")
	}
}

// A queued bulkhead on the real clock: one slot, one queue place. The
// second request waits for the first and then succeeds; a third finds the
// queue full.
func TestRealBulkheadQueue(t *testing.T) {
	entered, release := make(chan struct{}, 2), make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		entered <- struct{}{}
		<-release
	}))
	defer srv.Close()
	c, tr := client(t, "bulkhead.max_concurrent", "1", "bulkhead.max_queue", "1", "bulkhead.max_wait", "5s")
	get := func(done chan<- error) {
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}
	first, second := make(chan error), make(chan error)
	go get(first)
	<-entered
	go get(second)
	// Wait until the second request sits in the queue.
	for deadline := time.Now().Add(5 * time.Second); queued(tr) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the second request never queued")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Get(srv.URL); !errors.Is(err, httpmw.ErrRejected) {
		t.Fatalf("third request: %v, want rejected (queue full)", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("server saw %d requests while one slot was taken", hits.Load())
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("queued request: %v", err)
	}
	if hits.Load() != 2 {
		t.Fatalf("server saw %d requests, want 2", hits.Load())
	}
}

// A caller that gives up while its request waits in the queue leaves the
// queue: the next request gets the slot.
func TestRealQueuedCallerGivesUp(t *testing.T) {
	entered, release := make(chan struct{}, 3), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	defer srv.Close()
	c, tr := client(t, "bulkhead.max_concurrent", "1", "bulkhead.max_queue", "1", "bulkhead.max_wait", "5s")
	first := make(chan error)
	go func() {
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued request whose caller gave up: %v", err)
	}
	if q := queued(tr); q != 0 {
		t.Fatalf("%d requests still queued", q)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

func queued(tr *httpmw.Transport) int {
	_, q := tr.Bulkhead()
	return q
}
