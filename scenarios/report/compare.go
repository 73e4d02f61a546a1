package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/faultline/faultline/scenarios"
)

// Formats are the accepted output formats of a comparison.
var Formats = []string{"table", "markdown", "csv", "json"}

// Options choose what a comparison report shows.
type Options struct {
	Metrics []string // the columns, in order
	// Baseline is the index of the row the others are compared to, seed
	// by seed, or -1 for none.
	Baseline int
	// Percentiles adds p50 and p99 columns to text and Markdown tables
	// (CSV and JSON always have them).
	Percentiles bool
}

// Compare writes c in format (one of Formats).
func Compare(w io.Writer, c *scenarios.Comparison, format string, opts Options) error {
	switch format {
	case "table", "markdown":
		return compareTable(w, c, format == "markdown", opts)
	case "csv":
		return compareCSV(w, c, opts)
	case "json":
		return compareJSON(w, c, opts)
	}
	return fmt.Errorf("format %q: accepted: %s", format, strings.Join(Formats, ", "))
}

// CompareReport is the JSON form of a comparison, the stable output of
// `faultline compare --format json`.
type CompareReport struct {
	Scenario string `json:"scenario"`
	// Seeds is the number of seeds every row ran; SeedRange names them.
	Seeds       int               `json:"seeds"`
	SeedRange   string            `json:"seed_range"`
	Varied      []string          `json:"varied"`
	Metrics     []string          `json:"metrics"`
	Baseline    map[string]string `json:"baseline"` // the baseline's varied values, or null
	Interrupted bool              `json:"interrupted"`
	Rows        []RowReport       `json:"rows"`
}

// RowReport is one configuration in a CompareReport.
type RowReport struct {
	Params      map[string]string         `json:"params"` // every parameter
	Varied      map[string]string         `json:"varied"`
	Label       string                    `json:"label"`
	Metrics     map[string]scenarios.Cell `json:"metrics"`
	Failures    int                       `json:"failures"`
	FailedSeeds []uint64                  `json:"failed_seeds"`
	Statuses    map[string]int            `json:"statuses"`
}

// Build assembles the JSON form of c.
func Build(c *scenarios.Comparison, opts Options) CompareReport {
	cells := c.Table(opts.Metrics, opts.Baseline)
	rep := CompareReport{Scenario: c.Scenario, Seeds: c.SeedsDone, SeedRange: doneRange(c), Varied: c.Varied,
		Metrics: opts.Metrics, Interrupted: c.Interrupted, Rows: []RowReport{}}
	if rep.Varied == nil {
		rep.Varied = []string{}
	}
	if opts.Baseline >= 0 {
		rep.Baseline = c.Rows[opts.Baseline].Varied
	}
	for i, row := range c.Rows {
		rr := RowReport{Params: row.Values.Map(), Varied: row.Varied, Label: row.Label, Metrics: map[string]scenarios.Cell{},
			Failures: row.Failures, FailedSeeds: row.FailedSeeds, Statuses: row.Statuses}
		for j, m := range opts.Metrics {
			rr.Metrics[m] = cells[i][j]
		}
		rep.Rows = append(rep.Rows, rr)
	}
	return rep
}

func doneRange(c *scenarios.Comparison) string {
	return scenarios.SeedRange{First: c.Seeds.First, Count: uint64(c.SeedsDone)}.String()
}

func compareJSON(w io.Writer, c *scenarios.Comparison, opts Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Build(c, opts))
}

// Num formats a number for a table: about four significant digits, no
// exponent below a million.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "-"
	case v == math.Trunc(v) && a < 1e6:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1e6:
		return strconv.FormatFloat(v, 'g', 4, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// ciNum formats a confidence interval's half-width: two significant
// digits below 0.1.
func ciNum(v float64) string {
	if a := math.Abs(v); a < 0.1 && a > 0 {
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	return Num(v)
}

func signed(v float64) string {
	if v > 0 {
		return "+" + Num(v)
	}
	return Num(v)
}

func meanCell(s scenarios.Summary) string {
	if s.N == 0 {
		return "-"
	}
	if s.N < 2 || s.CI95 == 0 {
		return Num(s.Mean)
	}
	return Num(s.Mean) + " ±" + ciNum(s.CI95)
}

func compareTable(w io.Writer, c *scenarios.Comparison, markdown bool, opts Options) error {
	cells := c.Table(opts.Metrics, opts.Baseline)
	header, nKeys := tableHeader(c, opts)
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i < nKeys {
			align[i] = tw.AlignLeft
		}
	}
	cfg := tablewriter.NewConfigBuilder().Build()
	cfg.Row.Alignment.PerColumn = align
	cfg.Header.Alignment.PerColumn = align
	cfg.Row.Formatting.AutoWrap = tw.WrapNone
	cfg.Header.Formatting.AutoWrap = tw.WrapNone
	var r tw.Renderer = renderer.NewBlueprint()
	if markdown {
		r = renderer.NewMarkdown()
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithConfig(cfg),
		tablewriter.WithHeaderAutoFormat(tw.Off)) // after WithConfig, which resets it
	t.Header(header)
	for i := range c.Rows {
		if err := t.Append(tableRow(c, i, cells[i], opts)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if markdown {
		// A blank line ends the table, or the caption would become a row.
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, Caption(c, opts))
	return err
}

// tableHeader returns the table's column names and how many of them name
// the varied parameters.
func tableHeader(c *scenarios.Comparison, opts Options) (header []string, nKeys int) {
	header = append([]string{}, c.Varied...)
	if len(header) == 0 {
		header = []string{"config"}
	}
	nKeys = len(header)
	for _, m := range opts.Metrics {
		header = append(header, m)
		if opts.Percentiles {
			header = append(header, m+" p50", m+" p99")
		}
		if opts.Baseline >= 0 {
			header = append(header, "Δ "+m)
		}
	}
	return append(header, "failures"), nKeys
}

// tableRow returns the cells of row i.
func tableRow(c *scenarios.Comparison, i int, cells []scenarios.Cell, opts Options) []string {
	row := c.Rows[i]
	var line []string
	if len(c.Varied) == 0 {
		line = append(line, "default")
	}
	for _, k := range c.Varied {
		line = append(line, row.Varied[k])
	}
	for j := range opts.Metrics {
		cell := cells[j]
		s := meanCell(cell.Summary)
		if cell.Best {
			s += " *"
		}
		line = append(line, s)
		if opts.Percentiles {
			line = append(line, pct(cell.N, cell.P50), pct(cell.N, cell.P99))
		}
		if opts.Baseline >= 0 {
			line = append(line, diffCell(i == opts.Baseline, cell.Diff))
		}
	}
	return append(line, fmt.Sprintf("%d/%d", row.Failures, c.SeedsDone))
}

// diffCell is a row's difference from the baseline row.
func diffCell(baseline bool, d *scenarios.Summary) string {
	switch {
	case baseline:
		return "baseline"
	case d.N == 0:
		return "-"
	case d.CI95 == 0:
		return signed(d.Mean)
	default:
		return signed(d.Mean) + " ±" + ciNum(d.CI95)
	}
}

func pct(n int, v float64) string {
	if n == 0 {
		return "-"
	}
	return Num(v)
}

// Caption says what the numbers of a comparison table are.
func Caption(c *scenarios.Comparison, opts Options) string {
	s := fmt.Sprintf("%s, seeds %s (%d per row, the same for every row): mean ±95%% CI (Student t); * best mean", c.Scenario, doneRange(c), c.SeedsDone)
	if opts.Baseline >= 0 {
		s += fmt.Sprintf("; Δ: paired difference to %s, seed by seed", c.Rows[opts.Baseline].Label)
	}
	if c.Interrupted {
		s += fmt.Sprintf("; INTERRUPTED after %d of %d seeds", c.SeedsDone, c.Seeds.Count)
	}
	return s
}

func compareCSV(w io.Writer, c *scenarios.Comparison, opts Options) error {
	cells := c.Table(opts.Metrics, opts.Baseline)
	cw := csv.NewWriter(w)
	header := append([]string{}, c.Varied...)
	for _, m := range opts.Metrics {
		header = append(header, m+"_mean", m+"_ci95", m+"_p50", m+"_p99", m+"_n", m+"_best")
		if opts.Baseline >= 0 {
			header = append(header, m+"_diff_mean", m+"_diff_ci95")
		}
	}
	header = append(header, "failures", "seeds")
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, row := range c.Rows {
		var line []string
		for _, k := range c.Varied {
			line = append(line, row.Varied[k])
		}
		for j := range opts.Metrics {
			cell := cells[i][j]
			line = append(line, f(cell.Mean), f(cell.CI95), f(cell.P50), f(cell.P99), strconv.Itoa(cell.N), strconv.FormatBool(cell.Best))
			if opts.Baseline >= 0 {
				line = append(line, f(cell.Diff.Mean), f(cell.Diff.CI95))
			}
		}
		line = append(line, strconv.Itoa(row.Failures), strconv.Itoa(c.SeedsDone))
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
