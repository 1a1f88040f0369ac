package report

import (
	"bytes"
	"fmt"
	"image/color"
	"slices"

	"github.com/ipcbench/ipcbench/results/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// changeColors tell a comparison's metrics apart (Okabe and Ito), with a
// marker each for readers who do not see the colours.
var changeColors = []color.Color{
	color.RGBA{0x00, 0x72, 0xb2, 0xff}, color.RGBA{0xd5, 0x5e, 0x00, 0xff},
	color.RGBA{0x00, 0x9e, 0x73, 0xff}, color.RGBA{0xcc, 0x79, 0xa7, 0xff},
}

var changeShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}}

// changeRowHeight is the height of one case's row in the dot plot.
const changeRowHeight = vg.Length(13)

// ChangePlot draws a comparison as a dot plot: a row per case, a dot per
// metric at its change in per cent with its 95 % interval (stats.Delta's
// ChangeInterval) as a bar, a solid line at no change and dashed lines
// at ± the threshold. Metrics left untested are not drawn.
func ChangePlot(c *stats.Comparison) (*plot.Plot, vg.Length, error) {
	var cases, metrics []string
	for _, d := range c.Deltas {
		if d.Verdict == stats.VerdictUntested {
			continue
		}
		if !slices.Contains(cases, d.Case) {
			cases = append(cases, d.Case)
		}
		if !slices.Contains(metrics, d.Metric) {
			metrics = append(metrics, d.Metric)
		}
	}
	if len(cases) == 0 {
		return nil, 0, errEmpty
	}
	p := newPlot("change from base to new, with 95 % intervals", "change (%)", "")
	slices.Reverse(cases) // the first case on top
	p.NominalY(cases...)
	for mi, m := range metrics {
		if err := addChanges(p, c, m, mi, len(metrics), cases); err != nil {
			return nil, 0, err
		}
	}
	lo, hi := p.X.Min, p.X.Max
	t := 100 * c.Threshold
	for _, x := range []float64{-t, 0, t} {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: -0.5}, {X: x, Y: float64(len(cases)) - 0.5}})
		if err != nil {
			return nil, 0, err
		}
		l.LineStyle.Color, l.LineStyle.Width = color.Gray{Y: 0x44}, vg.Points(0.8)
		if x != 0 {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		if x == t {
			p.Legend.Add(fmt.Sprintf("threshold ±%g %%", t), l)
		}
	}
	p.X.Min, p.X.Max = min(lo, -2*t), max(hi, 2*t)
	return p, plotHeightFor(len(cases)), nil
}

// plotHeightFor is the height of a dot plot of n rows.
func plotHeightFor(n int) vg.Length {
	return max(plotHeight, vg.Length(n)*changeRowHeight+vg.Inch)
}

// addChanges draws metric m's dots and intervals, offset within each row
// by its place mi among n metrics.
func addChanges(p *plot.Plot, c *stats.Comparison, m string, mi, n int, cases []string) error {
	var pts plotter.XYs
	var errs plotter.XErrors
	for _, d := range c.Deltas {
		if d.Metric != m || d.Verdict == stats.VerdictUntested {
			continue
		}
		y := float64(slices.Index(cases, d.Case)) + 0.6*(float64(mi)+0.5)/float64(n) - 0.3
		pct, lo, hi, ok := d.ChangeInterval()
		if !ok {
			lo, hi = pct, pct
		}
		pts = append(pts, plotter.XY{X: pct, Y: y})
		errs = append(errs, struct{ Low, High float64 }{pct - lo, hi - pct})
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	col := changeColors[mi%len(changeColors)]
	s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: changeShapes[mi%len(changeShapes)]}
	bars, err := plotter.NewXErrorBars(struct {
		plotter.XYer
		plotter.XErrorer
	}{pts, errs})
	if err != nil {
		return err
	}
	bars.LineStyle.Color, bars.CapWidth = col, vg.Points(3)
	p.Add(bars, s)
	p.Legend.Add(m, s)
	return nil
}

// changeWidth is the dot plot's width, the other plots' width.
const changeWidth = 6 * vg.Inch

// drawBeside draws p on c with its legend at the top right, outside the
// data, which it would otherwise hide.
func drawBeside(p *plot.Plot, c draw.Canvas) {
	legend := p.Legend
	width := legend.Rectangle(c).Size().X + vg.Points(8)
	data := c
	data.Max.X -= width
	p.Legend = plot.NewLegend()
	p.Draw(data)
	p.Legend = legend
	side := c
	side.Min.X = data.Max.X + vg.Points(4)
	legend.Top, legend.Left, legend.XOffs, legend.YOffs = true, true, 0, 0
	legend.Draw(side)
}

// renderChange draws a comparison's dot plot as PNG (at 2×, for high-DPI
// screens) and SVG, as tall as its rows need.
func renderChange(name, caption string, c *stats.Comparison) (Figure, error) {
	p, height, err := ChangePlot(c)
	if err != nil {
		return Figure{}, err
	}
	f := Figure{Name: name, Caption: caption}
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(changeWidth, height), vgimg.UseDPI(192))}
	drawBeside(p, draw.New(png))
	var b bytes.Buffer
	if _, err := png.WriteTo(&b); err != nil {
		return f, fmt.Errorf("plot %s as png: %w", name, err)
	}
	f.PNG = b.Bytes()
	svg := vgsvg.New(changeWidth, height)
	drawBeside(p, draw.New(svg))
	b = bytes.Buffer{}
	if _, err := svg.WriteTo(&b); err != nil {
		return f, fmt.Errorf("plot %s as svg: %w", name, err)
	}
	f.SVG = b.Bytes()
	return f, nil
}

// changeFigures draws the dot plot of each comparison.
func changeFigures(cs []comparison) ([]Figure, error) {
	var out []Figure
	for _, c := range cs {
		f, err := renderChange(c.Figure, fmt.Sprintf("%s against %s: the change of each case, each metric a marker, with its 95 %% interval; dashed lines at the threshold", c.New, c.Base), c.C)
		if err == errEmpty {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
