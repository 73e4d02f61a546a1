package idempotency

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Scenario is the idempotency scenario.
var Scenario = &scenarios.Scenario{
	Name:    "idempotency",
	Summary: "a payment service whose responses are lost: retries charge twice unless requests carry idempotency keys",
	Description: "Clients each make a few payments to a payment service (n1). The service calls " +
		"its bank, which takes a while, applies the charge and answers; the answer is often " +
		"lost, or late, so the client times out and retries with backoff, and the network " +
		"duplicates requests too. mode=correct sends an idempotency key with each payment and " +
		"the service keeps it in a durable idempotency store: a retry of a finished payment " +
		"gets the stored result, a retry of one in progress gets a retryable conflict. " +
		"mode=buggy sends no key, so every request that arrives is charged. The check is that " +
		"no payment was charged twice. There are no faults beyond the lossy links unless " +
		"--faults FILE or nemesis=true gives a schedule.",
	Params: []scenarios.Param{
		scenarios.ModeParam("idempotency keys", "none, so retries charge again"),
		{Name: "clients", Default: "3", Kind: scenarios.Int, Min: 1, Max: 64, Help: "number of clients"},
		{Name: "payments", Default: "5", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "payments per client"},
		scenarios.LatencyParam("uniform:1ms-5ms"),
		scenarios.LossParam("0.05", "request"),
		{Name: "reply_loss", Default: "0.3", Kind: scenarios.Prob, Help: "probability a response from the service is lost"},
		scenarios.DuplicateParam("0.02"),
		{Name: "bank_latency", Default: "uniform:5ms-40ms", Kind: scenarios.String, Help: "how long the bank takes to charge: " + network.DistSyntax,
			Validate: network.ValidateDist},
		{Name: "timeout", Default: "30ms", Kind: scenarios.Duration, Help: "client time-out per attempt"},
		{Name: "attempts", Default: "8", Kind: scenarios.Int, Min: 1, Max: 100, Help: "attempts per payment before the client gives up"},
		{Name: "nemesis.duration", Default: "1s", Kind: scenarios.Duration, Help: "length of the fault phase of nemesis=true (the default spans the payments)",
			Validate: func(v string) error {
				if d, err := time.ParseDuration(v); err != nil || d <= 0 {
					return fmt.Errorf("bad value %q (accepted: a duration > 0 such as 1s)", v)
				}
				return nil
			}},
	},
	Run: run,
}

const service nodes.NodeID = 0

type config struct {
	buggy    bool
	payments int
	bank     network.Dist
	timeout  time.Duration
	attempts int
}

// harness records the charges the service applied and what clients saw.
// Node logic never reads it.
type harness struct {
	cfg       config
	effects   []invariants.Effect
	confirmed int
	gaveUp    int
	sends     int
}

func run(r *scenarios.Run) error {
	p := r.Params
	lat, _ := network.ParseDist(p.String("latency"))
	bank, _ := network.ParseDist(p.String("bank_latency"))
	nCli := p.Int("clients")
	cl, err := r.NewCluster(1+nCli, p.Link())
	if err != nil {
		return err
	}
	net, rt := cl.Net, cl.RT
	for c := range nCli {
		reply := network.Link{Latency: lat, Loss: p.Float("reply_loss"), Duplicate: p.Float("duplicate")}
		if err := net.SetLink(service, nodes.NodeID(1+c), reply); err != nil {
			return fmt.Errorf("idempotency: %w", err)
		}
	}
	h := &harness{cfg: config{
		buggy:    p.String("mode") == "buggy",
		payments: p.Int("payments"),
		bank:     bank,
		timeout:  p.Duration("timeout"),
		attempts: p.Int("attempts"),
	}}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &payments{h: h} }); err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	for c := range nCli {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &client{h: h, idx: c} }); err != nil {
			return fmt.Errorf("idempotency: %w", err)
		}
	}
	// Every payment ends within attempts·(timeout+backoff) plus the bank's
	// tail; a generous horizon lets the last late replies land, after
	// the last fault if a schedule goes on longer.
	horizon := time.Duration(h.cfg.payments*h.cfg.attempts) * (h.cfg.timeout + 60*time.Millisecond)
	if err := r.World.RunUntil(sim.At(max(horizon, cl.QuietAt()) + time.Second)); err != nil {
		return err
	}
	total := nCli * h.cfg.payments
	r.Metric("payments", float64(total))
	r.Metric("payments_confirmed", float64(h.confirmed))
	r.Metric("payments_abandoned", float64(h.gaveUp))
	r.Metric("attempts", float64(h.sends))
	r.Metric("retries", float64(h.sends-total))
	r.Metric("charges", float64(len(h.effects)))
	charged := map[string]bool{}
	for _, e := range h.effects {
		charged[e.Key] = true
	}
	r.Metric("double_charges", float64(len(h.effects)-len(charged)))
	r.Metrics(net.CostMetrics())
	r.Check(invariants.Idempotency(h.effects))
	return nil
}
