package cli

import (
	"io"
	"time"

	"github.com/faultline/faultline/checks/linearizability"
)

func init() {
	commands["check"] = &command{summary: "check a recorded history (JSON Lines) for linearizability against a model", run: (*App).runCheck}
}

// runCheck checks a user's own history file. Exit 0 when it is
// linearizable, 1 when it is not or the check could not decide
// (unknown never passes), 2 for bad input, with the line that is wrong.
func (a *App) runCheck(args []string, stdout, _ io.Writer) (int, error) {
	fs := a.newFlags("check", "check HISTORY.jsonl --model register|kv|set|queue|mutex [--timeout D] [--explain-timeout D] [--visualize DIR] [--format text|json]\n\nModels:\n"+linearizability.ModelsHelp(), stdout)
	model := fs.String("model", "", "the model the history must be linearizable against (required)")
	timeout := fs.Duration("timeout", 10*time.Second, "wall-clock limit of the check; hitting it is 'unknown' (0: none)")
	explain := fs.Duration("explain-timeout", linearizability.DefaultExplainTimeout, "wall-clock limit of explaining a proven failure (negative: none)")
	visualize := fs.String("visualize", "", "write porcupine's HTML visualization of a failure into DIR")
	format := fs.String("format", "text", "output format: text or json")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() != 1 {
		return exitUsage, usagef("want exactly one history file (JSON Lines; see docs/checks.md)")
	}
	if *model == "" {
		return exitUsage, usagef("--model is required (accepted: %s)", modelNames())
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	if *visualize != "" {
		if err := makeDir("visualize", *visualize); err != nil {
			return exitUsage, err
		}
	}
	rep, err := linearizability.CheckFile(linearizability.FileOptions{
		Path: fs.Arg(0), Model: *model,
		Check: linearizability.Options{Timeout: *timeout, ExplainTimeout: *explain, VisualizeDir: *visualize},
	})
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	if *format == "json" {
		_, err = stdout.Write(rep.JSON())
	} else {
		_, err = io.WriteString(stdout, rep.Text()+"\n")
	}
	return rep.ExitCode(), err
}

func modelNames() string {
	var out string
	for i, m := range linearizability.Models() {
		if i > 0 {
			out += ", "
		}
		out += m.Name
	}
	return out
}
