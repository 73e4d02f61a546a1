package httpsim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/sim"
)

// A handler that changes its request's header (against net/http's rule,
// but it happens) changes its own copy: not the client's request, and
// not what a duplicate of the same message carries. On a link that
// duplicates every message each delivery sees the header as sent.
func TestHandlerHeaderIsItsOwn(t *testing.T) {
	for _, inline := range []bool{false, true} {
		w := sim.New(1, sim.Options{})
		nw, err := network.New(w, 2, network.Link{Latency: network.Const(time.Millisecond), Duplicate: 1})
		if err != nil {
			t.Fatal(err)
		}
		rt := nodes.NewRuntime(w, nw)
		hn := httpsim.New(rt, httpsim.Options{})
		defer hn.Close()
		var seen []string
		add(t, rt, hn.Server(func(*nodes.Env) http.Handler {
			var h http.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				seen = append(seen, fmt.Sprintf("%s/%s", r.Header.Get("X-Token"), r.Header.Get("X-Seen")))
				r.Header.Set("X-Seen", "yes")
				r.Header["X-Token"][0] = "changed" // in place, as a careless handler might
			})
			if inline {
				h = httpsim.Inline(h)
			}
			return h
		}))
		var after string
		add(t, rt, hn.Process(func(p *proc.P) {
			req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
			req.Header.Set("X-Token", "t1")
			if resp, err := hn.Client().Do(req); err == nil {
				resp.Body.Close()
			}
			after = fmt.Sprint(req.Header)
		}))
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(seen, ","); got != "t1/,t1/" {
			t.Errorf("inline=%v: the two deliveries saw %q, want t1/ both times", inline, got)
		}
		if after != "map[X-Token:[t1]]" {
			t.Errorf("inline=%v: the client's header after the call: %s", inline, after)
		}
	}
}
