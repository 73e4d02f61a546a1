//go:build !race

package docs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		name        string
		shown, got  string
		wantMatches bool
	}{
		{"equal", "a\nb", "a\nb", true},
		{"a line differs", "a\nb", "a\nc", false},
		{"a line more", "a", "a\nb", false},
		{"a line fewer", "a\nb", "a", false},
		{"elision stands for lines", "a\n...\nd", "a\nb\nc\nd", true},
		{"elision stands for none", "a\n  ...\nd", "a\nd", true},
		{"unicode elision", "…\nd", "a\nb\nd", true},
		{"elision at the end", "a\n...", "a\nb\nc", true},
		{"elision keeps the order", "a\n...\nb", "b\na", false},
		{"two elisions", "...\nb\n...\nd", "a\nb\nc\nd", true},
		{"cut line", "first failure: seed 1 …", "first failure: seed 1, status fail", true},
		{"cut line, other text", "first failure: seed 2 …", "first failure: seed 1, status fail", false},
		{"cut line with dots", "key k0 ...", "key k0: stale", true},
		{"an ellipsis the command prints", "a, …", "a, …", true},
		{"trailing spaces do not count", "a  \nb", "a\nb", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shown := strings.Split(tc.shown, "\n")
			got := normalize(strings.Split(tc.got, "\n"))
			if m := matches(shown, got); m != tc.wantMatches {
				t.Fatalf("matches(%q, %q) = %v, want %v", shown, got, m, tc.wantMatches)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	got := normalize([]string{"a \t", "faultline sweep kv: 1200/10000 runs (12%), 3 failed, 250.1 runs/s, ETA 35s", "b", "", ""})
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("normalize: %q, want %q", got, want)
	}
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name, shown, got, want string
	}{
		{"no elision", "a\nb", "a\nc", "a\nc"},
		{"elision kept", "h\n...\nz", "h\nx\ny\nZ", "h\n...\nZ"},
		{"elision kept where the lines around it still are", "h\nm\n...\np\nc", "h\nm\nn1\nn2\np\nc2", "h\nm\n...\np\nc2"},
		{"a new line before the elision", "h\n...\nz", "h\nnew\nx\nz", "h\n...\nz"},
		{"cut line kept", "s 1\nfail x …\nr", "s 2\nfail x and more\nr", "s 2\nfail x …\nr"},
		{"cut line that no longer fits", "fail x …", "fail y", "fail y"},
		{"empty shown", "", "a\nb", "a\nb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var shown []string
			if tc.shown != "" {
				shown = strings.Split(tc.shown, "\n")
			}
			got := strings.Split(tc.got, "\n")
			out := merge(shown, got)
			if want := strings.Split(tc.want, "\n"); !slices.Equal(out, want) {
				t.Fatalf("merge(%q, %q) = %q, want %q", shown, got, out, want)
			}
		})
	}
}

// TestMergeMatches: whatever the page showed, what -update writes matches
// the output, and output that matches is never rewritten differently.
func TestMergeMatches(t *testing.T) {
	line := rapid.SampledFrom([]string{"a", "b", "c", "...", "a …", ""})
	rapid.Check(t, func(t *rapid.T) {
		shown := rapid.SliceOfN(line, 0, 8).Draw(t, "shown")
		got := normalize(rapid.SliceOfN(rapid.SampledFrom([]string{"a", "ab", "b", "c", ""}), 0, 8).Draw(t, "got"))
		out := merge(shown, got)
		if !matches(out, got) {
			t.Fatalf("merge gave %q, which does not match %q", out, got)
		}
	})
}

func TestParsePage(t *testing.T) {
	text := strings.Join([]string{
		"# A page",
		"```",
		"faultline sweep SCENARIO --seeds A-B", // a synopsis: no `$`
		"```",
		"```",
		"$ mkdir -p art",
		"$ bin/faultline run kv --seed 3 \\",
		"    --artifacts art",
		"scenario    kv",
		"...",
		"",
		"$ faultline run kv --seed 4",
		"```",
		"<!-- doctest: skip -->",
		"```",
		"$ faultline sweep saga --seeds 0-99999",
		"^C",
		"```",
		"```",
		"$ go test ./...", // no faultline command: not run
		"ok",
		"```",
		"```",
		"$ faultline compare q --vary x=1,2 --format markdown",
		"```",
		"",
		"| x | failures |",
		"|:--|--:|",
		"| 1 | 0/10 |",
		"",
		"q, seeds 0-9 (10 per row)",
		"faultline compare: 1 of 20 runs failed a check",
		"",
		"Prose.",
	}, "\n")
	p := parsePage("page.md", text)
	if !slices.Equal(p.skipped, []int{15}) {
		t.Errorf("skipped blocks at %v, want [15]", p.skipped)
	}
	if len(p.blocks) != 2 {
		t.Fatalf("%d blocks, want 2: %+v", len(p.blocks), p.blocks)
	}
	cmds := p.blocks[0].cmds
	if len(cmds) != 3 {
		t.Fatalf("%d commands, want 3: %+v", len(cmds), cmds)
	}
	if c := cmds[1]; c.shell != "bin/faultline run kv --seed 3 \\\n    --artifacts art" || c.line != 7 ||
		!slices.Equal(p.lines[c.outStart:c.outEnd], []string{"scenario    kv", "..."}) {
		t.Errorf("second command %+v, output %q", c, p.lines[c.outStart:c.outEnd])
	}
	if c := cmds[2]; c.outStart != c.outEnd {
		t.Errorf("third command shows %q, want nothing", p.lines[c.outStart:c.outEnd])
	}
	md := p.blocks[1].cmds[0]
	if want := []string{"| x | failures |", "|:--|--:|", "| 1 | 0/10 |", "", "q, seeds 0-9 (10 per row)", "faultline compare: 1 of 20 runs failed a check"}; !md.markdown || !slices.Equal(p.lines[md.outStart:md.outEnd], want) {
		t.Errorf("markdown output %q (markdown %v), want %q", p.lines[md.outStart:md.outEnd], md.markdown, want)
	}
	if got := asRun(cmds[1].shell); !strings.HasPrefix(got, "faultline run kv") {
		t.Errorf("asRun: %q", got)
	}
	if got := asRun("for i in 1 2; do ./bin/faultline run kv; done"); got != "for i in 1 2; do faultline run kv; done" {
		t.Errorf("asRun: %q", got)
	}
}

// TestDiff: a failure shows the shown line and the printed one.
func TestDiff(t *testing.T) {
	d := diff([]string{"a", "trace_hash 1", "c"}, []string{"a", "trace_hash 2", "c"})
	if !strings.Contains(d, "- trace_hash 1\n") || !strings.Contains(d, "+ trace_hash 2\n") || strings.Index(d, "-") > strings.Index(d, "+") {
		t.Fatalf("diff:\n%s", d)
	}
}

// TestUpdateRewritesThePage runs checkPage against a stand-in faultline on
// a page whose output is stale: it reports the difference, -update rewrites
// the page, and the rewritten page holds.
func TestUpdateRewritesThePage(t *testing.T) {
	root, binDir := t.TempDir(), t.TempDir()
	script := "#!/bin/sh\necho \"scenario    $2\"\necho 'trace_hash  2222'\necho 'metrics:'\necho '  a  1'\necho '  b  2'\necho 'replay      faultline' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(binDir, "faultline"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	page := "# P\n\n```\n$ faultline run kv\nscenario    kv\ntrace_hash  1111\nmetrics:\n...\nreplay      faultline run kv\n```\n\nProse.\n"
	if err := os.WriteFile(filepath.Join(root, "page.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(u bool) { *update = u }(*update)
	*update = false
	var stale []string
	collect := func(format string, args ...any) { stale = append(stale, fmt.Sprintf(format, args...)) }
	checkPage(t, root, binDir, parsePage("page.md", page), collect)
	if len(stale) != 1 || !strings.Contains(stale[0], "page.md:4: $ faultline run kv\n") ||
		!strings.Contains(stale[0], "- trace_hash  1111\n+ trace_hash  2222\n") {
		t.Fatalf("a stale page reported as %q", stale)
	}
	stale = nil
	*update = true
	checkPage(t, root, binDir, parsePage("page.md", page), collect)
	data, err := os.ReadFile(filepath.Join(root, "page.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(page, "1111", "2222", 1)
	if string(data) != want {
		t.Fatalf("rewritten page:\n%s\nwant:\n%s", data, want)
	}
	*update = false
	checkPage(t, root, binDir, parsePage("page.md", string(data)), collect)
	if len(stale) != 0 {
		t.Fatalf("the rewritten page does not hold: %q", stale)
	}
}
