package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

func init() {
	commands["list"] = &command{summary: "list the scenarios; 'list NAME' shows one's nodes and parameters", run: (*App).runList}
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
	fs := a.newFlags("list", "list [--format text|json] [SCENARIO [--all]]", stdout)
	format := fs.String("format", "text", "output format: text or json (json always lists every parameter)")
	all := fs.Bool("all", false, "with SCENARIO: list each key of the request pipeline, not just its stages")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	if fs.NArg() > 1 {
		return exitUsage, usagef("want at most one scenario name")
	}
	list := a.catalog.All()
	if fs.NArg() == 1 {
		s, err := a.catalog.Lookup(fs.Arg(0))
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		list = []*scenarios.Scenario{s}
	} else if *all {
		return exitUsage, usagef("--all needs a scenario name: '%s list NAME --all'", a.Name)
	}
	if *format == "json" {
		entries := make([]listEntry, 0, len(list))
		for _, s := range list {
			e := listEntry{Name: s.Name, Summary: s.Summary, Description: s.Description, Nodes: s.Nodes, Params: []listParam{}}
			for _, p := range s.AllParams() {
				e.Params = append(e.Params, listParam{Name: p.Name, Default: p.Default, Help: p.Help})
			}
			entries = append(entries, e)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitOK, enc.Encode(entries)
	}
	if fs.NArg() == 0 {
		// One line each, "name: summary": scripts grep for "^name:".
		for _, s := range list {
			fmt.Fprintf(stdout, "%s: %s\n", s.Name, s.Summary)
		}
		return exitOK, nil
	}
	printScenario(stdout, a.Name, list[0], *all)
	return exitOK, nil
}

// printScenario prints one scenario: what it is, its nodes, and its
// parameters in three groups: its own, the request pipeline's (by stage,
// or each key with all), and those every scenario takes.
func printScenario(w io.Writer, program string, s *scenarios.Scenario, all bool) {
	fmt.Fprintf(w, "%s: %s\n\n%s\n", s.Name, s.Summary, s.Description)
	if nodes := nodeRoles(s); nodes != "" {
		fmt.Fprintf(w, "\nnodes (at the defaults): %s\n", nodes)
	}
	keys := pipelineKeys()
	var own, pipe []scenarios.Param
	for _, p := range s.Declared() {
		if slices.Contains(keys, p.Name) {
			pipe = append(pipe, p)
		} else {
			own = append(own, p)
		}
	}
	param := func(p scenarios.Param) {
		fmt.Fprintf(w, "  %-28s %-12s %s\n", p.Name, "="+p.Default, p.Help)
	}
	if len(own) > 0 {
		fmt.Fprintln(w, "\nparameters:")
		for _, p := range own {
			param(p)
		}
	}
	if len(pipe) > 0 {
		if all {
			fmt.Fprintln(w, "\nrequest pipeline parameters (empty keeps the scenario's setting):")
			for _, p := range pipe {
				param(p)
			}
		} else {
			fmt.Fprintf(w, "\nrequest pipeline parameters, by stage (empty keeps the scenario's setting; '%s list %s --all' describes each):\n", program, s.Name)
			for _, g := range groupByStage(pipe) {
				fmt.Fprintf(w, "  %-28s %s\n", g.stage+".*", strings.Join(g.keys, ", "))
			}
		}
	}
	fmt.Fprintln(w, "\nparameters of every scenario:")
	declared := s.Declared()
	for _, p := range s.AllParams() {
		if !slices.ContainsFunc(declared, func(q scenarios.Param) bool { return q.Name == p.Name }) {
			param(p)
		}
	}
}

// pipelineKeys are the keys of the request pipeline's stages.
func pipelineKeys() []string {
	var c pipeline.Config
	var out []string
	for _, p := range c.Params() {
		out = append(out, p.Name)
	}
	return out
}

type stageKeys struct {
	stage string
	keys  []string
}

// groupByStage groups pipeline parameters by the stage before the dot,
// in order.
func groupByStage(ps []scenarios.Param) []stageKeys {
	var out []stageKeys
	for _, p := range ps {
		stage, key, _ := strings.Cut(p.Name, ".")
		if len(out) == 0 || out[len(out)-1].stage != stage {
			out = append(out, stageKeys{stage: stage})
		}
		out[len(out)-1].keys = append(out[len(out)-1].keys, key)
	}
	return out
}

// nodeRoles names the nodes a scenario builds at its defaults, e.g.
// "n1-n3 server, n4-n6 client", from a run cut short after its first
// event. It is empty for a scenario that does not build a cluster.
func nodeRoles(s *scenarios.Scenario) string {
	if s.Nodes != "" {
		return s.Nodes // the scenario names its nodes' roles itself
	}
	v, err := s.Values(nil)
	if err != nil {
		return ""
	}
	res := scenarios.Execute(s, v, 0, scenarios.Options{Limits: sim.Limits{MaxEvents: 1}, Roles: true})
	var parts []string
	for i := 0; i < len(res.Nodes); {
		j := i
		for j+1 < len(res.Nodes) && res.Nodes[j+1] == res.Nodes[i] {
			j++
		}
		ids := fmt.Sprintf("n%d", i+1)
		if j > i {
			ids += fmt.Sprintf("-n%d", j+1)
		}
		parts = append(parts, ids+" "+res.Nodes[i])
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
