package cli

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/scenarios/outfile"
)

// rejectEmpty returns a usage error for a text flag given explicitly with
// an empty value (--out ”): left alone, it would silently mean the
// flag's default.
func rejectEmpty(fs *pflag.FlagSet) error {
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if err == nil && f.Value.Type() == "string" && f.Value.String() == "" {
			err = usagef("--%s \"\": want a non-empty value (%s)", f.Name, f.Usage)
		}
	})
	return err
}

// checkOutPath checks, before any work is done, that an output file can be
// written at path: its directory exists and takes new files, and path is
// not a directory. Otherwise a long run would end in a write error.
// A device or a named pipe is written through (see outfile).
func checkOutPath(flag, path string) error {
	if outfile.InPlace(path) {
		// A device or a pipe is written through when the time comes;
		// opening it now could block, or end what reads a pipe.
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("--%s %s: is a directory (want a file name)", flag, path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return usagef("--%s %s: directory %s does not exist (want a file in an existing directory)", flag, path, dir)
	case err != nil:
		return usagef("--%s %s: %v", flag, path, oneline.Cause(err))
	case !st.IsDir():
		return usagef("--%s %s: %s is not a directory (want a file in an existing directory)", flag, path, dir)
	}
	f, err := outfile.Create(path)
	if err != nil {
		return usagef("--%s %s: cannot create files in %s: %v", flag, path, dir, oneline.Cause(err))
	}
	f.Abort()
	return nil
}

// makeDir makes sure path is a directory, creating it (and its parents)
// if it does not exist.
func makeDir(flag, path string) error {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return usagef("--%s %s: not a directory (want a directory, created if missing)", flag, path)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return usagef("--%s %s: %v (want a directory, created if missing)", flag, path, oneline.Cause(err))
	}
	return nil
}
