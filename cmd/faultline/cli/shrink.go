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

	stats                       string // for the text form only
	originalCount, minimalCount int
}

// runShrink runs a failing seed (with nemesis=true unless --faults or
// --set nemesis=... say otherwise), takes the fault schedule it ran and
// minimises it. Exit 0 when a minimal schedule was found and written; 2
// for bad input, including a seed that does not fail (nothing to shrink)
// and a scenario that cannot take a schedule; 1 if the file cannot be
// written.
func (a *App) runShrink(args []string, stdout, stderr io.Writer) (int, error) {
	fs := a.newFlags("shrink", "shrink SCENARIO --seed N [--set key=value ...] [--out FILE] [--max-runs N] [--reseed N] [--explore N] [--format text|json]", stdout)
	var rf runFlags
	seedStr := fs.String("seed", "", "the failing seed to shrink (required)")
	out := fs.String("out", "", "write the minimal schedule to FILE (default SCENARIO-seedN.faults)")
	maxRuns := fs.Int("max-runs", 1000, "most runs the shrink may use")
	reseed := fs.Int("reseed", 0, "when more than one fault is left, try this many other world seeds with fewer faults (the replay then names the new seed)")
	explore := fs.Int("explore", 0, "when more than one fault is left, spend up to this many runs exploring for the same failure from fewer faults, under any world seed (the replay then names it)")
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
	if err := checkShrinkCounts(*maxRuns, *reseed, *explore); err != nil {
		return exitUsage, err
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	rf.set = withNemesis(rf)
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
	sh, err := scenarios.ShrinkRun(sc, vals, seed, opts, scenarios.ShrinkOptions{MaxRuns: *maxRuns, Reseed: *reseed, Explore: *explore})
	if err != nil {
		if errors.Is(err, scenarios.ErrNondeterministic) {
			return exitFail, err
		}
		if errors.Is(err, scenarios.ErrNotFailing) {
			return exitUsage, usagef("%v (find a failing seed with '%s sweep %s --seeds 0-99 --set nemesis=true')", err, a.Name, sc.Name)
		}
		return exitUsage, usagef("%v", err)
	}
	text := fmt.Sprintf("# minimal fault schedule: %s seed %d fails %s\n# shrunk from %d faults in %s\n%s",
		sc.Name, sh.Seed, sh.How, sh.Original.Count(), sh.Stats, sh.Minimal)
	if err := outfile.Write(path, []byte(text)); err != nil {
		return exitFail, fmt.Errorf("--out: %w", err)
	}
	res := sh.Result
	ro := opts
	if !takesFaultsParam(sc) {
		ro.Faults, ro.Schedule, ro.FaultsFile = "", sh.Minimal, path
	}
	if err := rp.rerun(stderr, a.Name+" shrink", sc, sh.Values, sh.Seed, ro, res.TraceHash); err != nil {
		return exitFail, err
	}
	return exitOK, writeShrink(stdout, *format, newShrinkJSON(sc, seed, sh, opts, path))
}

// withNemesis returns the --set values with nemesis=true unless told
// otherwise: shrink the nemesis's schedule, unless the user gave a
// schedule with --faults or set nemesis explicitly.
func withNemesis(rf runFlags) []string {
	if rf.faults == "" && !slices.ContainsFunc(rf.set, func(s string) bool {
		k, _, err := scenarios.ParseSet(s)
		return err == nil && k == "nemesis"
	}) {
		return append(rf.set, "nemesis=true")
	}
	return rf.set
}

func checkShrinkCounts(maxRuns, reseed, explore int) error {
	if maxRuns <= 0 {
		return usagef("--max-runs %d: want a count > 0", maxRuns)
	}
	if reseed < 0 {
		return usagef("--reseed %d: want a count ≥ 0", reseed)
	}
	if explore < 0 {
		return usagef("--explore %d: want a count of runs ≥ 0", explore)
	}
	return nil
}

// newShrinkJSON is the shrink's report, as its JSON output gives it.
func newShrinkJSON(sc *scenarios.Scenario, seed uint64, sh *scenarios.Shrunk, opts scenarios.Options, path string) shrinkJSON {
	j := shrinkJSON{
		Scenario: sc.Name, Seed: seed, Fails: sh.How,
		Original: nonNil(sh.Original.Lines()), Minimal: nonNil(sh.Minimal.Lines()),
		Runs: sh.Stats.Runs, Exhausted: sh.Stats.Exhausted, Out: path,
		Replay:    opts.ReplayCommand(sc, sh.Values, sh.Seed) + " --faults " + quoteArg(path),
		TraceHash: sh.Result.TraceHash,
		stats:     sh.Stats.String(), originalCount: sh.Original.Count(), minimalCount: sh.Minimal.Count(),
	}
	for _, c := range sh.Result.Checks {
		if c.Name == sh.How {
			j.CheckDetail = c.Detail
			break
		}
	}
	return j
}

// writeShrink prints the report as text or indented JSON.
func writeShrink(w io.Writer, format string, j shrinkJSON) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(j)
	}
	fmt.Fprintf(w, "scenario    %s\nseed        %d\nfails       %s", j.Scenario, j.Seed, j.Fails)
	if j.CheckDetail != "" {
		fmt.Fprintf(w, ": %s", j.CheckDetail)
	}
	fmt.Fprintf(w, "\nshrunk      %d faults to %d (%s)\n", j.originalCount, j.minimalCount, j.stats)
	fmt.Fprintln(w, "minimal schedule:")
	if len(j.Minimal) == 0 {
		fmt.Fprintln(w, "  (none: the run fails without faults)")
	}
	for _, l := range j.Minimal {
		fmt.Fprintf(w, "  %s\n", l)
	}
	_, err := fmt.Fprintf(w, "written to  %s\nreplay      %s\n", j.Out, j.Replay)
	return err
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
