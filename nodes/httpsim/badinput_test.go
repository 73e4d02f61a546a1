package httpsim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
)

// rawReplier answers every proc.Request with a string: not a response.
type rawReplier struct{}

func (rawReplier) Start(*nodes.Env) {}
func (rawReplier) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if r, ok := msg.(*proc.Request); ok {
		proc.Reply(env, from, r, "not a response")
	}
}
func (rawReplier) Timer(*nodes.Env, nodes.TimerID, any) {}

func TestBadInput(t *testing.T) {
	w, rt, hn := world(t, 1, 3, 0)
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler { // n1
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	}))
	add(t, rt, func(nodes.NodeID) nodes.Node { return rawReplier{} }) // n2
	got := map[string]string{}
	add(t, rt, hn.Process(func(p *proc.P) { // n3
		c := hn.Client()
		try := func(name string, ctx context.Context, url string) {
			req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
			if err == nil {
				var resp *http.Response
				if resp, err = c.Do(req); err == nil {
					resp.Body.Close()
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			got[name] = err.Error()
		}
		ctx := httpsim.Context(p)
		try("unknown host", ctx, "http://nowhere/x")
		try("no such node", ctx, "http://n9/x")
		try("no process", context.Background(), "http://n1/x")
		real, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		try("real deadline", real, "http://n1/x")
		simOverReal, cancel3 := httpsim.WithTimeout(real, time.Second)
		try("sim over real deadline", simOverReal, "http://n1/x")
		cancel3()
		try("malformed response", ctx, "http://n2/x")
		expired, cancel2 := httpsim.WithTimeout(ctx, 0)
		try("expired", expired, "http://n1/x")
		cancel2()
		for name, body := range map[string]any{"wrong body": "junk", "bad method": &httpsim.Request{Method: "G T", Target: "/x"}, "bad target": &httpsim.Request{Method: "GET", Target: "x"}} {
			resp, err := p.Call(0, body, time.Second)
			if err != nil {
				got[name] = err.Error()
				continue
			}
			r := resp.(*httpsim.Response)
			got[name] = fmt.Sprintf("%d %s", r.StatusCode, strings.TrimSpace(string(r.Body)))
		}
	}))
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"unknown host":           `httpsim: unknown host "nowhere" in GET http://nowhere/x: use a node name`,
		"no such node":           `httpsim: unknown host "n9" in GET http://n9/x`,
		"no process":             "the context carries no simulated process",
		"real deadline":          "real-clock deadline",
		"sim over real deadline": "real-clock deadline",
		"malformed response":     "httpsim: malformed response to GET http://n2/x from n2: got string",
		"expired":                "context deadline exceeded",
		"wrong body":             "400 httpsim: malformed request: body is string, want *httpsim.Request",
		"bad method":             `400 httpsim: malformed request: method "G T" is not an HTTP token`,
		"bad target":             `400 httpsim: malformed request: target "x" must start with /`,
	} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: got %q, want it to contain %q", name, got[name], want)
		}
	}
}

func TestExpiredIsDeadlineExceeded(t *testing.T) {
	w, rt, hn := world(t, 1, 2, 0)
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = (httpsim.Clock{}).Sleep(r.Context(), time.Second)
		})
	}))
	var err error
	var ctxErr error
	var at time.Duration
	add(t, rt, hn.Process(func(p *proc.P) {
		ctx, cancel := httpsim.WithTimeout(httpsim.Context(p), 30*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1/slow", nil)
		_, err = hn.Client().Do(req)
		ctxErr, at = ctx.Err(), time.Duration(p.Now())
	}))
	if e := w.Run(); e != nil {
		t.Fatal(e)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(ctxErr, context.DeadlineExceeded) || at != 30*time.Millisecond {
		t.Fatalf("err %v, ctx.Err %v at %v; want deadline exceeded at 30ms", err, ctxErr, at)
	}
}

// A handler that waits on a real channel stops the world; the watchdog
// names the node and the request. It runs in a child process because
// the report ends the program.
func TestStallReported(t *testing.T) {
	if os.Getenv("HTTPSIM_STALL_CHILD") == "1" {
		stallChild(t)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestStallReported$")
	cmd.Env = append(os.Environ(), "HTTPSIM_STALL_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("child: %v, want exit status 2\n%s", err, out)
	}
	want := "httpsim: stall: n1 handling GET /block from n2 has run for 200ms of wall-clock time"
	if !strings.Contains(string(out), want) {
		t.Fatalf("child output:\n%s\nwant %q", out, want)
	}
}

func stallChild(t *testing.T) {
	w, rt, _ := world(t, 1, 2, 0)
	hn := httpsim.New(rt, httpsim.Options{StallTimeout: 200 * time.Millisecond})
	block := make(chan struct{})
	add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block })
	}))
	add(t, rt, hn.Process(func(p *proc.P) {
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/block", nil)
		_, _ = hn.Client().Do(req)
	}))
	_ = w.Run()
	t.Fatal("the world ran to its end")
}
