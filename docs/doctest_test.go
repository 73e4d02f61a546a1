//go:build !race

// The docs-truth gate: every fenced block of README.md and docs/**/*.md that
// shows a `$ faultline ...` command is run, and what the command prints
// (stdout and stderr together) must be what the page shows under it.
//
// Conventions a page can use:
//   - A block runs when one of its `$ ` lines is a faultline command
//     (`faultline`, `bin/faultline` or `./bin/faultline`, all run the binary
//     this test builds). Every `$ ` line of such a block runs, in order, with
//     `sh -c`, so setup lines such as `$ mkdir -p art` work. The commands of
//     one page share one temporary working directory, in which every top-level
//     entry of the repository (examples/, docs/, ...) is linked, so a file a
//     page names by a path from the repository root is there, and files a
//     command writes land in the temporary directory.
//   - A line ending in `\` continues the command on the next line.
//   - The output of a command is the lines after it, up to the next `$ ` line
//     or the end of the block; trailing blank lines and trailing spaces do
//     not count.
//   - A line that is only `...` or `…` stands for any number of lines (none
//     included). A line that ends in ` …` or ` ...` matches a line that
//     starts with the text before it.
//   - A block whose command shows no output in the block, and is followed
//     by a Markdown table, is compared with the table, a blank line, the
//     caption line after it (the form of `compare --format markdown`) and
//     the lines right after the caption that start with "faultline " (what
//     the command says on stderr). To add such a command, put a
//     placeholder table (`| x |` and `|:--|`) after its block, and -update.
//   - `<!-- doctest: skip -->` as the last non-blank line before a block
//     leaves the block out.
//
// -update rewrites the shown output of every command that does not match
// with the real output. Shown lines that still match stay as they are, and
// a `...` stays where it was, standing for the printed lines between the
// shown lines around it (see merge).

package docs_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the output the docs show with what the commands print")

// skipMarker, as the last non-blank line before a fence, leaves the block out.
const skipMarker = "<!-- doctest: skip -->"

// commandTimeout bounds one documented command.
const commandTimeout = 3 * time.Minute

// command is one `$ ` line of a page and the output the page shows for it.
type command struct {
	line  int    // 1-based line of the `$ ` line
	shell string // the command for sh -c, continuation lines included
	// The shown output is lines[outStart:outEnd] of the file (0-based).
	outStart, outEnd int
	markdown         bool // the output is the Markdown table after the block
}

// block is a fenced block that shows at least one faultline command.
type block struct {
	line int // 1-based line of the opening fence
	cmds []command
}

// page is one Markdown file and its runnable blocks.
type page struct {
	rel     string // path from the repository root
	lines   []string
	blocks  []block
	skipped []int // 1-based lines of blocks left out by the skip marker
}

func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("the docs-truth gate builds the CLI and runs every documented command; skipped under -short")
	}
	root := moduleRoot(t)
	binDir := t.TempDir()
	// Without the CLI's PGO profile, which changes no output, the build can
	// reuse the packages the other packages' tests compiled.
	build := exec.Command("go", "build", "-pgo=off", "-o", filepath.Join(binDir, "faultline"), "./cmd/faultline")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/faultline: %v\n%s", err, out)
	}
	pages := findPages(t, root)
	total, skipped := 0, 0
	for _, p := range pages {
		for _, b := range p.blocks {
			total += len(b.cmds)
		}
		skipped += len(p.skipped)
		for _, l := range p.skipped {
			t.Logf("%s:%d: block left out (%s)", p.rel, l, skipMarker)
		}
	}
	t.Logf("%d commands in %d pages, %d blocks left out", total, len(pages), skipped)
	for _, p := range pages {
		if len(p.blocks) == 0 {
			continue
		}
		t.Run(p.rel, func(t *testing.T) {
			t.Parallel()
			checkPage(t, root, binDir, p, t.Errorf)
		})
	}
}

// moduleRoot returns the directory of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("go env GOMOD: not inside a module")
	}
	return filepath.Dir(gomod)
}

// findPages reads README.md and every Markdown file under docs/.
func findPages(t *testing.T, root string) []*page {
	t.Helper()
	files := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading docs/: %v", err)
	}
	slices.Sort(files[1:])
	var pages []*page
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("%v", err)
		}
		p := parsePage(rel, string(data))
		pages = append(pages, p)
	}
	return pages
}

func isFence(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "```") }

// parsePage finds the runnable blocks of a Markdown file.
func parsePage(rel, text string) *page {
	p := &page{rel: rel, lines: strings.Split(text, "\n")}
	lines := p.lines
	for i := 0; i < len(lines); i++ {
		if !isFence(lines[i]) {
			continue
		}
		open, end := i, len(lines)
		for j := i + 1; j < len(lines); j++ {
			if isFence(lines[j]) {
				end = j
				break
			}
		}
		i = end
		b := block{line: open + 1, cmds: parseCommands(lines, open+1, end)}
		if !slices.ContainsFunc(b.cmds, func(c command) bool { return isFaultline(c.shell) }) {
			continue
		}
		if prevNonBlank(lines, open) == skipMarker {
			p.skipped = append(p.skipped, open+1)
			continue
		}
		last := &b.cmds[len(b.cmds)-1]
		if last.outStart == last.outEnd {
			if s, e, ok := markdownAfter(lines, end+1); ok {
				last.outStart, last.outEnd, last.markdown = s, e, true
			}
		}
		p.blocks = append(p.blocks, b)
	}
	return p
}

func prevNonBlank(lines []string, i int) string {
	for i--; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s
		}
	}
	return ""
}

// parseCommands reads the `$ ` lines of lines[start:end] and the output
// under each.
func parseCommands(lines []string, start, end int) []command {
	var cmds []command
	for k := start; k < end; {
		if !strings.HasPrefix(lines[k], "$ ") {
			k++
			continue
		}
		c := command{line: k + 1}
		text := []string{strings.TrimPrefix(lines[k], "$ ")}
		for strings.HasSuffix(text[len(text)-1], `\`) && k+1 < end {
			k++
			text = append(text, lines[k])
		}
		c.shell = strings.Join(text, "\n")
		k++
		c.outStart = k
		for k < end && !strings.HasPrefix(lines[k], "$ ") {
			k++
		}
		c.outEnd = k
		for c.outEnd > c.outStart && strings.TrimSpace(lines[c.outEnd-1]) == "" {
			c.outEnd--
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// markdownAfter finds a Markdown table from line i on (after blank lines),
// and the caption line that follows it, blank line or not.
func markdownAfter(lines []string, i int) (start, end int, ok bool) {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "|") {
		return 0, 0, false
	}
	start = i
	for i < len(lines) && strings.HasPrefix(lines[i], "|") {
		i++
	}
	end = i
	j := i
	if j < len(lines) && strings.TrimSpace(lines[j]) == "" {
		j++
	}
	if j < len(lines) && strings.Contains(lines[j], ", seeds ") {
		end = j + 1
		// A note on stderr, such as the count of failed runs, follows.
		for end < len(lines) && strings.HasPrefix(lines[end], "faultline ") {
			end++
		}
	}
	return start, end, true
}

var faultlineWord = regexp.MustCompile(`(^|[\s;&|(])(\./)?(bin/)?faultline(\s|$)`)

func isFaultline(shell string) bool { return faultlineWord.MatchString(shell) }

// asRun spells every bin/faultline and ./bin/faultline as faultline, the
// binary on PATH.
var binFaultline = regexp.MustCompile(`(^|[\s;&|(])(\./)?bin/faultline(\s|$)`)

func asRun(shell string) string { return binFaultline.ReplaceAllString(shell, "${1}faultline${3}") }

// workDir makes a working directory for one page: every top-level entry of
// the repository, except bin/ and .git, linked in.
func workDir(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "bin" || e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkPage runs the commands of one page and reports each output that
// differs from the page with mismatch (or, with -update, rewrites it).
func checkPage(t *testing.T, root, binDir string, p *page, mismatch func(format string, args ...any)) {
	dir := workDir(t, root)
	type edit struct {
		start, end int
		lines      []string
	}
	var edits []edit
	for _, b := range p.blocks {
		for _, c := range b.cmds {
			got := run(t, dir, binDir, c.shell)
			shown := p.lines[c.outStart:c.outEnd]
			if matches(shown, got) {
				continue
			}
			if *update {
				edits = append(edits, edit{c.outStart, c.outEnd, merge(shown, got)})
				continue
			}
			where := "under it"
			if c.markdown {
				where = "after the block"
			}
			// Diffed against what -update would write, so a `...` of the
			// page does not show up as every line it stands for.
			mismatch("%s:%d: $ %s\nthe page shows (-, %s) and the command prints (+):\n%s\nrefresh with: go test ./docs/ -run TestDocs -update",
				p.rel, c.line, c.shell, where, diff(shown, merge(shown, got)))
		}
	}
	if len(edits) == 0 {
		return
	}
	lines := slices.Clone(p.lines)
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		lines = slices.Replace(lines, e.start, e.end, e.lines...)
	}
	path := filepath.Join(root, p.rel)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: rewrote the output of %d commands", p.rel, len(edits))
}

// run runs one command in dir with the built faultline first on PATH, and
// returns what it printed, stdout and stderr interleaved, as lines.
func run(t *testing.T, dir, binDir, shell string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", asRun(shell))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Errorf("$ %s: still running after %v", shell, commandTimeout)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Errorf("$ %s: %v", shell, err)
	}
	return normalize(strings.Split(out.String(), "\n"))
}

// progress is a plain progress line of sweep or compare, which depends on
// wall time; --quiet leaves it out, and so does the comparison.
var progress = regexp.MustCompile(`^faultline .*: \d+/\d+ runs \(\d+%\), \d+ failed, [\d.]+ runs/s, ETA `)

// normalize drops trailing spaces, progress lines and trailing blank lines.
func normalize(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if progress.MatchString(l) {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func isElision(line string) bool {
	s := strings.TrimSpace(line)
	return s == "..." || s == "…"
}

// lineMatches reports whether a shown line matches a printed one: equal, or
// the shown one ends in " …" or " ..." and the printed one starts with the
// text before it.
func lineMatches(shown, got string) bool {
	shown = strings.TrimRight(shown, " \t\r")
	if shown == got {
		return true
	}
	for _, e := range []string{"…", "..."} {
		if cut, ok := strings.CutSuffix(shown, " "+e); ok && strings.TrimSpace(cut) != "" {
			return strings.HasPrefix(got, cut)
		}
	}
	return false
}

// matches reports whether the printed lines match the shown ones, where a
// `...` line stands for any run of lines.
func matches(shown, got []string) bool {
	// ok[i][j]: shown[i:] matches got[j:].
	ok := make([][]bool, len(shown)+1)
	for i := range ok {
		ok[i] = make([]bool, len(got)+1)
	}
	ok[len(shown)][len(got)] = true
	for i := len(shown) - 1; i >= 0; i-- {
		for j := len(got); j >= 0; j-- {
			switch {
			case isElision(shown[i]):
				ok[i][j] = ok[i+1][j] || (j < len(got) && ok[i][j+1])
			case j < len(got):
				ok[i][j] = lineMatches(shown[i], got[j]) && ok[i+1][j+1]
			}
		}
	}
	return ok[0][0]
}

// merge returns the shown lines rewritten to match got. It aligns the
// shown lines with the printed ones (a longest common subsequence): a
// shown line that still matches stays as it is (a line cut short with " …"
// stays cut), and between two aligned lines the printed lines replace the
// shown ones, unless the shown ones held a `...`, which then stands for
// the printed lines again (see gap). A `...` is dropped only when fewer
// lines are printed than the shown lines around it need.
func merge(shown, got []string) []string {
	n, m := len(shown), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if !isElision(shown[i]) && lineMatches(shown[i], got[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	// gap closes a stretch of unaligned lines, shown[i0:i] and got[j0:j].
	// If the shown ones hold a `...`, the shown lines before the first one
	// and after the last one changed: the printed lines take their places,
	// and one `...` stands for the rest.
	gap := func(i0, i, j0, j int) {
		first := slices.IndexFunc(shown[i0:i], isElision)
		if first < 0 {
			out = append(out, got[j0:j]...)
			return
		}
		last := i - i0 - 1
		for !isElision(shown[i0+last]) {
			last--
		}
		pre, post := first, i-i0-1-last
		if pre+post > j-j0 {
			out = append(out, got[j0:j]...)
			return
		}
		out = append(out, got[j0:j0+pre]...)
		out = append(out, shown[i0+first])
		out = append(out, got[j-post:j]...)
	}
	i, j, i0, j0 := 0, 0, 0, 0
	for i < n && j < m {
		switch {
		case !isElision(shown[i]) && lineMatches(shown[i], got[j]) && lcs[i][j] == lcs[i+1][j+1]+1:
			gap(i0, i, j0, j)
			out = append(out, shown[i])
			i, j = i+1, j+1
			i0, j0 = i, j
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	gap(i0, n, j0, m)
	return out
}

// diff shows shown against got line by line (a longest common subsequence),
// with two lines of context around each change.
func diff(shown, got []string) string {
	n, m := len(shown), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if lineMatches(shown[i], got[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type row struct {
		op   byte
		text string
	}
	var rows []row
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && lineMatches(shown[i], got[j]):
			rows = append(rows, row{' ', shown[i]})
			i, j = i+1, j+1
		case i < n && isElision(shown[i]):
			rows = append(rows, row{' ', shown[i]})
			i++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			rows = append(rows, row{'-', shown[i]})
			i++
		default:
			rows = append(rows, row{'+', got[j]})
			j++
		}
	}
	const context = 2
	var b strings.Builder
	gap := false
	for k, r := range rows {
		near := false
		for d := max(0, k-context); d <= min(len(rows)-1, k+context); d++ {
			if rows[d].op != ' ' {
				near = true
				break
			}
		}
		if !near {
			if !gap {
				b.WriteString("  [...]\n")
			}
			gap = true
			continue
		}
		gap = false
		fmt.Fprintf(&b, "%c %s\n", r.op, r.text)
	}
	return b.String()
}
