package report

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"io"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/sim"
)

// Line is one curve per panel of a plot: a configuration's series.
type Line struct {
	Label  string
	Series map[string][]sim.Point
	// Seeds is how many seeds each point averages; 0 or 1: one run. The
	// first panel's title says so when it is more.
	Seeds int
	// Shade are time windows to shade on every panel: a scenario's
	// trigger, a scheduled fault.
	Shade []Window
}

// Window is a span of simulated time, in seconds, shaded on a plot.
type Window struct {
	From, To float64
	Label    string
}

// LinesOf returns one line per row of c (series averaged over seeds),
// each shaded with its configuration's trigger windows.
func LinesOf(c *scenarios.Comparison) []Line {
	lines := make([]Line, len(c.Rows))
	for i, r := range c.Rows {
		label := r.Label
		if label == "" {
			label = "default"
		}
		lines[i] = Line{Label: label, Series: r.Series, Seeds: c.SeedsDone, Shade: WindowsOf(r.Values.Map(), nil)}
	}
	return lines
}

// RunLine returns the line of one run: its series, labelled by its seed,
// shaded with its trigger windows and the faults its notes list.
func RunLine(res *scenarios.Result) Line {
	return Line{Label: fmt.Sprintf("seed %d", res.Seed), Series: res.Series, Seeds: 1, Shade: WindowsOf(res.Params, res.Notes)}
}

// faultNote is a fault line as a run's notes print it. Compiled on first
// use: every start of the CLI would pay for it otherwise.
var faultNote = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^fault: at (\S+) (.+) for (\S+)$`)
})

// topologyNote is a join, leave, replace or upgrade without "for D": an
// instant, a drain, or a rollout node by node. Compiled on first use, as
// faultNote.
var topologyNote = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^fault: at (\S+) ((join|leave|replace|upgrade) (\S+).*)$`)
})

// topologyWindow returns the window of a join, leave, replace or upgrade
// note without an end of its own: a leave's drain, an upgrade's rollout
// (every D times one less than its nodes: the list's, or the parameter
// nodes for *), else the instant it happens.
func topologyWindow(params map[string]string, note string) (Window, bool) {
	m := topologyNote().FindStringSubmatch(note)
	if m == nil {
		return Window{}, false
	}
	at, err := time.ParseDuration(m[1])
	if err != nil {
		return Window{}, false
	}
	w := Window{From: at.Seconds(), To: at.Seconds(), Label: m[2]}
	f := strings.Fields(m[2])
	after := func(key string) time.Duration {
		if i := slices.Index(f, key); i >= 0 && i+1 < len(f) {
			if d, err := time.ParseDuration(f[i+1]); err == nil {
				return d
			}
		}
		return 0
	}
	switch m[3] {
	case "leave":
		w.To = (at + after("drain")).Seconds()
	case "upgrade":
		n := len(strings.Split(m[4], ","))
		if m[4] == "*" {
			n, _ = strconv.Atoi(params["nodes"])
		}
		w.To = (at + after("every")*time.Duration(max(0, n-1))).Seconds()
	}
	return w, true
}

// WindowsOf returns the windows to shade for a run with parameters params
// and notes: each pair of parameters NAME_at and NAME_for (a scenario's
// trigger: slow_at and slow_for, trigger_at and trigger_for), each
// fault note "fault: at T WHAT for D", and each join, leave, replace or
// upgrade note (see topologyWindow). Sorted by start.
func WindowsOf(params map[string]string, notes []string) []Window {
	var out []Window
	for _, k := range slices.Sorted(maps.Keys(params)) {
		name, ok := strings.CutSuffix(k, "_at")
		if !ok {
			continue
		}
		at, err1 := time.ParseDuration(params[k])
		span, err2 := time.ParseDuration(params[name+"_for"])
		if err1 != nil || err2 != nil || span <= 0 {
			continue
		}
		out = append(out, Window{From: at.Seconds(), To: (at + span).Seconds(), Label: name})
	}
	for _, n := range notes {
		m := faultNote().FindStringSubmatch(n)
		if m == nil {
			if w, ok := topologyWindow(params, n); ok {
				out = append(out, w)
			}
			continue
		}
		at, err1 := time.ParseDuration(m[1])
		span, err2 := time.ParseDuration(m[3])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, Window{From: at.Seconds(), To: (at + span).Seconds(), Label: m[2]})
	}
	slices.SortStableFunc(out, func(a, b Window) int { return cmp.Compare(a.From, b.From) })
	return out
}

// seriesOrder puts the usual series first, then the others by name.
var seriesOrder = []string{"offered_rps", "goodput_rps", "latency_p99_ms", "queue_len", "breaker_state"}

// PlotFormats are the accepted plot file extensions.
var PlotFormats = []string{".svg", ".png"}

// CheckPlotPath returns an error unless path ends in a plot format.
func CheckPlotPath(path string) error {
	if !slices.Contains(PlotFormats, strings.ToLower(filepath.Ext(path))) {
		return fmt.Errorf("--plot %q: want a file name ending in .svg or .png", path)
	}
	return nil
}

// Plot draws every series of lines over simulated time, one panel per
// series, one curve per line, and writes it to path (.svg or .png) whole
// or not at all. It is an error if no line has a series.
func Plot(path, title string, lines []Line) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WritePlot(&buf, strings.ToLower(filepath.Ext(path)), title, lines); err != nil {
		return fmt.Errorf("--plot %s: %w", path, err)
	}
	return outfile.Write(path, buf.Bytes())
}

// WritePlot writes the plot of lines to w as ext (".svg" or ".png").
func WritePlot(w io.Writer, ext, title string, lines []Line) error {
	panels := panelNames(lines)
	if len(panels) == 0 {
		return fmt.Errorf("the scenario records no time series to plot")
	}
	// One x range for every panel, so their times line up.
	xmin, xmax := math.Inf(1), math.Inf(-1)
	seeds := 0
	var shade []Window
	for _, l := range lines {
		for _, pts := range l.Series {
			for _, pt := range pts {
				xmin, xmax = min(xmin, pt.T), max(xmax, pt.T)
			}
		}
		seeds = max(seeds, l.Seeds)
		for _, w := range l.Shade {
			if !slices.Contains(shade, w) {
				shade = append(shade, w)
			}
		}
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, name := range panels {
		p := plot.New()
		p.Title.Text = name
		if i == 0 && title != "" {
			p.Title.Text = title + ": " + name
		}
		if i == 0 && seeds > 1 {
			p.Title.Text += fmt.Sprintf(" (each line: the mean over %d seeds)", seeds)
		}
		p.X.Label.Text = "simulated time (s)"
		p.X.Min, p.X.Max = xmin, xmax
		if err := fillPanel(p, name, lines, shade); err != nil {
			return err
		}
		plots[i] = []*plot.Plot{p}
	}
	return drawPanels(w, ext, plots)
}

// panelNames returns the series to plot, one panel each: the known ones
// in seriesOrder, then the rest by name.
func panelNames(lines []Line) []string {
	names := map[string]bool{}
	for _, l := range lines {
		for n := range l.Series {
			names[n] = true
		}
	}
	var panels []string
	for _, n := range seriesOrder {
		if names[n] {
			panels = append(panels, n)
			delete(names, n)
		}
	}
	return append(panels, slices.Sorted(maps.Keys(names))...)
}

// fillPanel draws series name of every line on p, over the shaded
// windows.
func fillPanel(p *plot.Plot, name string, lines []Line, shade []Window) error {
	p.Add(plotter.NewGrid())
	// A legend on every panel, bottom left: where a goodput curve that
	// starts high leaves room.
	p.Legend.Left = true
	p.Legend.Top = false
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, pt := range l.Series[name] {
			ymin, ymax = min(ymin, pt.V), max(ymax, pt.V)
		}
	}
	if strings.Contains(name, "breaker") {
		// The level series of patterns/breaker: 0 closed, 1 half-open, 2 open.
		ymin, ymax = 0, 2
		p.Y.Min, p.Y.Max = -0.1, 2.1
		p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "closed"}, {Value: 1, Label: "half-open"}, {Value: 2, Label: "open"}}
	}
	if ymin > ymax {
		ymin, ymax = 0, 1
	}
	if err := addShade(p, shade, ymin, ymax); err != nil {
		return err
	}
	for j, l := range lines {
		pts := l.Series[name]
		if len(pts) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(pts))
		for k, pt := range pts {
			xys[k].X, xys[k].Y = pt.T, pt.V
		}
		ln, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("series %s of %s: %w", name, l.Label, err)
		}
		ln.Color = lineColor(j)
		ln.Width = vg.Points(1.5)
		ln.Dashes = plotutil.Dashes(j / 7)
		p.Add(ln)
		p.Legend.Add(l.Label, ln)
	}
	return nil
}

// drawPanels writes the panels one above the other, as PNG or SVG.
func drawPanels(w io.Writer, ext string, plots [][]*plot.Plot) error {
	width, height := 9*vg.Inch, vg.Length(len(plots))*3*vg.Inch
	var c vg.CanvasWriterTo
	if ext == ".png" {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))}
	} else {
		c = vgsvg.New(width, height)
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, draw.New(c))
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := c.WriteTo(w)
	return err
}

func lineColor(i int) color.Color { return plotutil.Color(i % 7) }

// shadeColor fills trigger and fault windows, under the curves;
// topologyColor a join, leave, replace or upgrade, as the HTML report
// draws them.
var (
	shadeColor    = color.NRGBA{R: 220, G: 60, B: 60, A: 40}
	topologyColor = color.NRGBA{R: 31, G: 136, B: 141, A: 60}
)

// isTopology reports whether a window is a join, leave, replace or
// upgrade.
func isTopology(w Window) bool {
	verb, _, _ := strings.Cut(w.Label, " ")
	return slices.Contains([]string{"join", "leave", "replace", "upgrade"}, verb)
}

// addShade draws the windows as rectangles over [ymin, ymax], with one
// legend entry that names them, and one for the joins, leaves, replaces
// and upgrades. An instant (a join, a replace) is drawn as a thin band.
func addShade(p *plot.Plot, windows []Window, ymin, ymax float64) error {
	if len(windows) == 0 {
		return nil
	}
	pad := (ymax - ymin) * 0.05
	if pad == 0 {
		pad = 0.5
	}
	thin := (p.X.Max - p.X.Min) * 0.003
	for _, topo := range []bool{false, true} {
		var first *plotter.Polygon
		var labels []string
		n := 0
		for _, w := range windows {
			if isTopology(w) != topo {
				continue
			}
			to := max(w.To, w.From+thin)
			poly, err := plotter.NewPolygon(plotter.XYs{{X: w.From, Y: ymin - pad}, {X: to, Y: ymin - pad}, {X: to, Y: ymax + pad}, {X: w.From, Y: ymax + pad}})
			if err != nil {
				return fmt.Errorf("shading %s: %w", w.Label, err)
			}
			poly.Color = shadeColor
			if topo {
				poly.Color = topologyColor
			}
			poly.LineStyle.Width = 0
			p.Add(poly)
			n++
			if first == nil {
				first = poly
			}
			if !slices.Contains(labels, w.Label) {
				labels = append(labels, w.Label)
			}
		}
		if first == nil {
			continue
		}
		label := strings.Join(labels, ", ")
		if len(labels) > 3 {
			label = fmt.Sprintf("%s, … (%d windows)", strings.Join(labels[:3], ", "), n)
		}
		p.Legend.Add("shaded: "+label, first)
	}
	return nil
}
