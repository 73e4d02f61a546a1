package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"time"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/scenarios"
)

// Stream appends results to a JSON Lines file. Each line goes out in one
// write, so a crash leaves at most one torn line, at the end, which the
// next resume drops. The file is synced every SyncEvery.
type Stream struct {
	f        File
	path     string
	lastSync time.Time
	dirty    bool
	closed   bool
	created  bool // the file did not exist before this sweep
}

// SyncEvery is how often a Stream syncs its file.
const SyncEvery = time.Second

// File is what a Stream writes to: an *os.File, or a fake in tests.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// NewStream returns a stream that writes to f.
func NewStream(f File) *Stream { return &Stream{f: f, lastSync: time.Now()} }

// InputError is an error in what the user gave: a file that cannot be
// opened or resumed, or shards that do not make one sweep.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputf(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// OpenOptions configure Open.
type OpenOptions struct {
	// Resume reads the results already in the file, checks that they are
	// of the same scenario and parameters, and cuts a torn last line.
	// Without it, a file that holds results is an error.
	Resume bool
	// Read reads the results to resume; nil means scenarios.ReadResults.
	Read func(io.Reader) ([]*scenarios.Result, int64, error)
}

// Open opens path for appending the results of scenario name with
// params. It returns the results already there when resuming. Errors are
// *InputError; the file is removed again if Open created it.
func Open(path, name string, params map[string]string, o OpenOptions) (*Stream, []*scenarios.Result, error) {
	if o.Read == nil {
		o.Read = scenarios.ReadResults
	}
	_, err := os.Stat(path)
	created := errors.Is(err, iofs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, inputf("--out %s: %v", path, oneline.Cause(err))
	}
	fail := func(err error) (*Stream, []*scenarios.Result, error) {
		f.Close()
		if created {
			os.Remove(path)
		}
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return fail(inputf("--out: %v", err))
	}
	if st.Size() > 0 && !o.Resume {
		return fail(inputf("--out %s already holds results: add --resume to continue that sweep, or remove the file", path))
	}
	var done []*scenarios.Result
	if o.Resume {
		var good int64
		done, good, err = o.Read(f)
		if err != nil {
			return fail(inputf("--resume %s: %v", path, err))
		}
		if why := scenarios.SameRun(done, name, params); why != "" {
			return fail(inputf("--resume %s: not a sweep of %s with these parameters: %s", path, name, why))
		}
		if good < st.Size() {
			if err := f.Truncate(good); err != nil {
				return fail(inputf("--resume %s: dropping a torn last line: %v", path, err))
			}
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return fail(inputf("--out: %v", err))
	}
	return &Stream{f: f, path: path, lastSync: time.Now(), created: created}, done, nil
}

// Write appends r as one line.
func (s *Stream) Write(r *scenarios.Result) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.f.Write(append(b, '\n')); err != nil {
		return err
	}
	s.dirty = true
	if time.Since(s.lastSync) >= SyncEvery {
		s.lastSync, s.dirty = time.Now(), false
		return s.f.Sync()
	}
	return nil
}

// Discard closes the stream and removes its file if Open created it: a
// sweep refused for bad input leaves no file behind.
func (s *Stream) Discard() {
	s.Close()
	if s.created {
		os.Remove(s.path)
	}
}

// Close syncs what is not yet synced and closes the file. It may be
// called more than once.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.dirty {
		err = s.f.Sync()
	}
	return errors.Join(err, s.f.Close())
}

// Marshal encodes v as one line of JSON, without escaping HTML.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
