package linearizability

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// HistoryOp is one operation of a user's history, as read from one line of
// a JSON Lines file by [ParseHistory]. Which ops and fields a model accepts
// is listed in [Models].
type HistoryOp struct {
	// Line is the operation's line in its file, from 1 (0 when built in Go).
	Line int
	// Client is the process that issued the operation.
	Client int
	// Op is the operation's name: read, write, cas, get, put, append, add,
	// remove, enqueue, dequeue, acquire, release.
	Op string
	// Key is the object operated on (a key, a set, a queue, a lock). Each
	// key is checked on its own. "" is a key like any other.
	Key string
	// Value is the value written, appended, added, removed or enqueued, or
	// the new value of a cas.
	Value string
	// Expect is the value a cas expects to find.
	Expect string
	// Output is the value a read, get or dequeue returned; OutputNull marks
	// a dequeue that found the queue empty (JSON null).
	Output     string
	OutputNull bool
	// Values is what a set read returned: non-nil, even for an empty set.
	Values []string
	// HasOutput reports whether the line had an "output" field.
	HasOutput bool
	// OK is false for an operation that definitely failed and took no
	// effect (it is dropped), or for a cas whose comparison failed.
	OK bool
	// Call and Return are the times the client issued the operation and
	// learned its outcome, in any unit as long as all lines use the same.
	Call, Return int64
	// Pending marks an operation whose outcome the client never learned:
	// the line had no "return". It may or may not have taken effect.
	Pending bool
}

// maxLineBytes bounds one line of a history file.
const maxLineBytes = 1 << 20

// jsonOp is the wire form of one line. Pointers tell absent from zero.
type jsonOp struct {
	Client *int            `json:"client"`
	Op     *string         `json:"op"`
	Key    json.RawMessage `json:"key"`
	Value  json.RawMessage `json:"value"`
	Expect json.RawMessage `json:"expect"`
	Output json.RawMessage `json:"output"`
	OK     *bool           `json:"ok"`
	Call   *int64          `json:"call"`
	Return *int64          `json:"return"`
}

// LineError is a problem with one line of a history.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ParseHistory reads a history in JSON Lines: one operation per line, as a
// JSON object with the fields
//
//	client  integer   the process that issued it (default 0)
//	op      string    the operation, e.g. "write" (required)
//	key     scalar    the object operated on (default "")
//	value   scalar    the value written, added, enqueued; a cas's new value
//	expect  scalar    the value a cas expects
//	output  scalar, array or null  what a read, get or dequeue returned
//	ok      boolean   false: failed without effect, or a cas that did not swap (default true)
//	call    integer   when it was issued (required)
//	return  integer   when its outcome was known; absent or null: pending
//
// A scalar is a string or a number (kept as written). Blank lines are
// skipped. Unknown fields, a return before its call, and lines that are not
// one JSON object (a truncated last line, say) are errors that name the line.
func ParseHistory(r io.Reader) ([]HistoryOp, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineBytes)
	var ops []HistoryOp
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		op, err := parseLine(b)
		if err != nil {
			return nil, &LineError{Line: line, Err: err}
		}
		op.Line = line
		ops = append(ops, op)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{Line: line + 1, Err: fmt.Errorf("longer than %d bytes", maxLineBytes)}
		}
		return nil, fmt.Errorf("after line %d: %w", line, err)
	}
	return ops, nil
}

// ReadHistoryFile parses the history in the file at path.
func ReadHistoryFile(path string) ([]HistoryOp, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ops, err := ParseHistory(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ops, nil
}

func parseLine(b []byte) (HistoryOp, error) {
	var j jsonOp
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return HistoryOp{}, describeJSONError(err)
	}
	if dec.More() {
		return HistoryOp{}, errors.New("more than one JSON value on the line (want one object per line)")
	}
	op := HistoryOp{OK: true}
	if j.Op == nil || *j.Op == "" {
		return op, errors.New(`missing "op"`)
	}
	op.Op = *j.Op
	if j.Call == nil {
		return op, errors.New(`missing "call"`)
	}
	op.Call = *j.Call
	if j.Return == nil {
		op.Pending = true
	} else {
		op.Return = *j.Return
		if op.Return < op.Call {
			return op, fmt.Errorf("return %d is before call %d", op.Return, op.Call)
		}
	}
	if j.Client != nil {
		op.Client = *j.Client
	}
	if j.OK != nil {
		op.OK = *j.OK
	}
	var err error
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{{"key", j.Key, &op.Key}, {"value", j.Value, &op.Value}, {"expect", j.Expect, &op.Expect}} {
		if *f.dst, err = scalar(f.raw); err != nil {
			return op, fmt.Errorf("%q: %w", f.name, err)
		}
	}
	if len(j.Output) > 0 {
		op.HasOutput = true
		switch {
		case string(j.Output) == "null":
			op.OutputNull = true
		case j.Output[0] == '[':
			var raws []json.RawMessage
			if err := json.Unmarshal(j.Output, &raws); err != nil {
				return op, fmt.Errorf(`"output": %w`, err)
			}
			op.Values = make([]string, len(raws))
			for i, r := range raws {
				if op.Values[i], err = scalar(r); err != nil {
					return op, fmt.Errorf(`"output" element %d: %w`, i, err)
				}
			}
		default:
			if op.Output, err = scalar(j.Output); err != nil {
				return op, fmt.Errorf(`"output": %w`, err)
			}
		}
	}
	return op, nil
}

// scalar reads a JSON string or number as a string; absent is "".
func scalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("want a string or a number, got %s", strconv.Quote(string(raw)))
}

func describeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("truncated: the JSON object does not end on this line")
	case errors.As(err, &se):
		return fmt.Errorf("not a JSON object: %v (at byte %d)", se, se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}
