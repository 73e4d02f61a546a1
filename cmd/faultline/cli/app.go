// Package cli is faultline's command line as a library: run, list,
// sweep, compare, shrink, merge, bench and version over any catalogue of
// scenarios. cmd/faultline is a few lines over it with the built-in
// scenarios; a user's own binary is the same few lines over theirs:
//
//	func main() {
//		cli.Main(cli.App{Name: "mybin", Scenarios: []*scenarios.Scenario{myproto.Scenario}})
//	}
package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/internal/oneline"
	"github.com/faultline/faultline/scenarios"
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

// App is a command-line program over a catalogue of scenarios. The zero
// value of every field but Scenarios is usable.
type App struct {
	// Name is the program's name in usage texts, messages and replay
	// lines. Empty: the base name of os.Args[0] in Main, "faultline" in Run.
	Name string
	// Scenarios are the scenarios the program offers, e.g.
	// append(catalog.All(), myproto.Scenario). Two with one name, or one
	// with a default its own parameter refuses, is an error at start-up
	// of any command but version and help.
	Scenarios []*scenarios.Scenario
	// Summary is the first line of the usage text.
	Summary string

	catalog *scenarios.Catalog
}

// command is one subcommand.
type command struct {
	summary string
	run     func(a *App, args []string, stdout, stderr io.Writer) (int, error)
	// noCatalog: the command never reads the scenarios, so the catalogue
	// is not checked before it runs.
	noCatalog bool
}

// commands maps subcommand names to their implementation. Each lives in
// its own file and adds itself in init: the set of commands is fixed; the
// scenarios are the App's.
var commands = map[string]*command{}

// Main runs the program with the process's arguments and exits with its
// status: 0 when every check held, 1 when a check failed or a run hit a
// limit, 2 for bad usage or input.
func Main(a App) {
	// Simulations allocate many short-lived objects; a larger heap target
	// trades memory for less GC, which matters most when sweep workers
	// share the cores with the collector. GOGC still overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if a.Name == "" {
		a.Name = filepath.Base(os.Args[0])
	}
	os.Exit(a.Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Run runs the program with args (without the program name) and returns
// its exit status. It never calls os.Exit.
func (a App) Run(args []string, stdout, stderr io.Writer) int {
	if a.Name == "" {
		a.Name = scenarios.DefaultProgram
	}
	if a.Summary == "" {
		a.Summary = "a deterministic simulator of distributed systems under faults"
	}
	if needsCatalog(args) {
		c, err := scenarios.NewCatalog(a.Scenarios...)
		if err != nil {
			fmt.Fprintf(stderr, "%s: bad scenario catalogue: %s\n", a.Name, oneline.Join(err.Error()))
			return exitUsage
		}
		a.catalog = c
	}
	return a.run(args, stdout, stderr)
}

// needsCatalog reports whether the command in args reads the scenarios.
// Checking the catalogue resolves every scenario's defaults, a tenth of
// the start-up's CPU; version and the usage text skip it.
func needsCatalog(args []string) bool {
	if len(args) == 0 {
		return true
	}
	switch args[0] {
	case "-h", "--help", "help":
		return false
	case "--version":
		return false
	}
	cmd, ok := commands[args[0]]
	return !ok || !cmd.noCatalog
}

func (a *App) run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		// No command is bad usage: a script that forgets one must not pass.
		fmt.Fprintf(stderr, "%s: want a command (accepted: %s; see '%s --help')\n", a.Name, strings.Join(slices.Sorted(maps.Keys(commands)), ", "), a.Name)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		a.usage(stdout)
		return exitOK
	case "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	if args[0] == workerCommand { // hidden: the worker process of sweep --isolate
		code, err := a.runWorker(args[1:], stdout, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "%s %s: %s\n", a.Name, args[0], oneline.Join(err.Error()))
		}
		return code
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q (accepted: %s)\n", a.Name, args[0], strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
		return exitUsage
	}
	code, err := cmd.run(a, args[1:], stdout, stderr)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "%s %s: %s\n", a.Name, args[0], oneline.Join(ue.msg))
			return exitUsage
		}
		fmt.Fprintf(stderr, "%s %s: %s\n", a.Name, args[0], oneline.Join(err.Error()))
		if code == exitOK {
			code = exitFail
		}
	}
	return code
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintf(w, "%s: %s\n", a.Name, a.Summary)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Usage: %s COMMAND [flags]\n", a.Name)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Run '%s COMMAND --help' for a command's flags.\n", a.Name)
	fmt.Fprintln(w, "Exit status: 0 every check held; 1 a check failed or a run hit a limit; 2 bad usage or input.")
}

// newFlags returns a flag set for a subcommand. Parse errors come back as
// usage errors; --help prints usage and returns pflag.ErrHelp.
func (a *App) newFlags(name, synopsis string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by run
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s %s\n\nFlags:\n", a.Name, synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.SortFlags = false
	return fs
}

// parse parses args with fs, converting errors to usage errors.
func (a *App) parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // pflag has printed the usage already
		}
		return usagef("%v (see '%s %s --help')", err, a.Name, fs.Name())
	}
	return rejectEmpty(fs)
}

// scenarioArg returns the one scenario name a command takes as its only
// argument.
func (a *App) scenarioArg(fs *pflag.FlagSet) (string, error) {
	if fs.NArg() != 1 {
		return "", usagef("want exactly one scenario name (see '%s list')", a.Name)
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
