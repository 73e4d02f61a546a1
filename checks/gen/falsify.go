package gen

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// recorder is a rapid.TB that records what rapid reports instead of
// failing the test it runs in.
type recorder struct {
	name   string
	log    strings.Builder
	failed bool
}

func (r *recorder) Helper()                    {}
func (r *recorder) Name() string               { return r.name }
func (r *recorder) Logf(f string, args ...any) { fmt.Fprintf(&r.log, f+"\n", args...) }
func (r *recorder) Log(args ...any)            { fmt.Fprintln(&r.log, args...) }
func (r *recorder) Skipf(string, ...any)       {}
func (r *recorder) Skip(...any)                {}
func (r *recorder) SkipNow()                   {}
func (r *recorder) Errorf(f string, args ...any) {
	r.failed = true
	r.Logf(f, args...)
}
func (r *recorder) Error(args ...any) { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(f string, args ...any) {
	r.failed = true
	r.Logf(f, args...)
}
func (r *recorder) Fatal(args ...any) { r.failed = true; r.Log(args...) }
func (r *recorder) FailNow()          { r.failed = true }
func (r *recorder) Fail()             { r.failed = true }
func (r *recorder) Failed() bool      { return r.failed }

// Falsify runs rapid.Check on prop and reports whether rapid found a
// failing case; report is rapid's report of the minimal case, with the
// logs of that case (e.g. DrawSchedule's schedule). The test t does not
// fail either way, and no fail file is written. It is for tests that
// assert a property is broken: a planted bug is found, and shrinks to the
// expected minimal case.
func Falsify(t testing.TB, prop func(*rapid.T)) (report string, found bool) {
	t.Helper()
	if f := flag.Lookup("rapid.nofailfile"); f != nil {
		old := f.Value.String()
		if err := f.Value.Set("true"); err == nil {
			defer f.Value.Set(old)
		}
	}
	r := &recorder{name: t.Name()}
	rapid.Check(r, prop)
	return r.log.String(), r.failed
}
