package report

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/faultline/faultline/scenarios"
)

// WriteCapacityPlot draws the degradation curves of a capacity search,
// one panel per curve metric against offered load, one line per
// configuration, the knee marked with a circle and the capacity with a
// triangle. The format comes from path's extension (.svg or .png).
func WriteCapacityPlot(w io.Writer, path string, res *scenarios.CapacityResult) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	panels := scenarios.CurveMetrics
	plots := make([][]*plot.Plot, len(panels))
	for i, name := range panels {
		p := plot.New()
		p.Title.Text = name
		if i == 0 {
			p.Title.Text = res.Scenario + " capacity: " + name
		}
		p.X.Label.Text = "offered load (" + res.Load + ")"
		p.Add(plotter.NewGrid())
		p.Legend.Left = true
		for j, row := range res.Rows {
			xys := make(plotter.XYs, 0, len(row.Levels))
			for _, l := range row.Levels {
				if s, ok := l.Metrics[name]; ok {
					xys = append(xys, plotter.XY{X: l.Load, Y: s.Mean})
				}
			}
			if len(xys) == 0 {
				continue
			}
			ln, err := plotter.NewLine(xys)
			if err != nil {
				return fmt.Errorf("%s of %s: %w", name, row.Label, err)
			}
			ln.Color, ln.Width, ln.Dashes = plotutil.Color(j%7), vg.Points(1.5), plotutil.Dashes(j/7)
			p.Add(ln)
			if i == 0 {
				label := row.Label
				if label == "" {
					label = "default"
				}
				p.Legend.Add(label, ln)
			}
			for _, mark := range []struct {
				at    int
				shape draw.GlyphDrawer
			}{{row.Knee, draw.CircleGlyph{}}, {row.Capacity, draw.TriangleGlyph{}}} {
				if mark.at < 0 || mark.at >= len(xys) {
					continue
				}
				sc, err := plotter.NewScatter(plotter.XYs{xys[mark.at]})
				if err != nil {
					return err
				}
				sc.Shape, sc.Color, sc.Radius = mark.shape, plotutil.Color(j%7), vg.Points(5)
				p.Add(sc)
			}
		}
		plots[i] = []*plot.Plot{p}
	}
	width, height := 9*vg.Inch, vg.Length(len(panels))*3*vg.Inch
	var c vg.CanvasWriterTo
	if strings.ToLower(filepath.Ext(path)) == ".png" {
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
