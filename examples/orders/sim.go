package orders

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/checks/invariants"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/httpsim"
	"github.com/faultline/faultline/nodes/proc"
	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/sim"
)

// Node ids in a world: checkout, payment, inventory, then the shoppers.
const (
	checkoutNode  nodes.NodeID = 0 // n1
	paymentNode   nodes.NodeID = 1 // n2
	inventoryNode nodes.NodeID = 2 // n3
	services                   = 3
)

// Config sets up the order service in a world.
type Config struct {
	Shoppers   int // shopper processes, n4 onwards
	Orders     int // orders per shopper, one after the other
	Idempotent bool
	Compensate bool
	// Stock is the units of each of the three SKUs.
	Stock int
	// Client is the shoppers' and checkout's pipeline configuration.
	Client pipeline.Config
	// MaxTries bounds the checkouts a shopper tries for one order.
	MaxTries int
}

// System is the order service installed in a world.
type System struct {
	cfg       Config
	ledger    *Ledger
	inventory *Inventory
	payment   *Payment
	orders    []Order           // every order placed, in the order first placed
	outcome   map[string]string // order → what the shopper was told last
	progress  map[string]*progress
	tries     int
	took      []time.Duration // per finished order, first try to final answer (true time)
}

// progress is a shopper's durable place in its list: a restarted
// shopper goes on with the order it was placing.
type progress struct {
	next    int    // orders finished
	current *Order // the order being placed, if any
	since   sim.Time
}

var skus = []string{"apple", "book", "chair"}

// Install adds the services and the shoppers to rt, over hn. The
// services' state and their idempotency stores are built once, so they
// survive a crash as a database would; checkout's client and its set of
// orders in progress are rebuilt on restart.
func Install(rt *nodes.Runtime, hn *httpsim.Net, cfg Config) (*System, error) {
	stock := map[string]int{}
	for _, s := range skus {
		stock[s] = cfg.Stock
	}
	sys := &System{cfg: cfg, ledger: NewLedger(), inventory: NewInventory(stock), payment: NewPayment(), outcome: map[string]string{}, progress: map[string]*progress{}}
	hn.Host("checkout", checkoutNode)
	hn.Host("payment", paymentNode)
	hn.Host("inventory", inventoryNode)
	clock := httpsim.Clock{}
	svc := ServiceConfig{Clock: clock, Idempotent: cfg.Idempotent}
	payH, err := sys.payment.Handler(svc)
	if err != nil {
		return nil, err
	}
	invH, err := sys.inventory.Handler(svc)
	if err != nil {
		return nil, err
	}
	if _, err := httpmw.NewTransport(hn.Transport(), clock, cfg.Client, rand.New(rand.NewPCG(0, 0))); err != nil {
		return nil, err // the client configuration is bad
	}
	ctors := []nodes.Constructor{
		hn.Server(func(env *nodes.Env) http.Handler {
			tr, err := httpmw.NewTransport(hn.Transport(), clock, cfg.Client, env.Rand())
			if err != nil {
				panic(err) // checked by Validate before the run
			}
			return &Checkout{Client: &http.Client{Transport: tr}, InventoryURL: "http://inventory", PaymentURL: "http://payment", Ledger: sys.ledger, Compensate: cfg.Compensate}
		}),
		hn.Server(func(*nodes.Env) http.Handler { return payH }),
		hn.Server(func(*nodes.Env) http.Handler { return invH }),
	}
	for range cfg.Shoppers {
		ctors = append(ctors, hn.Process(func(p *proc.P) { sys.shopper(p, hn) }))
	}
	for _, c := range ctors {
		if _, err := rt.Add(c); err != nil {
			return nil, err
		}
	}
	return sys, nil
}

// shopper places its orders one after the other, and retries each until
// checkout gives a final answer.
func (sys *System) shopper(p *proc.P, hn *httpsim.Net) {
	clock := httpsim.Clock{}
	tr, err := httpmw.NewTransport(hn.Transport(), clock, sys.cfg.Client, p.Rand())
	if err != nil {
		panic(err)
	}
	c := &http.Client{Transport: tr}
	ctx := httpsim.Context(p)
	rng := p.Rand()
	pr := sys.progress[p.Name()]
	if pr == nil {
		pr = &progress{}
		sys.progress[p.Name()] = pr
	}
	for ; pr.next < sys.cfg.Orders; pr.next++ {
		if pr.current == nil {
			pr.current = &Order{
				ID:          fmt.Sprintf("%s-%d", p.Name(), pr.next+1),
				SKU:         skus[rng.IntN(len(skus))],
				Qty:         1 + rng.IntN(3),
				AmountCents: 500 + 100*rng.Int64N(90),
			}
			sys.orders = append(sys.orders, *pr.current)
			pr.since = p.Env().TrueNow()
		}
		o := *pr.current
		for try := 0; try < sys.cfg.MaxTries; try++ {
			sys.tries++
			st, err := PlaceOrder(ctx, c, "http://checkout/checkout", o)
			if err == nil && st != "" {
				sys.outcome[o.ID] = st
				sys.took = append(sys.took, time.Duration(p.Env().TrueNow()-pr.since))
				break
			}
			_ = clock.Sleep(ctx, 200*time.Millisecond)
		}
		pr.current = nil
	}
}

// Check runs the two checks on the services' own state, and returns the
// run's metrics.
func (sys *System) Check() ([]checks.Result, map[string]float64) {
	var effects []invariants.Effect
	for _, e := range append(sys.inventory.Effects(), sys.payment.Effects()...) {
		effects = append(effects, invariants.Effect{Key: e.Key, Kind: e.Kind, AtNs: int64(e.At.Sub(httpsim.Epoch))})
	}
	var sagas []invariants.Saga
	m := map[string]float64{"orders": float64(len(sys.orders)), "checkout_tries": float64(sys.tries)}
	for _, o := range sys.orders {
		reserved, released := false, false
		for _, e := range effects {
			if e.Key == o.ID {
				reserved = reserved || e.Kind == "reserve"
				released = released || e.Kind == "release"
			}
		}
		st := sys.ledger.Status(o.ID)
		m["orders_"+strings.ReplaceAll(orDefault(st, "unfinished"), "-", "_")]++
		charged := sys.payment.Charged(o.ID) > 0
		sagas = append(sagas, invariants.Saga{
			ID: o.ID,
			Steps: []invariants.SagaStep{
				{Name: "reserve", Done: reserved, Compensated: released},
				{Name: "charge", Done: charged},
				{Name: "order", Done: st == "committed"},
			},
			HeldReservations: sys.inventory.Held(o.ID),
			Charged:          charged,
			Ordered:          st == "committed",
		})
	}
	var sum, most time.Duration
	for _, d := range sys.took {
		sum += d
		most = max(most, d)
	}
	if len(sys.took) > 0 {
		m["order_ms_mean"] = float64(sum) / float64(len(sys.took)) / 1e6
	}
	m["order_ms_max"] = float64(most) / 1e6
	return []checks.Result{invariants.Idempotency(effects), invariants.SagaAtomicity(sagas)}, m
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
