package budget

import (
	"testing"
	"time"
)

// ratio builds a ratio budget from --set style keys.
func ratio(t *testing.T, kv ...string) *Budget {
	t.Helper()
	c := Config{}
	kv = append([]string{"kind", "ratio"}, kv...)
	for i := 0; i < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// retriesAfter deposits requests, then counts the retries allowed at once.
func retriesAfter(b *Budget, requests int) int {
	for range requests {
		b.OnRequest(0)
	}
	n := 0
	for n < 1_000_000 && b.TryRetry(0, 1) == "" {
		n++
	}
	return n
}

// TestRatioFollowsFinagle holds the ratio budget to Finagle's
// RetryBudget.apply(ttl, minRetriesPerSec, percentCanRetry): a deposit of
// 1000 per request, a withdrawal of int(1000/percentCanRetry), a reserve of
// minRetriesPerSec·ttl.inSeconds withdrawals; percentCanRetry 0 makes a
// reserve-only budget (deposit 0, withdrawal 1); percentCanRetry may be up
// to 1000.
func TestRatioFollowsFinagle(t *testing.T) {
	tests := []struct {
		name     string
		kv       []string
		requests int
		want     int
	}{
		{"default 20% on 100 requests, no reserve", []string{"min_retries_per_sec", "0"}, 100, 20},
		{"percent 0 is reserve only", []string{"percent_can_retry", "0", "min_retries_per_sec", "1", "ttl", "1s"}, 1000, 1},
		{"percent 0 and no reserve allows nothing", []string{"percent_can_retry", "0", "min_retries_per_sec", "0"}, 1000, 0},
		// withdrawal int(1000/7) = 142: 100 000 / 142 = 704, not 700.
		{"percent 7 rounds the withdrawal down", []string{"percent_can_retry", "7", "min_retries_per_sec", "0"}, 100, 704},
		// withdrawal int(1000/600) = 1: one request earns 1000 retries.
		{"percent 600", []string{"percent_can_retry", "600", "min_retries_per_sec", "0"}, 1, 1000},
		{"percent 1000 is the upper bound", []string{"percent_can_retry", "1000", "min_retries_per_sec", "0"}, 1, 1000},
		// withdrawal int(1000/0.3) = 3333: 10 000 / 3333 = 3.
		{"percent 0.3 on 10 requests", []string{"percent_can_retry", "0.3", "min_retries_per_sec", "0"}, 10, 3},
		// reserve 2·1·int(1000/0.5) = 4000 thousandths = 2 retries; ttl.inSeconds truncates 1.9s to 1.
		{"reserve uses whole seconds of ttl", []string{"percent_can_retry", "0.5", "min_retries_per_sec", "2", "ttl", "1900ms"}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retriesAfter(ratio(t, tt.kv...), tt.requests); got != tt.want {
				t.Errorf("retries = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPercentCanRetryBounds(t *testing.T) {
	var c Config
	for _, v := range []string{"0", "0.2", "10", "999.5", "1000"} {
		if err := c.Set("percent_can_retry", v); err != nil {
			t.Errorf("percent_can_retry=%s refused: %v", v, err)
		}
	}
	for _, v := range []string{"-0.1", "1000.5", "NaN"} {
		if err := c.Set("percent_can_retry", v); err == nil {
			t.Errorf("percent_can_retry=%s accepted", v)
		}
	}
}

// TestRatioReserveExpires checks Finagle's leaky bucket: deposits expire
// after about ttl, the reserve does not.
func TestRatioReserveExpires(t *testing.T) {
	b := ratio(t, "percent_can_retry", "1", "min_retries_per_sec", "1", "ttl", "2s")
	for range 5 {
		b.OnRequest(0)
	}
	if got := b.Balance(0); got != 7 {
		t.Fatalf("balance = %g, want 7 (5 deposits + 2 reserve)", got)
	}
	if got := b.Balance(3 * time.Second); got != 2 {
		t.Fatalf("balance after ttl = %g, want the reserve 2", got)
	}
}
