package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"slices"
	"strings"

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
}

// LinesOf returns one line per row of c (series averaged over seeds).
func LinesOf(c *scenarios.Comparison) []Line {
	lines := make([]Line, len(c.Rows))
	for i, r := range c.Rows {
		label := r.Label
		if label == "" {
			label = "default"
		}
		lines[i] = Line{Label: label, Series: r.Series}
	}
	return lines
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
	panels = append(panels, slices.Sorted(func(yield func(string) bool) {
		for n := range names {
			if !yield(n) {
				return
			}
		}
	})...)
	if len(panels) == 0 {
		return fmt.Errorf("the scenario records no time series to plot")
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, name := range panels {
		p := plot.New()
		p.Title.Text = name
		if i == 0 && title != "" {
			p.Title.Text = title + ": " + name
		}
		p.X.Label.Text = "simulated time (s)"
		p.Add(plotter.NewGrid())
		// One legend, in the first panel, bottom left: where a goodput
		// curve that starts high leaves room.
		p.Legend.Left = true
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
			if len(lines) > 1 && i == 0 {
				p.Legend.Add(l.Label, ln)
			}
		}
		plots[i] = []*plot.Plot{p}
	}
	width, height := 9*vg.Inch, vg.Length(len(panels))*3*vg.Inch
	var c vg.CanvasWriterTo
	if ext == ".png" {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110), vgimg.UseBackgroundColor(color.White))}
	} else {
		c = vgsvg.New(width, height)
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, draw.New(c))
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := c.WriteTo(w)
	return err
}

func lineColor(i int) color.Color { return plotutil.Color(i % 7) }
