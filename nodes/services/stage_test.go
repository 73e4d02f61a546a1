package services

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/patterns/ratelimit"
	"github.com/faultline/faultline/patterns/retry"
	"github.com/faultline/faultline/sim"
)

// probe sends n calls, one every gap, to node to (op 1, deadline 100 ms
// after sending), and keeps each reply with the time it took.
type probe struct {
	to      NodeID
	n       int
	gap     time.Duration
	sent    int
	replies []probeReply
	start   map[uint64]sim.Time
}

type probeReply struct {
	r   Reply
	lat time.Duration
}

func (p *probe) Start(env *nodes.Env) { p.start = map[uint64]sim.Time{}; p.Timer(env, 0, nil) }

func (p *probe) Timer(env *nodes.Env, _ nodes.TimerID, _ any) {
	if p.sent == p.n {
		return
	}
	p.sent++
	now := env.TrueNow()
	id := uint64(p.sent)
	p.start[id] = now
	env.Send(p.to, &Call{ID: id, Op: 1, Value: int64(p.sent), Deadline: now + sim.Time(100*time.Millisecond)}, callSize)
	env.SetTimer(p.gap, nil)
}

func (p *probe) Receive(env *nodes.Env, _ NodeID, msg any) {
	if r, ok := msg.(*Reply); ok {
		p.replies = append(p.replies, probeReply{*r, time.Duration(env.TrueNow() - p.start[r.ID])})
	}
}

// stageRun is a world of a server (node 0) running stack, a plain backend
// (node 1) and a probe (node 2), with no network latency.
type stageRun struct {
	srv   *Server
	probe *probe
	m     map[string]float64
	hash  uint64
}

func runStage(t *testing.T, seed uint64, n int, gap time.Duration, stack func() Stage, knob func(*Server)) stageRun {
	t.Helper()
	w := sim.New(seed, sim.Options{})
	net, err := network.New(w, 3, network.Link{})
	if err != nil {
		t.Fatal(err)
	}
	rt := nodes.NewRuntime(w, net)
	var out stageRun
	add := func(f func(nodes.NodeID) nodes.Node) {
		if _, err := rt.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	add(func(nodes.NodeID) nodes.Node {
		out.srv = NewStackServer(HostConfig{Prefix: "s_"}, stack())
		if knob != nil {
			knob(out.srv)
		}
		return out.srv
	})
	add(func(nodes.NodeID) nodes.Node { return NewServer(ServerConfig{Prefix: "b_", MaxQueue: Unbounded}) })
	out.probe = &probe{to: 0, n: n, gap: gap}
	add(func(nodes.NodeID) nodes.Node { return out.probe })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	out.m, out.hash = w.Metrics.Snapshot(w.Now()), w.TraceHash()
	return out
}

// count returns the replies with OK ok and class class ("" for any).
func (r stageRun) count(ok bool, class retry.Class) int {
	n := 0
	for _, p := range r.probe.replies {
		if p.r.OK == ok && (class == "" || p.r.Class == class) {
			n++
		}
	}
	return n
}

func constant(d time.Duration) Dist { return Dist{Kind: Constant, Mean: d} }

// tail is the stages after a pool: 10 ms of work, then an OK reply.
func tail() Stage {
	return NewWork(WorkConfig{Service: constant(10 * time.Millisecond)}, NewWait(NewRespond(nil)))
}

func pool(next Stage) Stage { return NewPool(PoolConfig{Workers: 1, MaxQueue: Unbounded}, next) }

// TestStages runs each stage in a small stack, 20 calls 20 ms apart (a
// calm load: one worker keeps up), and checks what that stage alone does.
// Each check fails if its stage is taken out of the stack.
func TestStages(t *testing.T) {
	tests := []struct {
		name  string
		gap   time.Duration
		stack func() Stage
		knob  func(*Server)
		check func(r stageRun) error
	}{
		{"rate_limit", 0, func() Stage {
			return NewRateLimit(ratelimit.Config{RatePerSec: 1, Burst: 5}, pool(tail()))
		}, nil, func(r stageRun) error {
			return want(r.m["s_rate_limited"] == 15 && r.count(false, retry.Overloaded) == 15 && r.count(true, "") == 5,
				"limited %v, ok %d", r.m["s_rate_limited"], r.count(true, ""))
		}},
		{"hang", 20 * time.Millisecond, func() Stage { return NewHang(pool(tail())) }, func(s *Server) { s.SetHang(1) },
			func(r stageRun) error {
				return want(r.m["s_hung"] == 20 && len(r.probe.replies) == 0, "hung %v, replies %d", r.m["s_hung"], len(r.probe.replies))
			}},
		{"chaos_error", 20 * time.Millisecond, func() Stage { return NewChaosError(ChaosConfig{ErrorRate: 1}, pool(tail())) }, nil,
			func(r stageRun) error {
				return want(r.count(false, retry.Internal) == 20 && r.m["s_chaos_errors"] == 20 && r.m["s_busy_max"] == 0,
					"internal %d, busy max %v", r.count(false, retry.Internal), r.m["s_busy_max"])
			}},
		{"pool_rejects_when_full", 0, func() Stage {
			return NewPool(PoolConfig{Workers: 2, MaxQueue: 3}, tail())
		}, nil, func(r stageRun) error {
			return want(r.count(true, "") == 5 && r.m["s_shed"] == 15 && r.m["s_queue_len_max"] == 3,
				"ok %d, shed %v, queue max %v", r.count(true, ""), r.m["s_shed"], r.m["s_queue_len_max"])
		}},
		{"pool_drops_expired", 0, func() Stage {
			return NewPool(PoolConfig{Workers: 1, MaxQueue: Unbounded, CheckDeadline: true}, tail())
		}, nil, func(r stageRun) error {
			// 10 ms each, deadline 100 ms: the first 10 start in time.
			return want(r.count(true, "") == 10 && r.m["s_expired"] == 10, "ok %d, expired %v", r.count(true, ""), r.m["s_expired"])
		}},
		{"work_slow", 20 * time.Millisecond, func() Stage { return pool(tail()) }, func(s *Server) { s.SetSlow(1.5) },
			func(r stageRun) error { return wantLatency(r, 15*time.Millisecond) }},
		{"chaos_delay", 20 * time.Millisecond, func() Stage {
			return pool(NewWork(WorkConfig{Service: constant(10 * time.Millisecond)},
				NewChaosDelay(ChaosConfig{LatencyRate: 1, Latency: 4 * time.Millisecond}, NewWait(NewRespond(nil)))))
		}, nil, func(r stageRun) error { return wantLatency(r, 14*time.Millisecond) }},
		{"fail", 20 * time.Millisecond, func() Stage {
			return pool(NewWork(WorkConfig{Service: constant(10 * time.Millisecond)},
				NewWait(NewFail(FailConfig{ErrorRate: 1, ErrorClass: retry.Unavailable}, NewRespond(nil)))))
		}, nil, func(r stageRun) error {
			return want(r.count(false, retry.Unavailable) == 20 && r.m["s_errors"] == 20 && r.m["s_served"] == 20,
				"unavailable %d, errors %v", r.count(false, retry.Unavailable), r.m["s_errors"])
		}},
		{"deps", 20 * time.Millisecond, func() Stage {
			return pool(NewDeps(DepsConfig{Deps: []Dep{{To: 1, Op: -1}, {To: 1, Op: 2}}}, NewRespond(nil)))
		}, nil, func(r stageRun) error {
			// Op 2 does not match the probe's op 1: one backend call each.
			return want(r.m["b_served"] == 20 && r.count(true, "") == 20, "backend served %v", r.m["b_served"])
		}},
		{"respond_apply", 20 * time.Millisecond, func() Stage {
			return pool(NewRespond(func(c *Call, r *Reply) { r.Value = 10 * c.Value }))
		}, nil, func(r stageRun) error {
			for _, p := range r.probe.replies {
				if p.r.Value != 10*int64(p.r.ID) {
					return fmt.Errorf("reply %d value %d", p.r.ID, p.r.Value)
				}
			}
			return want(len(r.probe.replies) == 20, "replies %d", len(r.probe.replies))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(runStage(t, 1, 20, tt.gap, tt.stack, tt.knob)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func want(ok bool, format string, args ...any) error {
	if !ok {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// wantLatency checks that all 20 calls succeeded in exactly d.
func wantLatency(r stageRun, d time.Duration) error {
	for _, p := range r.probe.replies {
		if !p.r.OK || p.lat != d {
			return fmt.Errorf("reply %+v in %v, want OK in %v", p.r, p.lat, d)
		}
	}
	return want(len(r.probe.replies) == 20, "replies %d", len(r.probe.replies))
}

// TestDefaultStack checks which stages ServerConfig.Stack builds, in
// order; TestStackGolden checks that together they behave as the server
// did before it was split.
func TestDefaultStack(t *testing.T) {
	rl := ratelimit.Config{}
	tests := []struct {
		sc   ServerConfig
		want string
	}{
		{ServerConfig{}, "Hang Pool Work Wait Fail Respond"},
		{ServerConfig{RateLimit: &rl, ChaosLatencyRate: 0.1, Deps: []Dep{{To: 1}}},
			"RateLimit Hang ChaosError Pool Work ChaosDelay Wait Fail Deps Respond"},
		{ServerConfig{ChaosErrorRate: 0.1}, "Hang ChaosError Pool Work ChaosDelay Wait Fail Respond"},
	}
	for _, tt := range tests {
		var names []string
		for _, st := range NewServer(tt.sc).Stages() {
			names = append(names, reflect.TypeOf(st).Elem().Name())
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("%+v: stack %s, want %s", tt.sc, got, tt.want)
		}
	}
}

// TestStackDeterminism runs a stack with every stage twice on one seed
// and once on another, and compares the trace hashes.
func TestStackDeterminism(t *testing.T) {
	stack := func() Stage {
		ch := ChaosConfig{ErrorRate: 0.1, LatencyRate: 0.2, Latency: time.Millisecond}
		return NewRateLimit(ratelimit.Config{RatePerSec: 500, Burst: 20}, NewHang(NewChaosError(ch,
			NewPool(PoolConfig{Workers: 2, MaxQueue: 4, CheckDeadline: true}, NewWork(WorkConfig{Service: Exp(3 * time.Millisecond), Slowdown: 0.1},
				NewChaosDelay(ch, NewWait(NewFail(FailConfig{ErrorRate: 0.1}, NewDeps(DepsConfig{Deps: []Dep{{To: 1, Op: -1}}}, NewRespond(nil))))))))))
	}
	knob := func(s *Server) { s.SetHang(0.05) }
	a := runStage(t, 3, 400, time.Millisecond, stack, knob)
	b := runStage(t, 3, 400, time.Millisecond, stack, knob)
	c := runStage(t, 4, 400, time.Millisecond, stack, knob)
	if a.hash != b.hash || a.hash == c.hash {
		t.Fatalf("hashes %x %x %x", a.hash, b.hash, c.hash)
	}
	if !reflect.DeepEqual(a.m, b.m) {
		t.Fatalf("metrics differ on one seed")
	}
}
