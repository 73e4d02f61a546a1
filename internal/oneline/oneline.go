// Package oneline shapes text for one-line messages: error lines, status
// details and crash causes, as the CLI and the runner print them.
package oneline

import (
	"errors"
	iofs "io/fs"
	"strings"
	"unicode/utf8"
)

// Join puts s on one line: it trims s and joins its lines with "; ".
func Join(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// Clip shortens s to at most n bytes, at a rune boundary, and marks the
// cut with " …".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + " …"
}

// Cause strips the operation and path from a file error, for messages
// that name the path once, with the flag that gave it.
func Cause(err error) error {
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
