package timeout

import (
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Config sets the two limits. The zero value sets neither.
type Config struct {
	// PerAttempt is the longest one attempt may take.
	// If PerAttempt is 0, attempts are limited only by Overall.
	PerAttempt time.Duration
	// Overall is the deadline for the whole request, measured from its start.
	// If Overall is 0, there is no overall deadline.
	Overall time.Duration
}

// Params lists the keys Set accepts.
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "per_attempt", Default: "0s", Help: "timeout of one attempt (0 = none)"},
		{Name: "overall", Default: "0s", Help: "deadline of the whole request, retries and waits included (0 = none)"},
	}
}

// Set sets one parameter by its key (without the "timeout." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "per_attempt":
		c.PerAttempt, err = params.Duration(key, value)
	case "overall":
		c.Overall, err = params.Duration(key, value)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and their relationships.
func (c Config) Validate() error {
	if c.PerAttempt < 0 {
		return params.Errorf("per_attempt", "must be >= 0, got %v", c.PerAttempt)
	}
	if c.Overall < 0 {
		return params.Errorf("overall", "must be >= 0, got %v", c.Overall)
	}
	return nil
}

// Deadline is the time budget of one request.
type Deadline struct {
	start      time.Duration
	perAttempt time.Duration
	overall    time.Duration
}

// Begin starts the budget of a request at now.
func Begin(c Config, now time.Duration) Deadline {
	return Deadline{start: now, perAttempt: c.PerAttempt, overall: c.Overall}
}

// At returns the absolute deadline and whether there is one.
func (d Deadline) At() (time.Duration, bool) {
	return d.start + d.overall, d.overall > 0
}

// Remaining returns the time left at now (never negative) and whether there
// is a deadline at all.
func (d Deadline) Remaining(now time.Duration) (time.Duration, bool) {
	at, ok := d.At()
	if !ok {
		return 0, false
	}
	return max(at-now, 0), true
}

// Expired reports whether the overall deadline has passed at now.
func (d Deadline) Expired(now time.Duration) bool {
	at, ok := d.At()
	return ok && now >= at
}

// Attempt returns the timeout for an attempt starting at now: the smaller of
// the per-attempt timeout and the time left. It returns 0 when neither limit
// is set (no timeout), and ok=false when the deadline has already passed.
func (d Deadline) Attempt(now time.Duration) (limit time.Duration, ok bool) {
	left, has := d.Remaining(now)
	if has && left <= 0 {
		return 0, false
	}
	switch {
	case !has:
		return d.perAttempt, true
	case d.perAttempt == 0:
		return left, true
	default:
		return min(d.perAttempt, left), true
	}
}

// Fits reports whether a wait of w starting at now ends strictly before the
// deadline, leaving time for one more attempt.
func (d Deadline) Fits(now, w time.Duration) bool {
	at, ok := d.At()
	return !ok || now+w < at
}
