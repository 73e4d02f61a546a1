package linearizability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/checks"
)

// FileOptions are the settings of checking one history file, as a command
// line would take them.
type FileOptions struct {
	// Path is the JSON Lines history; see [ParseHistory].
	Path string
	// Model is one of [ModelNames].
	Model string
	// Check is passed to [CheckHistory].
	Check Options

	_ struct{}
}

// FileReport is the outcome of checking a history file, in the shape a
// command prints: JSON {history, model, outcome, detail, artifact}.
type FileReport struct {
	History  string         `json:"history"`
	Model    string         `json:"model"`
	Outcome  checks.Outcome `json:"outcome"`
	Detail   string         `json:"detail"`
	Artifact string         `json:"artifact,omitempty"`
	Elapsed  time.Duration  `json:"-"` // wall clock: kept out of the output, which must not vary
}

// InputError is bad input: the model name, a limit, the file or a line of
// it. Flag names the setting at fault as a command's flag ("model",
// "timeout"), or is "" for the history file, whose errors name the file and
// the line.
type InputError struct {
	Flag string
	Err  error
}

// Error renders "--model: unknown model ..." or "h.jsonl: line 3: ...".
func (e *InputError) Error() string {
	if e.Flag == "" {
		return e.Err.Error()
	}
	return "--" + e.Flag + ": " + e.Err.Error()
}
func (e *InputError) Unwrap() error { return e.Err }

// CheckFile checks the history at o.Path against o.Model. An *InputError
// means bad input (exit status 2 for a command); otherwise the report's
// Outcome is OK (exit 0), Fail or Unknown (exit 1).
func CheckFile(o FileOptions) (FileReport, error) {
	rep := FileReport{History: o.Path, Model: o.Model}
	if _, err := lookupModel(o.Model); err != nil {
		return rep, &InputError{Flag: "model", Err: err}
	}
	if o.Check.Timeout < 0 {
		return rep, &InputError{Flag: "timeout", Err: fmt.Errorf("%v is negative (accepted: a duration >= 0; 0 means no limit)", o.Check.Timeout)}
	}
	start := time.Now()
	r, err := CheckHistoryFile(o.Path, o.Model, o.Check)
	rep.Elapsed = time.Since(start)
	if err != nil {
		return rep, &InputError{Err: err}
	}
	rep.Outcome, rep.Detail, rep.Artifact = r.Outcome, r.Detail, r.Artifact
	return rep, nil
}

// JSON renders the report as one line of JSON, with no HTML escaping
// (a detail's "->" stays readable).
func (r FileReport) JSON() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r) // a FileReport always encodes
	return b.Bytes()
}

// ExitCode is 0 for OK and 1 for Fail or Unknown: Unknown never passes.
func (r FileReport) ExitCode() int {
	if r.Outcome == checks.OK {
		return 0
	}
	return 1
}

// Text renders the report on one line: "HISTORY: model M: OUTCOME: DETAIL".
func (r FileReport) Text() string {
	s := fmt.Sprintf("%s: %s: %s", r.History, r.Outcome, r.Detail)
	if r.Artifact != "" && !strings.Contains(r.Detail, r.Artifact) {
		s += " (see " + r.Artifact + ")"
	}
	return s
}

// ModelsHelp lists the models one per line, for a command's help.
func ModelsHelp() string {
	var b strings.Builder
	for _, m := range Models() {
		fmt.Fprintf(&b, "  %-9s %s\n", m.Name, m.Help)
	}
	return b.String()
}

// IsInputError reports whether err is bad input rather than a failed check.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
