package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
)

func init() {
	commands["shrink"] = &command{summary: "minimise the fault schedule of a failing seed", run: (*App).runShrink}
}

// shrinkJSON is the --format json output of shrink.
type shrinkJSON struct {
	Scenario    string   `json:"scenario"`
	Seed        uint64   `json:"seed"`
	Fails       string   `json:"fails"`
	Original    []string `json:"original"`
	Minimal     []string `json:"minimal"`
	Runs        int      `json:"runs"`
	Exhausted   bool     `json:"exhausted"`
	Out         string   `json:"out"`
	Replay      string   `json:"replay"`
	TraceHash   string   `json:"trace_hash"`
	CheckDetail string   `json:"check_detail,omitempty"`
}

// runShrink runs a failing seed (with nemesis=true unless --faults or
// --set nemesis=... say otherwise), takes the fault schedule it ran and
// minimises it. Exit 0 when a minimal schedule was found and written; 2
// for bad input, including a seed that does not fail (nothing to shrink)
// and a scenario that cannot take a schedule; 1 if the file cannot be
// written.
func (a *App) runShrink(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("shrink", "shrink SCENARIO --seed N [--set key=value ...] [--out FILE] [--max-runs N] [--format text|json]", stdout)
	var rf runFlags
	seedStr := fs.String("seed", "", "the failing seed to shrink (required)")
	out := fs.String("out", "", "write the minimal schedule to FILE (default SCENARIO-seedN.faults)")
	maxRuns := fs.Int("max-runs", 500, "most runs the shrink may use")
	format := fs.String("format", "text", "output format: text or json")
	rp := addReportFlag(fs, "the run with the minimal schedule")
	a.addRunFlags(fs, &rf)
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if _, err := a.scenarioArg(fs); err != nil {
		return exitUsage, err
	}
	if *seedStr == "" {
		return exitUsage, usagef("--seed is required: the failing seed to shrink")
	}
	seed, err := scenarios.ParseSeed(*seedStr)
	if err != nil {
		return exitUsage, usagef("--seed: %v", err)
	}
	if *maxRuns <= 0 {
		return exitUsage, usagef("--max-runs %d: want a count > 0", *maxRuns)
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	// Shrink the nemesis's schedule unless told otherwise: the user gave
	// a schedule with --faults, or set nemesis explicitly.
	if rf.faults == "" && !slices.ContainsFunc(rf.set, func(s string) bool {
		k, _, err := scenarios.ParseSet(s)
		return err == nil && k == "nemesis"
	}) {
		rf.set = append(rf.set, "nemesis=true")
	}
	sc, vals, opts, err := rf.prepare(fs.Arg(0))
	if err != nil {
		return exitUsage, err
	}
	defer softMemoryLimit(rf.maxMemory)()
	path := *out
	if path == "" {
		path = fmt.Sprintf("%s-seed%d.faults", sc.Name, seed)
	}
	if err := checkOutPath("out", path); err != nil {
		return exitUsage, err
	}
	if err := rp.check(); err != nil {
		return exitUsage, err
	}
	sh, err := scenarios.ShrinkRun(sc, vals, seed, opts, scenarios.ShrinkOptions{MaxRuns: *maxRuns})
	if err != nil {
		if errors.Is(err, scenarios.ErrNotFailing) {
			return exitUsage, usagef("%v (find a failing seed with '%s sweep %s --seeds 0-99 --set nemesis=true')", err, a.Name, sc.Name)
		}
		return exitUsage, usagef("%v", err)
	}
	text := fmt.Sprintf("# minimal fault schedule: %s seed %d fails %s\n# shrunk from %d faults in %s\n%s",
		sc.Name, seed, sh.How, sh.Original.Count(), sh.Stats, sh.Minimal)
	if err := outfile.Write(path, []byte(text)); err != nil {
		return exitFail, fmt.Errorf("--out: %w", err)
	}
	res := sh.Result
	ro := opts
	if !takesFaultsParam(sc) {
		ro.Faults, ro.FaultsFile = sh.Minimal.String(), path
	}
	if err := rp.rerun(stderr, a.Name+" shrink", sc, sh.Values, seed, ro, res.TraceHash); err != nil {
		return exitFail, err
	}
	j := shrinkJSON{
		Scenario: sc.Name, Seed: seed, Fails: sh.How,
		Original: nonNil(sh.Original.Lines()), Minimal: nonNil(sh.Minimal.Lines()),
		Runs: sh.Stats.Runs, Exhausted: sh.Stats.Exhausted, Out: path,
		Replay:    opts.ReplayCommand(sc, sh.Values, seed) + " --faults " + quoteArg(path),
		TraceHash: res.TraceHash,
	}
	for _, c := range res.Checks {
		if c.Name == sh.How {
			j.CheckDetail = c.Detail
			break
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return exitOK, enc.Encode(j)
	}
	fmt.Fprintf(stdout, "scenario    %s\nseed        %d\nfails       %s", sc.Name, seed, sh.How)
	if j.CheckDetail != "" {
		fmt.Fprintf(stdout, ": %s", j.CheckDetail)
	}
	fmt.Fprintf(stdout, "\nshrunk      %d faults to %d (%s)\n", sh.Original.Count(), sh.Minimal.Count(), sh.Stats)
	fmt.Fprintln(stdout, "minimal schedule:")
	if len(sh.Minimal.Faults) == 0 {
		fmt.Fprintln(stdout, "  (none: the run fails without faults)")
	}
	for _, l := range j.Minimal {
		fmt.Fprintf(stdout, "  %s\n", l)
	}
	fmt.Fprintf(stdout, "written to  %s\nreplay      %s\n", path, j.Replay)
	return exitOK, nil
}

// quoteArg single-quotes s for a shell if it holds anything but plain
// path characters.
func quoteArg(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '.' || r == '_' || r == '-' || r == '/' || r == '=' || r == ',' || r == ':' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
