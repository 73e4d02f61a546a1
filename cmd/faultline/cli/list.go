package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/faultline/faultline/scenarios"
)

func init() {
	commands["list"] = &command{summary: "list the scenarios and their parameters", run: (*App).runList}
}

type listParam struct {
	Name    string `json:"name"`
	Default string `json:"default"`
	Help    string `json:"help"`
}

type listEntry struct {
	Name        string      `json:"name"`
	Summary     string      `json:"summary"`
	Description string      `json:"description"`
	Nodes       string      `json:"nodes,omitempty"`
	Params      []listParam `json:"params"`
}

func (a *App) runList(args []string, stdout, _ io.Writer) (int, error) {
	fs := a.newFlags("list", "list [--format text|json] [SCENARIO]", stdout)
	format := fs.String("format", "text", "output format: text or json")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	all := a.catalog.All()
	if fs.NArg() > 1 {
		return exitUsage, usagef("want at most one scenario name")
	}
	if fs.NArg() == 1 {
		s, err := a.catalog.Lookup(fs.Arg(0))
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		all = []*scenarios.Scenario{s}
	}
	entries := make([]listEntry, 0, len(all))
	for _, s := range all {
		e := listEntry{Name: s.Name, Summary: s.Summary, Description: s.Description, Nodes: s.Nodes, Params: []listParam{}}
		for _, p := range s.AllParams() {
			e.Params = append(e.Params, listParam{Name: p.Name, Default: p.Default, Help: p.Help})
		}
		entries = append(entries, e)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitOK, enc.Encode(entries)
	}
	for i, e := range entries {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s: %s\n", e.Name, e.Summary)
		if fs.NArg() == 1 {
			fmt.Fprintf(stdout, "\n%s\n\n", e.Description)
			if e.Nodes != "" {
				fmt.Fprintf(stdout, "nodes: %s\n\n", e.Nodes)
			}
		}
		for _, p := range e.Params {
			fmt.Fprintf(stdout, "  %-28s %-12s %s\n", p.Name, "="+p.Default, p.Help)
		}
	}
	return exitOK, nil
}
