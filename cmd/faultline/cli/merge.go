package cli

import (
	"bytes"
	"fmt"
	"io"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/scenarios/results"
)

func init() {
	commands["merge"] = &command{summary: "join the result streams of sweep shards and summarize them", run: (*App).runMerge}
}

func (a *App) runMerge(args []string, stdout, _ io.Writer) (int, error) {
	fs := a.newFlags("merge", "merge FILE.jsonl ... [--seeds A-B] [--out merged.jsonl] [--format text|json]", stdout)
	seedsStr := fs.String("seeds", "", "the seeds the shards must cover together, A-B or N (default: from the lowest to the highest seed found)")
	outPath := fs.String("out", "", "write the merged results to FILE, one JSON line per seed, in seed order")
	format := fs.String("format", "text", "output format: text or json")
	if err := a.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if fs.NArg() == 0 {
		return exitUsage, usagef("want one or more result files written by '%s sweep --out'", a.Name)
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return exitUsage, err
	}
	var want *scenarios.SeedRange
	if *seedsStr != "" {
		r, err := scenarios.ParseSeedRange(*seedsStr)
		if err != nil {
			return exitUsage, usagef("--%v", err)
		}
		want = &r
	}
	if *outPath != "" {
		if err := checkOutPath("out", *outPath); err != nil {
			return exitUsage, err
		}
	}
	all, r, err := results.Merge(fs.Args(), results.MergeOptions{Seeds: want, Program: a.Name})
	if err != nil {
		return exitUsage, usagef("%v", err)
	}
	sum := scenarios.SummarizeSweep(all[0].Scenario, all[0].Params, r, all)
	if *outPath != "" {
		var buf bytes.Buffer
		for _, res := range all {
			b, err := marshalJSON(res)
			if err != nil {
				return exitFail, err
			}
			buf.Write(append(b, '\n'))
		}
		if err := outfile.Write(*outPath, buf.Bytes()); err != nil {
			return exitFail, fmt.Errorf("--out: %w", err)
		}
	}
	if err := printSweep(stdout, sum, *format); err != nil {
		return exitFail, err
	}
	return sweepStatus(sum), nil
}
