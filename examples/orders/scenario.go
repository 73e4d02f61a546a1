package orders

import (
	"errors"
	"sync"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/patterns/params"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

// Scenario is the order service as a faultline scenario.
var Scenario = &scenarios.Scenario{
	Name:    "orders",
	Summary: "an order service in plain net/http (checkout saga over payment and inventory) with idempotency keys, under faults",
	Description: "Checkout (n1) reserves stock at inventory (n3) and charges at payment (n2), and releases the " +
		"reservation when the charge is declined; shoppers (n4..) retry each order until checkout answers for good. " +
		"Every call goes through the httpmw Transport (per-attempt timeout, jittered retries, breaker) with an " +
		"Idempotency-Key; payment and inventory sit behind httpmw.Idempotency. The handlers are the ones a real " +
		"server runs. mode=no-idempotency drops the middleware (a retry charges twice); mode=no-compensation " +
		"keeps the stock of declined orders.",
	Nodes: "n1 = checkout, n2 = payment, n3 = inventory, n4.. = shoppers",
	Params: []scenarios.Param{
		{Name: "mode", Default: "correct", Kind: scenarios.String, Choices: []string{"correct", "no-idempotency", "no-compensation"}, Help: "correct, or one of the planted bugs"},
		{Name: "shoppers", Default: "3", Kind: scenarios.Int, Min: 1, Max: 50, Help: "shopper processes"},
		{Name: "orders", Default: "8", Kind: scenarios.Int, Min: 1, Max: 1000, Help: "orders per shopper"},
		{Name: "stock", Default: "12", Kind: scenarios.Int, Min: 0, Max: 1000000, Help: "units of each of the three SKUs"},
		{Name: "loss", Default: "0.05", Kind: scenarios.Float, Min: 0, Max: 0.9, Help: "message loss on every link"},
	},
	// Built on first use: they take every pipeline key's help text.
	MoreParams: sync.OnceValue(clientParams),
	Run:        run,
}

// clientKeys are the pipeline settings the shoppers and checkout use,
// and the scenario's parameters of the same names: a table made with
// `faultline compare orders --vary retry.max_attempts=...` compares the
// configuration a deployment would ship.
var clientKeys = [][2]string{
	{"timeout.per_attempt", "100ms"},
	{"retry.max_attempts", "4"},
	{"retry.backoff", "full-jitter"},
	{"backoff.base", "20ms"},
	{"breaker.failure_threshold", "8"},
	{"breaker.open_duration", "500ms"},
	{"retry.honor_retry_after", "true"},
}

// ClientConfig is the pipeline the shoppers and checkout use by default.
func ClientConfig() pipeline.Config {
	cfg, err := clientConfig(func(key, def string) string { return def })
	if err != nil {
		panic(err)
	}
	return cfg
}

func clientConfig(value func(key, def string) string) (pipeline.Config, error) {
	var cfg pipeline.Config
	for _, kv := range clientKeys {
		if err := cfg.Set(kv[0], value(kv[0], kv[1])); err != nil {
			return cfg, err
		}
	}
	return cfg, cfg.Validate()
}

func clientParams() []scenarios.Param {
	var probe pipeline.Config
	help := map[string]string{}
	for _, p := range probe.Params() {
		help[p.Name] = p.Help
	}
	var out []scenarios.Param
	for _, kv := range clientKeys {
		key := kv[0]
		out = append(out, scenarios.Param{
			Name: key, Default: kv[1], Kind: scenarios.String,
			Help: help[key] + " (shoppers and checkout)",
			Validate: func(v string) error {
				var scratch pipeline.Config
				err := scratch.Set(key, v)
				var pe *params.Error
				if errors.As(err, &pe) {
					return errors.New(pe.Reason)
				}
				return err
			},
		})
	}
	return out
}

func run(r *scenarios.Run) error {
	mode := r.Params.String("mode")
	client, err := clientConfig(func(key, _ string) string { return r.Params.String(key) })
	if err != nil {
		return &scenarios.BadInputError{Err: err}
	}
	cfg := Config{
		Shoppers:   r.Params.Int("shoppers"),
		Orders:     r.Params.Int("orders"),
		Stock:      r.Params.Int("stock"),
		Idempotent: mode != "no-idempotency",
		Compensate: mode != "no-compensation",
		Client:     client,
		MaxTries:   200,
	}
	link := network.Link{
		Latency: network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond},
		Loss:    r.Params.Float("loss"),
	}
	cl, err := r.NewCluster(services+cfg.Shoppers, link)
	if err != nil {
		return err
	}
	hn := httpsim.New(cl.RT, httpsim.Options{})
	defer hn.Close()
	sys, err := Install(cl.RT, hn, cfg)
	if err != nil {
		return err
	}
	if err := r.World.Run(); err != nil {
		return err
	}
	results, metrics := sys.Check()
	for _, k := range []string{"orders", "orders_committed", "orders_declined", "orders_out_of_stock", "orders_unfinished", "checkout_tries", "order_ms_mean", "order_ms_max"} {
		r.Metric(k, metrics[k])
	}
	r.Metrics(cl.Net.CostMetrics())
	for _, res := range results {
		r.Check(res)
	}
	return nil
}
