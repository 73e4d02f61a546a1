package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/patterns/httpmw"
	"github.com/faultline/faultline/patterns/idempotency"
)

// Order is what a shopper asks checkout for.
type Order struct {
	ID          string `json:"id"`
	SKU         string `json:"sku"`
	Qty         int    `json:"qty"`
	AmountCents int64  `json:"amount_cents"`
}

// DeclineAboveCents is the payment service's limit: a larger charge is
// declined with 402.
const DeclineAboveCents = 8000

// Effect is one side effect a service applied, with the idempotency key
// of the request that caused it.
type Effect struct {
	Key  string
	Kind string // "reserve", "release", "charge"
	At   time.Time
}

// Inventory is the stock service's state. Its methods are safe for
// concurrent use (a real server runs handlers in parallel).
type Inventory struct {
	mu      sync.Mutex
	stock   map[string]int
	held    map[string]int // order → units reserved and not released
	effects []Effect
}

// NewInventory returns an inventory holding stock.
func NewInventory(stock map[string]int) *Inventory {
	s := map[string]int{}
	for k, v := range stock { // a copy: order does not matter
		s[k] = v
	}
	return &Inventory{stock: s, held: map[string]int{}}
}

// Effects returns the effects applied so far, in order.
func (inv *Inventory) Effects() []Effect {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return append([]Effect(nil), inv.effects...)
}

// Held returns the units reserved for order and not released.
func (inv *Inventory) Held(order string) int {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.held[order]
}

// Payment is the payment service's state: a ledger of charges.
type Payment struct {
	mu      sync.Mutex
	charged map[string]int64 // order → cents charged
	effects []Effect
}

// NewPayment returns an empty ledger.
func NewPayment() *Payment { return &Payment{charged: map[string]int64{}} }

// Effects returns the charges applied so far, in order.
func (pay *Payment) Effects() []Effect {
	pay.mu.Lock()
	defer pay.mu.Unlock()
	return append([]Effect(nil), pay.effects...)
}

// Charged returns the cents charged for order.
func (pay *Payment) Charged(order string) int64 {
	pay.mu.Lock()
	defer pay.mu.Unlock()
	return pay.charged[order]
}

// ServiceConfig is what the handlers of the two services share.
type ServiceConfig struct {
	Clock httpmw.Clock
	// Idempotent puts httpmw.Idempotency in front of the handlers (false:
	// the planted bug).
	Idempotent bool
}

// wrap adds the health endpoint and, when asked, idempotency keys.
func (c ServiceConfig) wrap(h http.Handler) (http.Handler, error) {
	mws := []httpmw.Middleware{httpmw.Health("/health", nil)}
	if c.Idempotent {
		idem, err := httpmw.Idempotency(c.Clock, idempotency.Config{})
		if err != nil {
			return nil, err
		}
		mws = append(mws, idem)
	}
	return httpmw.Chain(h, mws...), nil
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// Handler is the inventory's HTTP API: POST /reserve and POST /release,
// each with an Order as JSON.
func (inv *Inventory) Handler(c ServiceConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reserve", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if !readJSON(w, r, &o) {
			return
		}
		inv.mu.Lock()
		defer inv.mu.Unlock()
		if inv.stock[o.SKU] < o.Qty {
			http.Error(w, "out of stock", http.StatusConflict)
			return
		}
		inv.stock[o.SKU] -= o.Qty
		inv.held[o.ID] += o.Qty
		inv.effects = append(inv.effects, Effect{Key: o.ID, Kind: "reserve", At: c.Clock.Now(r.Context())})
		fmt.Fprintln(w, "reserved")
	})
	mux.HandleFunc("POST /release", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if !readJSON(w, r, &o) {
			return
		}
		inv.mu.Lock()
		defer inv.mu.Unlock()
		if n := inv.held[o.ID]; n > 0 {
			inv.stock[o.SKU] += n
			delete(inv.held, o.ID)
			inv.effects = append(inv.effects, Effect{Key: o.ID, Kind: "release", At: c.Clock.Now(r.Context())})
		}
		fmt.Fprintln(w, "released")
	})
	return c.wrap(mux)
}

// Handler is the payment API: POST /charge with an Order as JSON; 402
// when the amount is above DeclineAboveCents.
func (pay *Payment) Handler(c ServiceConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /charge", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if !readJSON(w, r, &o) {
			return
		}
		if o.AmountCents > DeclineAboveCents {
			http.Error(w, "declined", http.StatusPaymentRequired)
			return
		}
		pay.mu.Lock()
		defer pay.mu.Unlock()
		pay.charged[o.ID] += o.AmountCents
		pay.effects = append(pay.effects, Effect{Key: o.ID, Kind: "charge", At: c.Clock.Now(r.Context())})
		fmt.Fprintln(w, "charged")
	})
	return c.wrap(mux)
}

// Ledger is checkout's durable record of finished orders.
type Ledger struct {
	mu     sync.Mutex
	status map[string]string // order → "committed" | "declined" | "out-of-stock"
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{status: map[string]string{}} }

// Status returns how order ended, or "" if it has not.
func (l *Ledger) Status(order string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status[order]
}

func (l *Ledger) set(order, st string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status[order] = st
}

// Checkout runs the order saga: reserve, then charge; a declined charge
// releases the reservation. A call whose outcome is unknown (timeout,
// 5xx) makes checkout answer 503 with Retry-After: the shopper retries
// with the same order, and every step is repeated under the same
// Idempotency-Key, so the saga moves forward without doing anything
// twice.
type Checkout struct {
	Client       *http.Client // with an httpmw.Transport inside
	InventoryURL string       // e.g. "http://inventory"
	PaymentURL   string
	Ledger       *Ledger
	// Compensate releases the reservation of a declined order (false: the
	// planted bug).
	Compensate bool

	mu      sync.Mutex
	running map[string]bool // orders in progress in this process
}

// ServeHTTP handles POST /checkout with an Order as JSON: 200 committed,
// 402 declined, 409 out of stock, 503 try again.
func (co *Checkout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/checkout" {
		http.NotFound(w, r)
		return
	}
	var o Order
	if !readJSON(w, r, &o) {
		return
	}
	if st := co.Ledger.Status(o.ID); st != "" {
		answer(w, st)
		return
	}
	co.mu.Lock()
	if co.running == nil {
		co.running = map[string]bool{}
	}
	busy := co.running[o.ID]
	co.running[o.ID] = true
	co.mu.Unlock()
	if busy {
		retryLater(w, "order in progress")
		return
	}
	defer func() {
		co.mu.Lock()
		delete(co.running, o.ID)
		co.mu.Unlock()
	}()
	st, err := co.saga(r.Context(), o)
	if err != nil {
		retryLater(w, err.Error())
		return
	}
	co.Ledger.set(o.ID, st)
	answer(w, st)
}

func (co *Checkout) saga(ctx context.Context, o Order) (string, error) {
	code, err := co.post(ctx, co.InventoryURL+"/reserve", "reserve-"+o.ID, o)
	switch {
	case err != nil:
		return "", err
	case code == http.StatusConflict:
		return "out-of-stock", nil
	case code != http.StatusOK:
		return "", fmt.Errorf("reserve: status %d", code)
	}
	code, err = co.post(ctx, co.PaymentURL+"/charge", "charge-"+o.ID, o)
	switch {
	case err != nil:
		return "", err
	case code == http.StatusOK:
		return "committed", nil
	case code != http.StatusPaymentRequired:
		return "", fmt.Errorf("charge: status %d", code)
	}
	if co.Compensate {
		code, err = co.post(ctx, co.InventoryURL+"/release", "release-"+o.ID, o)
		if err != nil {
			return "", err
		}
		if code != http.StatusOK {
			return "", fmt.Errorf("release: status %d", code)
		}
	}
	return "declined", nil
}

// post sends o as JSON with an Idempotency-Key and returns the status.
func (co *Checkout) post(ctx context.Context, url, key string, o Order) (int, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(httpmw.IdempotencyHeader, key)
	resp, err := co.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// PlaceOrder posts o to checkout and returns its final status, or ""
// when the shopper should try again.
func PlaceOrder(ctx context.Context, c *http.Client, url string, o Order) (string, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return Outcome(resp.StatusCode), nil
}

func answer(w http.ResponseWriter, st string) {
	code := map[string]int{"committed": http.StatusOK, "declined": http.StatusPaymentRequired, "out-of-stock": http.StatusConflict}[st]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"status\":%q}\n", st)
}

func retryLater(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	http.Error(w, "try again: "+why, http.StatusServiceUnavailable)
}

// Outcome reads a checkout answer: the order's final status, or "" when
// the shopper should try again.
func Outcome(code int) string {
	switch code {
	case http.StatusOK:
		return "committed"
	case http.StatusPaymentRequired:
		return "declined"
	case http.StatusConflict:
		return "out-of-stock"
	}
	return ""
}
