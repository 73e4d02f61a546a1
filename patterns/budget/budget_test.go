package budget

import (
	"fmt"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestTokenBucket(t *testing.T) {
	b, err := New(Config{Kind: Token, MaxTokens: 4, TokenRatio: 0.5, MaxAttemptsPerRequest: -1})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		op   string
		want Reason
		bal  float64
	}{
		{"retry", "", 4},
		{"fail", "", 3},
		{"retry", "", 3},
		{"fail", "", 2},
		{"retry", ReasonExhausted, 2}, // 2 is not > 4/2
		{"ok", "", 2.5},
		{"retry", "", 2.5},
		{"ok", "", 3},
		{"ok", "", 3.5},
		{"ok", "", 4},
		{"ok", "", 4}, // capped at max_tokens
	}
	for i, s := range steps {
		var got Reason
		switch s.op {
		case "retry":
			got = b.TryRetry(0, 1)
		case "fail":
			b.OnFailure(0)
		case "ok":
			b.OnSuccess(0)
		}
		if got != s.want || b.Balance(0) != s.bal {
			t.Fatalf("step %d %s: got %q balance %g, want %q balance %g", i, s.op, got, b.Balance(0), s.want, s.bal)
		}
	}
}

func TestRatioBudget(t *testing.T) {
	// 10% of requests, reserve 1/s over a 10s TTL = 10 tokens.
	b, err := New(Config{Kind: Ratio, PercentCanRetry: 0.1, MinRetriesPerSec: 1, TTL: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		b.OnRequest(0)
	}
	allowed := 0
	for b.TryRetry(time.Second, 1) == "" {
		allowed++
	}
	if allowed != 20 { // 10 reserve + 100·10%
		t.Fatalf("allowed %d retries, want 20", allowed)
	}
	// After the TTL the deposits and withdrawals have expired: only the reserve.
	allowed = 0
	for b.TryRetry(30*time.Second, 1) == "" {
		allowed++
	}
	if allowed != 10 {
		t.Fatalf("after ttl allowed %d retries, want 10", allowed)
	}
}

func TestAttemptCap(t *testing.T) {
	b, _ := New(Config{Kind: None, MaxAttemptsPerRequest: 3})
	for attempts, want := range []Reason{"", "", "", ReasonAttemptCap, ReasonAttemptCap} {
		if got := b.TryRetry(0, attempts); got != want {
			t.Errorf("attempts=%d: got %q want %q", attempts, got, want)
		}
	}
}

func TestSetAndValidate(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{{"kind", "ratio"}, {"percent_can_retry", "0.5"}, {"ttl", "5s"}, {"min_retries_per_sec", "0"}, {"max_attempts_per_request", "0"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if b.TryRetry(0, 100) != ReasonExhausted { // no reserve, no deposits, no cap
		t.Fatal("retry allowed with empty ratio budget")
	}
	bad := []struct{ k, v string }{{"kind", "leaky"}, {"max_tokens", "0"}, {"token_ratio", "2"}, {"ttl", "x"}, {"bogus", "1"}}
	for _, kv := range bad {
		if err := c.Set(kv.k, kv.v); err == nil {
			t.Errorf("%s=%s accepted", kv.k, kv.v)
		}
	}
	if _, err := New(Config{TTL: time.Hour}); err == nil {
		t.Error("ttl 1h accepted")
	}
}

// The token bucket stays in [0, max_tokens], and a retry is allowed exactly
// when tokens > max_tokens/2.
func TestTokenProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxTokens := float64(rapid.IntRange(1, 100).Draw(t, "max_tokens"))
		b, _ := New(Config{Kind: Token, MaxTokens: maxTokens, TokenRatio: rapid.Float64Range(0.01, 1).Draw(t, "ratio"), MaxAttemptsPerRequest: -1})
		for range rapid.IntRange(0, 200).Draw(t, "ops") {
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				b.OnSuccess(0)
			case 1:
				b.OnFailure(0)
			case 2:
				before := b.Balance(0)
				if ok := b.TryRetry(0, 1) == ""; ok != (before > maxTokens/2) {
					t.Fatalf("retry ok=%v with %g tokens of %g", ok, before, maxTokens)
				}
			}
			if bal := b.Balance(0); bal < 0 || bal > maxTokens {
				t.Fatalf("balance %g outside [0, %g]", bal, maxTokens)
			}
		}
	})
}

// The ratio budget never allows more retries within one TTL than the reserve
// plus percent_can_retry of the requests made within that TTL.
func TestRatioProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pct := rapid.Float64Range(0, 1).Draw(t, "pct")
		minRate := float64(rapid.IntRange(1, 5).Draw(t, "min_rate"))
		ttl := 10 * time.Second
		b, _ := New(Config{Kind: Ratio, PercentCanRetry: pct, MinRetriesPerSec: minRate, TTL: ttl, MaxAttemptsPerRequest: -1})
		pct = b.Config().PercentCanRetry // 0 means the default
		if pct > 0 {
			// Finagle's rounding: a retry costs int(1000/pct) thousandths.
			pct = 1000 / float64(int64(min(1000/pct, math.MaxInt32)))
		}
		requests, retries := 0, 0
		now := time.Duration(0)
		for now < ttl/2 { // every event stays inside one TTL
			now += time.Duration(rapid.IntRange(0, 100).Draw(t, "dt_ms")) * time.Millisecond
			if rapid.Bool().Draw(t, "request") {
				b.OnRequest(now)
				requests++
			} else if b.TryRetry(now, 1) == "" {
				retries++
			}
			limit := minRate*ttl.Seconds() + pct*float64(requests) + 1e-9
			if float64(retries) > limit {
				t.Fatalf("%d retries for %d requests, limit %g", retries, requests, limit)
			}
		}
	})
}

func TestDeterminism(t *testing.T) {
	run := func() string {
		b, _ := New(Config{Kind: Ratio})
		out := ""
		for i := range 500 {
			now := time.Duration(i) * 37 * time.Millisecond
			if i%3 == 0 {
				b.OnRequest(now)
			}
			out += string(b.TryRetry(now, i%7)) + ","
		}
		return out
	}
	if a, b := run(), run(); a != b {
		t.Fatal("runs differ")
	}
}

func Example() {
	b, _ := New(Config{Kind: Token, MaxTokens: 4, TokenRatio: 0.5})
	for i := range 3 {
		b.OnFailure(0)
		fmt.Printf("failure %d: tokens=%g retry=%q\n", i+1, b.Balance(0), b.TryRetry(0, 1))
	}
	// Output:
	// failure 1: tokens=3 retry=""
	// failure 2: tokens=2 retry="budget-exhausted"
	// failure 3: tokens=1 retry="budget-exhausted"
}
