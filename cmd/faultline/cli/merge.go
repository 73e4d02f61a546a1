package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
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
	var all []*scenarios.Result
	from := map[uint64]string{}
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return exitUsage, usagef("%v", err)
		}
		results, good, err := scenarios.ReadResults(f)
		st, _ := f.Stat()
		f.Close()
		if err != nil {
			return exitUsage, usagef("%s: %v", path, err)
		}
		if st != nil && good < st.Size() {
			return exitUsage, usagef("%s: its last line is torn (the sweep was killed); finish it with '%s sweep ... --out %s --resume'", path, a.Name, path)
		}
		if len(results) == 0 {
			continue
		}
		if len(all) > 0 {
			if why := scenarios.SameRun(results, all[0].Scenario, all[0].Params); why != "" {
				return exitUsage, usagef("%s does not belong with %s: %s", path, from[all[0].Seed], why)
			}
		} else if why := scenarios.SameRun(results, results[0].Scenario, results[0].Params); why != "" {
			return exitUsage, usagef("%s mixes sweeps: %s", path, why)
		}
		for _, r := range results {
			if prev, dup := from[r.Seed]; dup {
				return exitUsage, usagef("seed %d is in both %s and %s: shards must not overlap", r.Seed, prev, path)
			}
			from[r.Seed] = path
		}
		all = append(all, results...)
	}
	if len(all) == 0 {
		return exitUsage, usagef("the files hold no results")
	}
	slices.SortFunc(all, func(a, b *scenarios.Result) int {
		switch {
		case a.Seed < b.Seed:
			return -1
		case a.Seed > b.Seed:
			return 1
		}
		return 0
	})
	r := scenarios.SeedRange{First: all[0].Seed, Count: all[len(all)-1].Seed - all[0].Seed + 1}
	if want != nil {
		r = *want
	}
	// Every seed found is distinct, so the count of those inside r says
	// how many are missing; list only the first few.
	inside := uint64(0)
	var outside []uint64
	for _, res := range all {
		if r.Contains(res.Seed) {
			inside++
		} else {
			outside = append(outside, res.Seed)
		}
	}
	if nMissing := r.Count - inside; nMissing > 0 {
		var missing []uint64
		for s := uint64(0); s < r.Count && len(missing) < 20; s++ {
			if _, ok := from[r.First+s]; !ok {
				missing = append(missing, r.First+s)
			}
		}
		return exitUsage, usagef("seeds %s: %d missing: %s (a shard did not finish, or was not given)", r, nMissing, seedListOf(missing, nMissing))
	}
	if len(outside) > 0 {
		return exitUsage, usagef("seeds %s: the files also hold seeds outside it: %s", r, seedList(outside, 20))
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
