package orders_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/examples/orders"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/proptest"
	"github.com/faultline/faultline/scenarios/scentest"
)

func execute(t *testing.T, seed uint64, opts scenarios.Options, kv ...string) *scenarios.Result {
	t.Helper()
	set := scentest.With(nil, kv...)
	v, err := orders.Scenario.Values(set)
	if err != nil {
		t.Fatal(err)
	}
	return scenarios.Execute(orders.Scenario, v, seed, opts)
}

func check(res *scenarios.Result, name string) scenarios.CheckResult {
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	return scenarios.CheckResult{}
}

// TestCorrectUnderNemesis runs the correct mode under the nemesis with
// proptest, as a CI job would: every failure prints its replay, and the
// first seeds run twice to compare trace hashes.
func TestCorrectUnderNemesis(t *testing.T) {
	proptest.Seeds(t, orders.Scenario, map[string]string{"nemesis": "true"}, func(t *testing.T, res *scenarios.Result) {
		if res.Status != scenarios.StatusOK {
			t.Fatalf("%s: %s %v", res.Status, res.Error, res.Checks)
		}
		if res.Metrics["orders_unfinished"] != 0 || res.Metrics["orders_committed"] == 0 {
			t.Fatalf("metrics %v", res.Metrics)
		}
	})
}

// Each planted bug is found, by the check that names it, within a few
// seeds.
func TestPlantedBugs(t *testing.T) {
	for mode, name := range map[string]string{"no-idempotency": invariants.IdempotencyName, "no-compensation": invariants.SagaAtomicityName} {
		found := false
		for seed := range uint64(10) {
			res := execute(t, seed, scenarios.Options{}, "mode", mode, "nemesis", "true")
			if res.Status == scenarios.StatusFail {
				c := check(res, name)
				if c.Name == "" || c.Outcome == checks.OK.String() {
					t.Fatalf("%s, seed %d: failed, but not on %s: %v", mode, seed, name, res.Checks)
				}
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: not found in 10 seeds", mode)
		}
	}
}

// The self-check runs each seed twice and compares the traces.
func TestDeterministic(t *testing.T) {
	hashes := map[string]bool{}
	for seed := range uint64(4) {
		res := execute(t, seed, scenarios.Options{CheckDeterminism: true}, "nemesis", "true")
		if res.Status != scenarios.StatusOK {
			t.Fatalf("seed %d: %s %s", seed, res.Status, res.Error)
		}
		hashes[res.TraceHash] = true
	}
	if len(hashes) != 4 {
		t.Fatalf("4 seeds gave %d trace hashes", len(hashes))
	}
}

func TestBadInput(t *testing.T) {
	for _, kv := range [][2]string{{"mode", "buggy"}, {"shoppers", "0"}, {"loss", "1.5"}} {
		if _, err := orders.Scenario.Values(map[string]string{kv[0]: kv[1]}); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: err %v, want one naming %s", kv[0], kv[1], err, kv[0])
		}
	}
}

// The same handlers and middleware on real net/http servers, with the
// wall clock: three orders (committed, declined, out of stock), each
// placed twice; nothing is done twice and the sagas are atomic.
func TestRealServers(t *testing.T) {
	inv := orders.NewInventory(map[string]int{"apple": 2})
	pay := orders.NewPayment()
	svc := orders.ServiceConfig{Clock: httpmw.Real, Idempotent: true}
	invH, err := inv.Handler(svc)
	if err != nil {
		t.Fatal(err)
	}
	payH, err := pay.Handler(svc)
	if err != nil {
		t.Fatal(err)
	}
	invS, payS := httptest.NewServer(invH), httptest.NewServer(payH)
	defer invS.Close()
	defer payS.Close()
	newClient := func() *http.Client {
		tr, err := httpmw.NewTransport(http.DefaultTransport, httpmw.Real, orders.ClientConfig(), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: tr}
	}
	ledger := orders.NewLedger()
	co := &orders.Checkout{Client: newClient(), InventoryURL: invS.URL, PaymentURL: payS.URL, Ledger: ledger, Compensate: true}
	coS := httptest.NewServer(co)
	defer coS.Close()

	shopper := newClient()
	for _, tc := range []struct {
		o    orders.Order
		want string
	}{
		{orders.Order{ID: "a", SKU: "apple", Qty: 1, AmountCents: 1000}, "committed"},
		{orders.Order{ID: "b", SKU: "apple", Qty: 1, AmountCents: 9000}, "declined"},
		{orders.Order{ID: "c", SKU: "apple", Qty: 5, AmountCents: 1000}, "out-of-stock"},
	} {
		for range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			got, err := orders.PlaceOrder(ctx, shopper, coS.URL+"/checkout", tc.o)
			cancel()
			if err != nil || got != tc.want {
				t.Fatalf("order %s: %q, %v; want %s", tc.o.ID, got, err, tc.want)
			}
		}
	}
	var effects []invariants.Effect
	for _, e := range append(inv.Effects(), pay.Effects()...) {
		effects = append(effects, invariants.Effect{Key: e.Key, Kind: e.Kind})
	}
	if r := invariants.Idempotency(effects); r.Outcome != checks.OK {
		t.Fatal(r)
	}
	if len(effects) != 4 || inv.Held("a") != 1 || inv.Held("b") != 0 || pay.Charged("a") != 1000 || pay.Charged("b") != 0 {
		t.Fatalf("effects %v, held a=%d b=%d", effects, inv.Held("a"), inv.Held("b"))
	}
	resp, err := http.Get(payS.URL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}
