package sim

import (
	"math"
	"time"
)

// Time is virtual time since the start of a run, in nanoseconds.
type Time int64

// Never is a time after every event.
const Never Time = math.MaxInt64

// At converts a duration since the start of the run to a Time.
func At(d time.Duration) Time { return Time(d) }

// Add returns t+d, saturating at Never.
func (t Time) Add(d time.Duration) Time {
	s := t + Time(d)
	if d > 0 && s < t {
		return Never
	}
	return s
}

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as a duration since the start of the run.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Seconds returns t in seconds.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t as a duration, e.g. "1.5s".
func (t Time) String() string {
	if t == Never {
		return "never"
	}
	return time.Duration(t).String()
}
