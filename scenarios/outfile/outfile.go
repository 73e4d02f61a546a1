// Package outfile writes output files whole or not at all: data goes to a
// temporary file in the same directory, which is synced and renamed over
// the target only when everything was written.
//
// Two kinds of target are treated differently. A symbolic link is
// followed: the file it points to is replaced, and the link stays. A
// target that exists and is not a regular file (a device such as
// /dev/stdout or /dev/null, a named pipe) is written through, in place:
// it is never replaced, and what was written before an error stays
// written.
package outfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is an output file being written. Call Commit to publish it or
// Abort to discard it; Abort after Commit is a no-op, so defer Abort.
type File struct {
	*os.File
	path    string // as given, for messages
	target  string // the file renamed into place: path with links followed
	done    bool
	through bool // written in place: a device or a pipe
}

// Create starts writing path.
func Create(path string) (*File, error) {
	if InPlace(path) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		return &File{File: f, path: path, through: true}, nil
	}
	target := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real // replace the file a link points to, not the link
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &File{File: f, path: path, target: target}, nil
}

// InPlace reports whether path is written through in place rather than
// replaced: it exists and is neither a regular file nor a directory.
func InPlace(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular() && !st.IsDir()
}

// Commit syncs the data and renames the file into place.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.through {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		return nil
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(f.Name(), f.target); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Abort discards the file unless it was committed.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	if !f.through {
		os.Remove(f.Name())
	}
}

// Write writes data to path whole or not at all.
func Write(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.File.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}
