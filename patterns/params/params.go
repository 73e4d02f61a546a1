package params

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Param describes one settable parameter: its key, its default as text, and
// a one-line help.
type Param struct {
	Name    string
	Default string
	Help    string
}

// Error is a bad key or value. Its text names the parameter and what it
// accepts, e.g. `retry.backoff: unknown value "x" (accepted: none, constant)`.
type Error struct {
	Param  string // the key, with its prefix once WithPrefix has been applied
	Reason string // what was wrong and what is accepted
}

func (e *Error) Error() string { return e.Param + ": " + e.Reason }

// Errorf builds an *Error for param.
func Errorf(param, format string, args ...any) error {
	return &Error{Param: param, Reason: fmt.Sprintf(format, args...)}
}

// WithPrefix returns err with prefix put before the parameter name when err
// is an *Error; other errors are wrapped with the prefix as context.
func WithPrefix(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return &Error{Param: prefix + pe.Param, Reason: pe.Reason}
	}
	return fmt.Errorf("%s: %w", strings.TrimSuffix(prefix, "."), err)
}

// Prefixed returns a copy of ps with prefix put before each name.
func Prefixed(prefix string, ps []Param) []Param {
	out := make([]Param, len(ps))
	for i, p := range ps {
		p.Name = prefix + p.Name
		out[i] = p
	}
	return out
}

// UnknownKey is the error for a key that is not among ps.
func UnknownKey(key string, ps []Param) error {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return Errorf(key, "unknown parameter (accepted: %s)", strings.Join(names, ", "))
}

// Duration parses a non-negative duration such as "100ms".
func Duration(name, value string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil {
		return 0, Errorf(name, "bad duration %q (accepted: a duration >= 0 such as 100ms, 2s)", value)
	}
	if d < 0 {
		return 0, Errorf(name, "negative duration %q (accepted: a duration >= 0 such as 100ms, 2s)", value)
	}
	return d, nil
}

// PositiveDuration parses a duration > 0. It is for fields whose zero means
// "the default": accepting 0 there would quietly run with another value.
func PositiveDuration(name, value string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil || d <= 0 {
		return 0, Errorf(name, "bad duration %q (accepted: a duration > 0 such as 100ms, 2s)", value)
	}
	return d, nil
}

// Count parses an integer >= 0.
func Count(name, value string) (int, error) {
	return IntRange(name, value, 0, math.MaxInt32)
}

// IntRange parses an integer in [lo, hi].
func IntRange(name, value string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < lo || n > hi {
		return 0, Errorf(name, "bad value %q (accepted: an integer in [%d, %d])", value, lo, hi)
	}
	return n, nil
}

// Probability parses a float in [0, 1].
func Probability(name, value string) (float64, error) {
	return FloatRange(name, value, 0, 1)
}

// FloatRange parses a finite float in [lo, hi].
func FloatRange(name, value string, lo, hi float64) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		return 0, Errorf(name, "bad value %q (accepted: a number in [%g, %g])", value, lo, hi)
	}
	return f, nil
}

// Bool parses a boolean as strconv.ParseBool does.
func Bool(name, value string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(value))
	if err != nil {
		return false, Errorf(name, "bad value %q (accepted: true, false)", value)
	}
	return b, nil
}

// Enum checks that value is one of accepted.
func Enum(name, value string, accepted []string) (string, error) {
	for _, a := range accepted {
		if value == a {
			return value, nil
		}
	}
	return "", Errorf(name, "unknown value %q (accepted: %s)", value, strings.Join(accepted, ", "))
}

// List splits a comma-separated list of enum values, each checked against
// accepted. The empty string is the empty list.
func List(name, value string, accepted []string) ([]string, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var out []string
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		if _, err := Enum(name, v, accepted); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FormatFloat prints a float for a Param default.
func FormatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
