package budget

import (
	"math"
	"strconv"
	"time"

	"github.com/faultline/faultline/patterns/internal/window"
	"github.com/faultline/faultline/patterns/params"
)

// Kind names a budget algorithm.
type Kind string

// The budget kinds.
const (
	Token Kind = "token"
	Ratio Kind = "ratio"
	None  Kind = "none"
)

// Kinds lists every kind.
var Kinds = []string{string(Token), string(Ratio), string(None)}

// Defaults.
const (
	DefaultMaxTokens             = 10.0
	DefaultTokenRatio            = 0.1
	DefaultPercentCanRetry       = 0.2
	DefaultMinRetriesPerSec      = 10.0
	DefaultTTL                   = 10 * time.Second
	DefaultMaxAttemptsPerRequest = 5
)

// Config sets a retry budget.
type Config struct {
	// Kind is the algorithm. If Kind is "", Token is used.
	Kind Kind
	// MaxTokens is the token bucket's size. If MaxTokens is 0, 10 is used.
	MaxTokens float64
	// TokenRatio is the tokens a success adds. If TokenRatio is 0, 0.1 is used.
	TokenRatio float64
	// PercentCanRetry is the retries each request earns (0.2 = 20%), at
	// most 1000 as in Finagle. If PercentCanRetry is 0, 0.2 is used; a
	// negative value means 0: a reserve-only budget, as Finagle's
	// percentCanRetry=0. Set("percent_can_retry", "0") stores -1.
	PercentCanRetry float64
	// MinRetriesPerSec is the ratio budget's reserve. If it is 0, 10 is used;
	// a negative value means no reserve.
	MinRetriesPerSec float64
	// TTL is how long a deposit lasts, in [1s, 60s]. If TTL is 0, 10s is
	// used. The reserve counts whole seconds of it, as Finagle's
	// ttl.inSeconds does.
	TTL time.Duration
	// MaxAttemptsPerRequest caps the attempts of one request, first call and
	// hedges included. If it is 0, 5 is used; a negative value means no cap.
	MaxAttemptsPerRequest int
}

// Params lists the keys Set accepts (without the "budget." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "kind", Default: string(Token), Help: "budget algorithm: token (gRPC), ratio (Finagle), none (cap only)"},
		{Name: "max_tokens", Default: params.FormatFloat(DefaultMaxTokens), Help: "token: bucket size, in (0, 1000]"},
		{Name: "token_ratio", Default: params.FormatFloat(DefaultTokenRatio), Help: "token: tokens a success adds, in (0, 1]"},
		{Name: "percent_can_retry", Default: params.FormatFloat(DefaultPercentCanRetry), Help: "ratio: retries earned per request (0.2 = 20%), in [0, 1000]; 0 = reserve only"},
		{Name: "min_retries_per_sec", Default: params.FormatFloat(DefaultMinRetriesPerSec), Help: "ratio: reserve in retries per second (0 = none)"},
		{Name: "ttl", Default: DefaultTTL.String(), Help: "ratio: lifetime of a deposit, in [1s, 60s]"},
		{Name: "max_attempts_per_request", Default: strconv.Itoa(DefaultMaxAttemptsPerRequest), Help: "attempts of one request, hedges included"},
	}
}

// Set sets one parameter by its key (without the "budget." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "kind":
		var k string
		k, err = params.Enum(key, value, Kinds)
		c.Kind = Kind(k)
	case "max_tokens":
		c.MaxTokens, err = params.FloatRange(key, value, 0.001, 1000)
	case "token_ratio":
		c.TokenRatio, err = params.FloatRange(key, value, 0.001, 1)
	case "percent_can_retry":
		c.PercentCanRetry, err = params.FloatRange(key, value, 0, maxPercentCanRetry)
		if err == nil && c.PercentCanRetry == 0 {
			c.PercentCanRetry = -1
		}
	case "min_retries_per_sec":
		c.MinRetriesPerSec, err = params.FloatRange(key, value, 0, 1e6)
		if err == nil && c.MinRetriesPerSec == 0 {
			c.MinRetriesPerSec = -1
		}
	case "ttl":
		c.TTL, err = params.PositiveDuration(key, value)
	case "max_attempts_per_request":
		c.MaxAttemptsPerRequest, err = params.Count(key, value)
		if err == nil && c.MaxAttemptsPerRequest == 0 {
			c.MaxAttemptsPerRequest = -1
		}
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// Validate checks the fields.
func (c Config) Validate() error {
	if c.Kind != "" {
		if _, err := params.Enum("kind", string(c.Kind), Kinds); err != nil {
			return err
		}
	}
	if bad(c.MaxTokens) || c.MaxTokens < 0 || c.MaxTokens > 1000 {
		return params.Errorf("max_tokens", "must be in (0, 1000], got %g", c.MaxTokens)
	}
	if bad(c.TokenRatio) || c.TokenRatio < 0 || c.TokenRatio > 1 {
		return params.Errorf("token_ratio", "must be in (0, 1], got %g", c.TokenRatio)
	}
	if bad(c.PercentCanRetry) || c.PercentCanRetry > maxPercentCanRetry {
		return params.Errorf("percent_can_retry", "must be in [0, 1000], got %g", c.PercentCanRetry)
	}
	if bad(c.MinRetriesPerSec) {
		return params.Errorf("min_retries_per_sec", "must be a number >= 0, got %g", c.MinRetriesPerSec)
	}
	if c.TTL != 0 && (c.TTL < time.Second || c.TTL > time.Minute) {
		return params.Errorf("ttl", "must be in [1s, 60s], got %v", c.TTL)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Kind == "" {
		c.Kind = Token
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.TokenRatio == 0 {
		c.TokenRatio = DefaultTokenRatio
	}
	if c.PercentCanRetry == 0 {
		c.PercentCanRetry = DefaultPercentCanRetry
	}
	if c.PercentCanRetry < 0 {
		c.PercentCanRetry = 0
	}
	if c.MinRetriesPerSec == 0 {
		c.MinRetriesPerSec = DefaultMinRetriesPerSec
	}
	if c.MinRetriesPerSec < 0 {
		c.MinRetriesPerSec = 0
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxAttemptsPerRequest == 0 {
		c.MaxAttemptsPerRequest = DefaultMaxAttemptsPerRequest
	}
	return c
}

// Reason says why a retry was refused; "" means allowed.
type Reason string

// The refusals.
const (
	ReasonExhausted  Reason = "budget-exhausted"
	ReasonAttemptCap Reason = "attempt-cap"
)

// milli is the fixed-point scale of the token kind: one token is 1000.
// It is also Finagle's ScaleFactor for the ratio kind.
const milli = 1000

// maxPercentCanRetry is Finagle's upper bound (its ScaleFactor).
const maxPercentCanRetry = 1000

// Budget is a retry budget shared by the requests of one client.
type Budget struct {
	c Config

	// token kind
	tokens, maxTokens, ratio int64

	// ratio kind, in Finagle's integer units: a request deposits deposit,
	// a retry withdraws withdraw. Slot 0 of the window is the balance of
	// deposits and withdrawals.
	win                        *window.Window
	reserve, deposit, withdraw int64
}

// New returns the budget set by c, or an error if c is invalid.
func New(c Config) (*Budget, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	b := &Budget{c: c}
	b.maxTokens = int64(math.Round(c.MaxTokens * milli))
	b.tokens = b.maxTokens
	b.ratio = int64(math.Round(c.TokenRatio * milli))
	// Finagle's RetryBudget.apply: a reserve-only budget costs 1 per retry
	// and earns nothing; otherwise a request earns 1000 and a retry costs
	// int(1000/percent), so 0.3 costs 3333 and 600 costs 1.
	if c.PercentCanRetry == 0 {
		b.deposit, b.withdraw = 0, 1
	} else {
		// Scala's Double.toInt saturates at Int.MaxValue; so does this.
		b.deposit, b.withdraw = milli, int64(min(milli/c.PercentCanRetry, math.MaxInt32))
	}
	ttlSec := int64(c.TTL / time.Second)
	b.reserve = int64(math.Floor(c.MinRetriesPerSec * float64(ttlSec) * float64(b.withdraw)))
	b.win = window.New(c.TTL, 10)
	return b, nil
}

// Config returns the configuration in use, defaults filled in.
func (b *Budget) Config() Config { return b.c }

// OnRequest records a new request (not a retry): it earns the ratio deposit.
func (b *Budget) OnRequest(now time.Duration) {
	if b.c.Kind == Ratio {
		b.win.Add(now, 0, b.deposit)
	}
}

// OnSuccess records a successful attempt: it refills the token bucket.
func (b *Budget) OnSuccess(now time.Duration) {
	if b.c.Kind == Token {
		b.tokens = min(b.maxTokens, b.tokens+b.ratio)
	}
}

// OnFailure records a failed attempt: it drains the token bucket.
func (b *Budget) OnFailure(now time.Duration) {
	if b.c.Kind == Token {
		b.tokens = max(0, b.tokens-milli)
	}
}

// TryRetry asks for one more attempt (a retry or a hedge) for a request that
// has made attempts so far. On "" the attempt is allowed and, for the ratio
// kind, paid for.
func (b *Budget) TryRetry(now time.Duration, attempts int) Reason {
	if b.c.MaxAttemptsPerRequest > 0 && attempts >= b.c.MaxAttemptsPerRequest {
		return ReasonAttemptCap
	}
	switch b.c.Kind {
	case Token:
		if 2*b.tokens <= b.maxTokens {
			return ReasonExhausted
		}
	case Ratio:
		if b.reserve+b.win.Sum(now, 0) < b.withdraw {
			return ReasonExhausted
		}
		b.win.Add(now, 0, -b.withdraw)
	}
	return ""
}

// Balance returns the tokens at now: the bucket's tokens (token kind), or the
// retries still allowed (ratio kind). It is 0 for kind none.
func (b *Budget) Balance(now time.Duration) float64 {
	switch b.c.Kind {
	case Token:
		return float64(b.tokens) / milli
	case Ratio:
		return float64(b.reserve+b.win.Sum(now, 0)) / float64(b.withdraw)
	}
	return 0
}
