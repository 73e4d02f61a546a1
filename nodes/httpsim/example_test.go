package httpsim_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/sim"
)

// An ordinary http.Handler as node n1, and a plain *http.Client in a
// process on n2, over a network that loses a third of the messages. The
// client's Transport is the production middleware on the simulated
// clock: a 20ms timeout per attempt and up to 4 attempts, with the
// default backoff between them.
func Example() {
	w := sim.New(2, sim.Options{})
	net, _ := network.New(w, 2, network.Link{Latency: network.Const(2 * time.Millisecond), Loss: 0.3})
	rt := nodes.NewRuntime(w, net)
	hn := httpsim.New(rt, httpsim.Options{})
	defer hn.Close()
	hn.Host("greeter", 0)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.PathValue("name"))
	})
	_, _ = rt.Add(hn.Server(func(*nodes.Env) http.Handler { return mux }))

	_, _ = rt.Add(hn.Process(func(p *proc.P) {
		var cfg pipeline.Config
		_ = cfg.Set("timeout.per_attempt", "20ms")
		_ = cfg.Set("retry.max_attempts", "4")
		tr, _ := httpmw.NewTransport(hn.Transport(), httpsim.Clock{}, cfg, p.Rand())
		client := &http.Client{Transport: tr}
		for _, name := range []string{"ada", "grace", "barbara"} {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://greeter/hello/"+name, nil)
			resp, err := client.Do(req)
			if err != nil {
				fmt.Println(p.Now(), err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Printf("%v: %s %q (%s)\n", p.Now(), resp.Status, body, resp.Header.Get("Content-Type"))
		}
	}))
	_ = w.Run()
	// Output:
	// 124ms: 200 OK "hello, ada" (text/plain; charset=utf-8)
	// 128ms: 200 OK "hello, grace" (text/plain; charset=utf-8)
	// 472ms: 200 OK "hello, barbara" (text/plain; charset=utf-8)
}

// A handler that never waits in simulated time (here a health check) can
// be served Inline: without a process, at a lower cost, with the same
// run. Asking it to wait gives ErrInline instead of blocking.
func ExampleInline() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	hn := httpsim.New(rt, httpsim.Options{})
	defer hn.Close()

	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			err := httpsim.Clock{}.Sleep(r.Context(), time.Second)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "ok at %v", httpsim.Clock{}.Now(r.Context()).Sub(httpsim.Epoch))
	})
	_, _ = rt.Add(hn.Server(func(*nodes.Env) http.Handler { return httpsim.Inline(health) }))

	_, _ = rt.Add(hn.Process(func(p *proc.P) {
		for _, path := range []string{"/health", "/wait"} {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1"+path, nil)
			resp, err := hn.Client().Do(req)
			if err != nil {
				fmt.Println(err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Printf("%v: %s %s\n", p.Now(), resp.Status, strings.TrimSpace(string(body)))
		}
	}))
	_ = w.Run()
	// Output:
	// 2ms: 200 OK ok at 1ms
	// 4ms: 500 Internal Server Error httpsim: a handler marked httpsim.Inline tried to wait in simulated time (a client call or Clock.Sleep); it runs without a process, so serve it without Inline
}

// Hedging in a world: the server's first answer takes 300ms, so the
// client's Transport, on the Net's Scheduler clock, sends a second
// attempt after 10ms and takes its answer.
func ExampleNet_Clock() {
	w := sim.New(1, sim.Options{})
	net, _ := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond)})
	rt := nodes.NewRuntime(w, net)
	hn := httpsim.New(rt, httpsim.Options{})
	defer hn.Close()

	served := 0
	_, _ = rt.Add(hn.Server(func(*nodes.Env) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served++
			if served == 1 {
				_ = httpsim.Clock{}.Sleep(r.Context(), 300*time.Millisecond)
			}
			fmt.Fprintf(w, "answer %d", served)
		})
	}))
	_, _ = rt.Add(hn.Process(func(p *proc.P) {
		var cfg pipeline.Config
		_ = cfg.Set("retry.max_attempts", "2")
		_ = cfg.Set("hedge.delay", "10ms")
		tr, _ := httpmw.NewTransport(hn.Transport(), hn.Clock(), cfg, p.Rand())
		req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%v: %s %s\n", p.Now(), resp.Status, body)
	}))
	_ = w.Run()
	// Output:
	// 12ms: 200 OK answer 2
}
