package results

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/faultline/faultline/scenarios"
)

// MergeOptions configure Merge.
type MergeOptions struct {
	// Seeds, if set, are the seeds the shards must cover together;
	// otherwise from the lowest seed found to the highest.
	Seeds *scenarios.SeedRange
	// Program names the binary in hints, e.g. "faultline".
	Program string
}

// Merge reads the result streams of sweep shards and returns their
// results in seed order, and the seeds they cover. The shards must be of
// one scenario with the same parameters, whole (no torn last line), and
// cover the seeds exactly once. Errors are *InputError.
func Merge(paths []string, o MergeOptions) ([]*scenarios.Result, scenarios.SeedRange, error) {
	var all []*scenarios.Result
	from := map[uint64]string{}
	for _, path := range paths {
		results, err := readShard(path, o.Program)
		if err != nil {
			return nil, scenarios.SeedRange{}, err
		}
		if len(results) == 0 {
			continue
		}
		if len(all) > 0 {
			if why := scenarios.SameRun(results, all[0].Scenario, all[0].Params); why != "" {
				return nil, scenarios.SeedRange{}, inputf("%s does not belong with %s: %s", path, from[all[0].Seed], why)
			}
		} else if why := scenarios.SameRun(results, results[0].Scenario, results[0].Params); why != "" {
			return nil, scenarios.SeedRange{}, inputf("%s mixes sweeps: %s", path, why)
		}
		for _, r := range results {
			if prev, dup := from[r.Seed]; dup {
				return nil, scenarios.SeedRange{}, inputf("seed %d is in both %s and %s: shards must not overlap", r.Seed, prev, path)
			}
			from[r.Seed] = path
		}
		all = append(all, results...)
	}
	if len(all) == 0 {
		return nil, scenarios.SeedRange{}, inputf("the files hold no results")
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
	if o.Seeds != nil {
		r = *o.Seeds
	}
	if err := covers(r, all, from); err != nil {
		return nil, scenarios.SeedRange{}, err
	}
	return all, r, nil
}

// readShard reads one shard's stream, which must be whole.
func readShard(path, program string) ([]*scenarios.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputf("%v", err)
	}
	defer f.Close()
	results, good, err := scenarios.ReadResults(f)
	if err != nil {
		return nil, inputf("%s: %v", path, err)
	}
	if st, _ := f.Stat(); st != nil && good < st.Size() {
		return nil, inputf("%s: its last line is torn (the sweep was killed); finish it with '%s sweep ... --out %s --resume'", path, program, path)
	}
	return results, nil
}

// covers checks that the distinct seeds of all, found in from, are
// exactly those of r.
func covers(r scenarios.SeedRange, all []*scenarios.Result, from map[uint64]string) error {
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
		return inputf("seeds %s: %d missing: %s (a shard did not finish, or was not given)", r, nMissing, SeedListOf(missing, nMissing))
	}
	if len(outside) > 0 {
		return inputf("seeds %s: the files also hold seeds outside it: %s", r, SeedList(outside, 20))
	}
	return nil
}

// SeedList formats seeds, at most max of them: "3 7 9 … and 4 more".
func SeedList(seeds []uint64, max int) string {
	return SeedListOf(seeds[:min(len(seeds), max)], uint64(len(seeds)))
}

// SeedListOf formats the first seeds of a list of total seeds.
func SeedListOf(first []uint64, total uint64) string {
	var b strings.Builder
	for i, s := range first {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", s)
	}
	if more := total - uint64(len(first)); more > 0 {
		fmt.Fprintf(&b, " … and %d more", more)
	}
	return b.String()
}
