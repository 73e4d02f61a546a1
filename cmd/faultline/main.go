// Command faultline runs deterministic simulations of distributed systems:
// single runs, seed sweeps and comparisons of resilience configurations.
package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	_ "github.com/faultline/faultline/scenarios/catalog" // register the scenarios
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // a check failed, a limit was hit, or code panicked
	exitUsage = 2 // bad usage or bad input
)

// usageError is bad input: exit 2 with a one-line message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) (int, error)
}

// commands maps subcommand names to their implementation. Each lives in
// its own file and registers itself in init.
var commands = map[string]*command{}

func main() {
	// Simulations allocate many short-lived objects; a larger heap target
	// trades memory for less GC, which matters most when sweep workers
	// share the cores with the collector. GOGC still overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		// No command is bad usage: a script that forgets one must not pass.
		fmt.Fprintf(stderr, "faultline: want a command (accepted: %s; see 'faultline --help')\n", strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return exitOK
	case "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "faultline: unknown command %q (accepted: %s)\n", args[0], strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
		return exitUsage
	}
	code, err := cmd.run(args[1:], stdout, stderr)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "faultline %s: %s\n", args[0], oneLine(ue.msg))
			return exitUsage
		}
		fmt.Fprintf(stderr, "faultline %s: %s\n", args[0], oneLine(err.Error()))
		if code == exitOK {
			code = exitFail
		}
	}
	return code
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "faultline: a deterministic simulator of distributed systems under faults")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: faultline COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'faultline COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 every check held; 1 a check failed or a run hit a limit; 2 bad usage or input.")
}

// newFlags returns a flag set for a subcommand. Parse errors come back as
// usage errors; --help prints usage and returns pflag.ErrHelp.
func newFlags(name, synopsis string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by run
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: faultline %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.SortFlags = false
	return fs
}

// parse parses args with fs, converting errors to usage errors.
func parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // pflag has printed the usage already
		}
		return usagef("%v (see 'faultline %s --help')", err, fs.Name())
	}
	return rejectEmpty(fs)
}

// scenarioArg returns the one scenario name a command takes as its only
// argument.
func scenarioArg(fs *pflag.FlagSet) (string, error) {
	if fs.NArg() != 1 {
		return "", usagef("want exactly one scenario name (see 'faultline list')")
	}
	return fs.Arg(0), nil
}

// oneOf checks the value of flag against the values it accepts.
func oneOf(flag, value string, accepted ...string) error {
	if !slices.Contains(accepted, value) {
		return usagef("--%s %q: accepted: %s", flag, value, strings.Join(accepted, ", "))
	}
	return nil
}
