package httpsim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/scenarios"
)

// wallClock is a scenario whose handler may read the real clock: the
// thing that cannot work in a world. The determinism self-check must
// notice it.
var wallClock = &scenarios.Scenario{
	Name:    "httpsim-wall-clock",
	Summary: "a handler that reads time.Now (plant=true)",
	Params:  []scenarios.Param{{Name: "plant", Default: "false", Kind: scenarios.Bool, Help: "read time.Now in the handler"}},
	Run: func(r *scenarios.Run) error {
		cl, err := r.NewCluster(2, network.Link{Latency: network.Const(time.Millisecond)})
		if err != nil {
			return err
		}
		hn := httpsim.New(cl.RT, httpsim.Options{})
		defer hn.Close()
		plant := r.Params.Bool("plant")
		if _, err := cl.RT.Add(hn.Server(func(*nodes.Env) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				d := time.Millisecond
				if plant {
					d += time.Duration(time.Now().UnixNano()%1000) * time.Microsecond
				}
				_ = (httpsim.Clock{}).Sleep(req.Context(), d)
				fmt.Fprint(w, "ok")
			})
		})); err != nil {
			return err
		}
		if _, err := cl.RT.Add(hn.Process(func(p *proc.P) {
			for range 20 {
				req, _ := http.NewRequestWithContext(httpsim.Context(p), "GET", "http://n1/", nil)
				if resp, err := hn.Client().Do(req); err == nil {
					resp.Body.Close()
				}
			}
		})); err != nil {
			return err
		}
		if err := r.World.Run(); err != nil {
			return err
		}
		r.Check(checks.Pass("ran"))
		return nil
	},
}

func TestCheckDeterminismCatchesTimeNow(t *testing.T) {
	for _, plant := range []string{"false", "true"} {
		v, err := wallClock.Values(map[string]string{"plant": plant})
		if err != nil {
			t.Fatal(err)
		}
		res := scenarios.Execute(wallClock, v, 1, scenarios.Options{CheckDeterminism: true, ArtifactDir: t.TempDir()})
		switch {
		case plant == "false" && res.Status != scenarios.StatusOK:
			t.Fatalf("clean handler: %s %s", res.Status, res.Error)
		case plant == "true" && (res.Status != scenarios.StatusNondeterministic || !strings.Contains(res.Error, "they part at trace record")):
			t.Fatalf("time.Now in a handler: status %s %q, want nondeterministic", res.Status, res.Error)
		}
	}
}
