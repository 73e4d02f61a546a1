package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release of faultline.
const version = "0.1.0"

func init() {
	commands["version"] = &command{summary: "print the version", run: (*App).runVersion, noCatalog: true}
}

func (a *App) runVersion(args []string, stdout, _ io.Writer) (int, error) {
	fs := a.newFlags("version", "version", stdout)
	if err := a.parse(fs, args); err != nil {
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
	fmt.Fprintf(stdout, "%s %s (commit %s, %s)\n", a.Name, version, rev, runtime.Version())
	return exitOK, nil
}
