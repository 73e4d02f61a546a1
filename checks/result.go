package checks

import (
	"fmt"
)

// Outcome is the verdict of a check.
type Outcome int

const (
	// OK means the property holds for the given input.
	OK Outcome = iota
	// Fail means the property is violated; Result.Detail names the culprit.
	Fail
	// Unknown means the checker could not decide, for example because it hit
	// its wall-clock limit or was given invalid input. Unknown is never ok.
	Unknown
)

// String returns "ok", "fail" or "unknown".
func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Fail:
		return "fail"
	case Unknown:
		return "unknown"
	default:
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
}

// MarshalText renders the outcome as its String, so JSON shows "ok", not 0.
func (o Outcome) MarshalText() ([]byte, error) {
	return []byte(o.String()), nil
}

// Result is what every check returns.
type Result struct {
	// Name identifies the check, in snake_case (e.g. "linearizability").
	Name string
	// Outcome is the verdict.
	Outcome Outcome
	// Detail explains the verdict. On failure it names the culprit (key,
	// saga, account, replica, request) and what was expected versus seen.
	Detail string
	// Artifact is the path of a file the check wrote, such as porcupine's
	// HTML visualization of a failing history, or "" when there is none.
	Artifact string
}

// OK reports whether the check passed. An Unknown outcome is not ok.
func (r Result) OK() bool { return r.Outcome == OK }

// String renders the result on one line: "name: outcome: detail".
func (r Result) String() string {
	s := r.Name + ": " + r.Outcome.String()
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	if r.Artifact != "" {
		s += " (see " + r.Artifact + ")"
	}
	return s
}

// Pass returns a passing result with no detail.
func Pass(name string) Result { return Result{Name: name, Outcome: OK} }

// Passf returns a passing result whose detail summarises what was checked.
func Passf(name, format string, args ...any) Result {
	return Result{Name: name, Outcome: OK, Detail: fmt.Sprintf(format, args...)}
}

// Failf returns a failing result with a formatted detail.
func Failf(name, format string, args ...any) Result {
	return Result{Name: name, Outcome: Fail, Detail: fmt.Sprintf(format, args...)}
}

// Unknownf returns an undecided result with a formatted detail saying why.
func Unknownf(name, format string, args ...any) Result {
	return Result{Name: name, Outcome: Unknown, Detail: fmt.Sprintf(format, args...)}
}
