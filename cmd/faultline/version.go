package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release of faultline.
const version = "0.1.0"

func init() {
	commands["version"] = &command{summary: "print the version", run: runVersion}
}

func runVersion(args []string, stdout, _ io.Writer) (int, error) {
	fs := newFlags("version", "version", stdout)
	if err := parse(fs, args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() > 0 {
		return exitUsage, usagef("unexpected argument %q", fs.Arg(0))
	}
	rev := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "faultline %s (commit %s, %s)\n", version, rev, runtime.Version())
	return exitOK, nil
}
