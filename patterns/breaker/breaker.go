package breaker

import (
	"errors"
	"time"

	"github.com/faultline/faultline/patterns/internal/window"
)

// State is the breaker's state.
type State int

// The states.
const (
	Closed State = iota
	Open
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// The refusals of Allow.
var (
	ErrOpen          = errors.New("circuit breaker is open")
	ErrTooManyProbes = errors.New("circuit breaker is half-open and all probes are in flight")
)

// Transition is one state change.
type Transition struct {
	At       time.Duration
	From, To State
	Reason   string // failure-threshold, failure-rate, slow-call-rate, open-duration-elapsed, probe-failed, probes-succeeded, probes-abandoned
}

// Permit is handed out by Allow and given back to Record or Cancel.
type Permit struct {
	gen   uint64
	state State
}

// Stats counts what the breaker saw since New.
type Stats struct {
	Admitted, Rejected, Successes, Failures, SlowCalls, Stale, Abandoned int
}

// logMax bounds the transition log between drains.
const logMax = 1024

// Breaker is a circuit breaker. It is not safe for concurrent use.
type Breaker struct {
	c     Config
	state State
	gen   uint64
	since time.Duration // when the current state began

	consecutive int           // consecutive failures while closed
	expiry      time.Duration // closed: when the counts clear (Interval > 0)

	// count window: a ring of the last WindowSize calls
	ring                 []uint8 // bit 0 failure, bit 1 slow
	ringNext, ringLen    int
	ringFails, ringSlows int
	// time window: slots 0 calls, 1 failures, 2 slow
	win *window.Window

	probes, probeSuccesses, probesEnded int // half-open

	log     []Transition
	dropped int
	stats   Stats
}

// New returns a closed breaker set by c, or an error if c is invalid.
func New(c Config) (*Breaker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	b := &Breaker{c: c, expiry: c.Interval}
	if c.Window == CountWindow {
		b.ring = make([]uint8, c.WindowSize)
	} else {
		b.win = window.New(c.WindowDuration, 10)
	}
	return b, nil
}

// Config returns the configuration in use, defaults filled in.
func (b *Breaker) Config() Config { return b.c }

// State returns the state at now.
func (b *Breaker) State(now time.Duration) State {
	b.advance(now)
	return b.state
}

// Stats returns the counters.
func (b *Breaker) Stats() Stats { return b.stats }

// Transitions returns the state changes since the last call and empties the
// log. Dropped tells how many were lost because the log was full.
func (b *Breaker) Transitions() []Transition {
	out := b.log
	b.log = nil
	return out
}

// Dropped returns the transitions lost because the log was not drained.
func (b *Breaker) Dropped() int { return b.dropped }

// Allow asks to make a call at now. It returns ErrOpen or ErrTooManyProbes
// when the call must not be made; otherwise the Permit must be passed to
// Record (or Cancel) when the call ends.
func (b *Breaker) Allow(now time.Duration) (Permit, error) {
	b.advance(now)
	switch b.state {
	case Open:
		b.stats.Rejected++
		return Permit{}, ErrOpen
	case HalfOpen:
		if b.probes >= b.c.HalfOpenProbes {
			b.stats.Rejected++
			return Permit{}, ErrTooManyProbes
		}
		b.probes++
	}
	b.stats.Admitted++
	return Permit{gen: b.gen, state: b.state}, nil
}

// Cancel gives back a permit whose call was never made: a half-open probe
// slot is returned.
func (b *Breaker) Cancel(now time.Duration, p Permit) {
	b.advance(now)
	if p.gen == b.gen && b.state == HalfOpen && b.probes > 0 {
		b.probes--
	}
}

// Abandon ends a permit whose call was made but whose result will never be
// known (a hedge that lost, a call cut off by a deadline). It counts as
// neither success nor failure, and its probe slot is not returned. Once every
// half-open probe has ended, the breaker closes if at least one succeeded and
// none failed, and opens again if none succeeded, so abandoned probes cannot
// leave it half-open for ever.
func (b *Breaker) Abandon(now time.Duration, p Permit) {
	b.advance(now)
	b.stats.Abandoned++
	if p.gen != b.gen || b.state != HalfOpen {
		return
	}
	b.probesEnded++
	b.settleProbes(now)
}

func (b *Breaker) settleProbes(now time.Duration) {
	if b.state != HalfOpen || b.probesEnded < b.c.HalfOpenProbes {
		return
	}
	if b.probeSuccesses > 0 {
		b.transition(now, Closed, "probes-succeeded")
	} else {
		b.transition(now, Open, "probes-abandoned")
	}
}

// Valid reports whether p still belongs to the breaker's current state at
// now. A caller that held a permit while waiting (in a bulkhead queue, say)
// checks it before making the call, and asks again if it is stale.
func (b *Breaker) Valid(now time.Duration, p Permit) bool {
	b.advance(now)
	return p.gen == b.gen
}

// Record reports the result of a permitted call that took latency.
func (b *Breaker) Record(now time.Duration, p Permit, ok bool, latency time.Duration) {
	b.advance(now)
	slow := latency >= b.c.SlowCallDuration
	if ok {
		b.stats.Successes++
	} else {
		b.stats.Failures++
	}
	if slow {
		b.stats.SlowCalls++
	}
	if p.gen != b.gen {
		b.stats.Stale++
		return
	}
	switch b.state {
	case Closed:
		b.recordClosed(now, ok, slow)
	case HalfOpen:
		if !ok {
			b.transition(now, Open, "probe-failed")
			return
		}
		b.probeSuccesses++
		b.probesEnded++
		if b.probeSuccesses >= b.c.SuccessThreshold {
			b.transition(now, Closed, "probes-succeeded")
			return
		}
		b.settleProbes(now)
	}
}

func (b *Breaker) recordClosed(now time.Duration, ok, slow bool) {
	if ok {
		b.consecutive = 0
	} else {
		b.consecutive++
	}
	calls, fails, slows := b.addToWindow(now, !ok, slow)
	c := b.c
	switch {
	case c.FailureThreshold > 0 && b.consecutive >= c.FailureThreshold:
		b.transition(now, Open, "failure-threshold")
	case ok && c.EvaluateOn == OnFailure:
	case calls < c.MinimumCalls:
	case c.FailureRateThreshold > 0 && float64(fails) >= c.FailureRateThreshold*float64(calls):
		b.transition(now, Open, "failure-rate")
	case c.SlowCallRateThreshold > 0 && float64(slows) >= c.SlowCallRateThreshold*float64(calls):
		b.transition(now, Open, "slow-call-rate")
	}
}

// addToWindow records one call and returns the window's totals.
func (b *Breaker) addToWindow(now time.Duration, fail, slow bool) (calls, fails, slows int) {
	var bits uint8
	if fail {
		bits |= 1
	}
	if slow {
		bits |= 2
	}
	if b.ring != nil {
		if b.ringLen == len(b.ring) {
			old := b.ring[b.ringNext]
			b.ringFails -= int(old & 1)
			b.ringSlows -= int(old >> 1 & 1)
		} else {
			b.ringLen++
		}
		b.ring[b.ringNext] = bits
		b.ringNext = (b.ringNext + 1) % len(b.ring)
		b.ringFails += int(bits & 1)
		b.ringSlows += int(bits >> 1 & 1)
		return b.ringLen, b.ringFails, b.ringSlows
	}
	b.win.Add(now, 0, 1)
	b.win.Add(now, 1, int64(bits&1))
	b.win.Add(now, 2, int64(bits>>1&1))
	return int(b.win.Sum(now, 0)), int(b.win.Sum(now, 1)), int(b.win.Sum(now, 2))
}

// advance moves open → half-open once open_duration has passed, and starts
// a new closed generation once Interval has passed.
func (b *Breaker) advance(now time.Duration) {
	if b.state == Open && now >= b.since+b.c.OpenDuration {
		b.transition(b.since+b.c.OpenDuration, HalfOpen, "open-duration-elapsed")
	}
	if b.state == Closed && b.c.Interval > 0 && b.expiry < now {
		b.gen++
		b.clearCounts()
		b.expiry = now + b.c.Interval
	}
}

func (b *Breaker) clearCounts() {
	b.consecutive = 0
	b.ringNext, b.ringLen, b.ringFails, b.ringSlows = 0, 0, 0, 0
	if b.win != nil {
		b.win.Reset()
	}
}

func (b *Breaker) transition(at time.Duration, to State, reason string) {
	t := Transition{At: at, From: b.state, To: to, Reason: reason}
	b.state, b.since = to, at
	b.gen++
	b.consecutive, b.probes, b.probeSuccesses, b.probesEnded = 0, 0, 0, 0
	if to == Closed {
		b.clearCounts()
		b.expiry = at + b.c.Interval
	}
	if len(b.log) >= logMax {
		b.log = b.log[1:]
		b.dropped++
	}
	b.log = append(b.log, t)
	if b.c.OnStateChange != nil {
		b.c.OnStateChange(t)
	}
}
