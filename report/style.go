package report

import (
	"bytes"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/transports"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The look of every figure: one style per transport, the legend beside the
// data, and one tick rule for every axis.
//
// A transport's style is its colour and marker, picked by its index in the
// transports registry (transports.Names' order, opt-in ones included), so
// pipe looks the same in every plot of every report whichever transports
// ran beside it, and a newly registered transport gets the next style. The
// colour cycles over eight and the marker over seven shapes: 8 and 7 share
// no factor, so the first 56 indexes all differ in colour or marker, and
// two that share a colour are eight apart and differ in marker. Lines are
// solid: a dash pattern means the run (see runDashes), never the transport.

// seriesColors is Okabe and Ito's colour-blind-safe palette without its
// yellow (too faint on white), with Paul Tol's wine in its place.
var seriesColors = []color.Color{
	color.RGBA{0x00, 0x72, 0xb2, 0xff}, // blue
	color.RGBA{0xe6, 0x9f, 0x00, 0xff}, // orange
	color.RGBA{0x00, 0x9e, 0x73, 0xff}, // bluish green
	color.RGBA{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	color.RGBA{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	color.RGBA{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
	color.RGBA{0x88, 0x22, 0x55, 0xff}, // wine (Tol)
}

// seriesShapes are the markers: five filled shapes and two strokes, each
// distinct in outline at 3 points' radius.
var seriesShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, diamondGlyph{},
	invPyramidGlyph{}, strokeGlyph{cross: true}, strokeGlyph{},
}

// runDashes tell the runs of a multi-run plot apart: the first run solid,
// the second dashed, the third dotted, the fourth dash-dotted, then again.
// A single-run plot has only the first.
var runDashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(1.5), vg.Points(2.5)},
	{vg.Points(8), vg.Points(2), vg.Points(1.5), vg.Points(2)},
}

// sloLineStyle draws a reference line, such as the SLO bound: solid
// (dashes mean the run), thick and grey, a colour no series has.
var sloLineStyle = draw.LineStyle{Color: color.Gray{Y: 0x88}, Width: vg.Points(2.5)}

// runDash is the dash pattern of run fi (0 is the first file).
func runDash(fi int) []vg.Length { return runDashes[fi%len(runDashes)] }

// seriesStyle is series i's line and marker: solid, in its colour.
func seriesStyle(i int) (draw.LineStyle, draw.GlyphStyle) {
	c := seriesColors[i%len(seriesColors)]
	ls := draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	gs := draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: seriesShapes[i%len(seriesShapes)]}
	return ls, gs
}

// diamondGlyph is a filled square standing on a corner.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := sty.Radius * 1.25
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}

// invPyramidGlyph is a filled triangle pointing down.
type invPyramidGlyph struct{}

func (invPyramidGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := sty.Radius * 1.2
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r/2})
	p.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r/2})
	p.Close()
	c.Fill(p)
}

// strokeGlyph is a plus, or with cross an x, in strokes thick enough to
// hold their colour (gonum's are 0.5 points).
type strokeGlyph struct{ cross bool }

func (g strokeGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.6)})
	r := sty.Radius * 1.2
	dx, dy := r, vg.Length(0)
	if g.cross {
		dx, dy = r*0.75, r*0.75
	}
	for _, d := range [][2]vg.Length{{dx, dy}, {-dy, dx}} {
		var p vg.Path
		p.Move(vg.Point{X: pt.X - d[0], Y: pt.Y - d[1]})
		p.Line(vg.Point{X: pt.X + d[0], Y: pt.Y + d[1]})
		c.Stroke(p)
	}
}

// transportIndex is a transport's place in the registry; a name the
// registry does not know (an old results file) comes after every
// registered one, in the order of extra.
func transportIndex(name string, extra []string) int {
	names := transports.Names()
	for i, n := range names {
		if n == name {
			return i
		}
	}
	for i, n := range extra {
		if n == name {
			return len(names) + i
		}
	}
	return len(names) + len(extra)
}

// Font sizes in points. A figure is 6 in wide, 576 CSS pixels; a phone
// scales it to about 360, so 12 pt (16 px) still reads as 10 px there.
const (
	legendFontPt = 11
	tickFontPt   = 12
	labelFontPt  = 12
	titleFontPt  = 13
)

// pngScale is how many PNG pixels a figure has per CSS pixel: 2, so that
// a high-DPI screen shows it sharp. Its PNG is pngScale × PNGSize pixels.
const pngScale = 2

func setFonts(p *plot.Plot) {
	p.Title.TextStyle.Font.Size = vg.Points(titleFontPt)
	p.X.Label.TextStyle.Font.Size = vg.Points(labelFontPt)
	p.Y.Label.TextStyle.Font.Size = vg.Points(labelFontPt)
	p.X.Tick.Label.Font.Size = vg.Points(tickFontPt)
	p.Y.Tick.Label.Font.Size = vg.Points(tickFontPt)
	p.Legend.TextStyle.Font = font.From(plot.DefaultFont, legendFontPt)
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.Padding = vg.Points(1)
	p.Legend.Top, p.Legend.Left = true, true
}

// newCanvas is a figure's canvas: an SVG in points, or a PNG at pngScale
// times 96 dpi.
func newCanvas(ext string) (vg.CanvasWriterTo, error) {
	if ext == "png" {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(96*pngScale),
			vgimg.UseBackgroundColor(color.White))}, nil
	}
	return draw.NewFormattedCanvas(plotWidth, plotHeight, ext)
}

// encodePlot renders p as "png" or "svg" at the figure size, with its
// legend in a column right of the plot instead of over the data: gonum
// draws a legend only inside the data area. A legend taller than the
// figure is set in a smaller font until it fits.
func encodePlot(p *plot.Plot, ext string) ([]byte, error) {
	cw, err := newCanvas(ext)
	if err != nil {
		return nil, err
	}
	c := draw.New(cw)
	// The title spans the whole figure, legend column included: gonum
	// would centre it over the data alone and cut a long one off.
	title := p.Title.Text
	if title != "" {
		p.Title.Text = ""
		defer func() { p.Title.Text = title }()
		ts := p.Title.TextStyle
		ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
		c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 2}, title)
		c.Max.Y -= ts.Height(title) + p.Title.Padding + 4
	}
	legend := p.Legend
	room := c.Size().Y
	for sz := legend.TextStyle.Font.Size; legend.Rectangle(c).Size().Y > room && sz > 6; sz-- {
		legend.TextStyle.Font.Size = sz - 1
	}
	lw := legend.Rectangle(c).Size().X
	if lw > 0 {
		const gap = vg.Length(8)
		plotC := c
		plotC.Max.X -= lw + 2*gap
		p.Legend = plot.NewLegend()
		p.Draw(plotC)
		p.Legend = legend
		legC := c
		legC.Min.X = plotC.Max.X + gap
		legend.Top, legend.Left, legend.XOffs, legend.YOffs = true, true, 0, 0
		legend.Draw(legC)
	} else {
		p.Draw(c)
	}
	var b bytes.Buffer
	if _, err := cw.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Tick rule, for every axis: ticks at 1, 2 and 5 × 10^k (every digit where
// the axis spans less than a factor of 4; only powers of ten, the rest
// unlabelled, past four decades), each labelled by siLabel in the axis'
// unit: 500ns, 10µs, 1ms; 0.5, 20, 100k, 1M; 200MB/s, 1GB/s.
type siTicks struct {
	unit string // "µs", "ns", "MB/s", "B" or "" (a count)
}

func (t siTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	var ticks []plot.Tick
	for _, steps := range [][]float64{{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		ticks = stepTicks(min, max, steps, max/min > 1e4, t.unit)
		if labelled(ticks) >= 2 {
			return ticks
		}
	}
	return ticks
}

func stepTicks(min, max float64, steps []float64, decadesOnly bool, unit string) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range steps {
			v := m * math.Pow(10, e)
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			tk := plot.Tick{Value: v}
			if m == 1 || !decadesOnly {
				tk.Label = siLabel(v, unit)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

func labelled(ticks []plot.Tick) int {
	n := 0
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// linearTicks labels a linear axis from 0 at a 1, 2 or 5 × 10^k step
// giving four to eight ticks, in siLabel's format.
type linearTicks struct{ unit string }

func (t linearTicks) Ticks(min, max float64) []plot.Tick {
	if max <= min {
		return nil
	}
	step := 0.0
	for e := math.Floor(math.Log10((max-min)/8)) - 1; step == 0; e++ {
		for _, m := range []float64{1, 2, 5} {
			if s := m * math.Pow(10, e); (max-min)/s <= 8 {
				step = s
				break
			}
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(min/step-1e-9) * step; v <= max*(1+1e-9); v += step {
		v = math.Round(v/step) * step
		ticks = append(ticks, plot.Tick{Value: v, Label: siLabel(v, t.unit)})
	}
	return ticks
}

// siLabel prints v, in unit, with an SI prefix and at most three
// significant digits: siLabel(2000, "µs") is "2ms", siLabel(1.5e5, "") "150k".
func siLabel(v float64, unit string) string {
	if v == 0 {
		return "0"
	}
	switch unit {
	case "µs", "ns": // a duration: ns, µs, ms, s
		ns := v
		if unit == "µs" {
			ns = v * 1e3
		}
		for _, u := range []struct {
			div  float64
			name string
		}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
			if math.Abs(ns) >= u.div*0.9995 {
				return num(ns/u.div) + u.name
			}
		}
		return num(ns) + "ns"
	case "MB/s":
		return prefixed(v*1e6) + "B/s"
	case "B":
		return prefixed(v) + "B"
	}
	if math.Abs(v) < 1 {
		return num(v)
	}
	return prefixed(v)
}

// prefixed prints v with k, M, G or T.
func prefixed(v float64) string {
	for _, u := range []struct {
		mul  float64
		name string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.mul*0.9995 {
			return num(v/u.mul) + u.name
		}
	}
	return num(v)
}

// num prints at most three significant digits, without trailing zeros.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', max(0, 2-int(math.Floor(math.Log10(math.Abs(v))))), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fitLogRange sets a log axis from a bit below the smallest value shown
// to a bit above the largest (the data range gonum found, error bars
// included), and keeps it drawable: gonum widens a single value v to
// [v-1, v+1], below zero for v < 1, which a log scale cannot show.
func fitLogRange(a *plot.Axis, lo, hi float64) {
	if hi <= 0 || math.IsInf(hi, 0) {
		a.Min, a.Max = 1, 10
		return
	}
	if lo <= 0 || lo > hi {
		lo = hi / 1e3
	}
	if hi/lo < 1.5 { // one value, or nearly: a factor of 2 around it
		m := math.Sqrt(lo * hi)
		lo, hi = m/1.5, m*1.5
	}
	a.Min, a.Max = lo/1.2, hi*1.2
}

// yRange collects the smallest and largest positive values drawn on an
// axis, for fitLogRange: gonum's own range may hold the zero ends of error
// bars.
type yRange struct{ lo, hi float64 }

func (r *yRange) add(v float64) {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if r.lo == 0 || v < r.lo {
		r.lo = v
	}
	r.hi = max(r.hi, v)
}

// groupBars is a grouped bar chart in data units: gonum's BarChart takes
// its width in points, so bars overlap once groups sit closer than that.
// Group g (a transport) is centred at X = g; its Count bars (one per file)
// share Fill of the unit spacing.
type groupBars struct {
	Values []float64 // one per group; ≤ 0 draws nothing
	Index  int       // this bar's place in its group, of Count
	Count  int
	Colors []color.Color // one per group
}

// barFill is the part of the spacing between groups that bars take.
const barFill = 0.8

// barWidth is each bar's width in X units (the group spacing is 1).
func barWidth(count int) float64 { return barFill / float64(max(count, 1)) }

func (b groupBars) center(g int) float64 {
	w := barWidth(b.Count)
	return float64(g) + w*(float64(b.Index)-float64(b.Count-1)/2)
}

func (b groupBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	w := barWidth(b.Count)
	for g, v := range b.Values {
		if v <= 0 {
			continue
		}
		x0, x1 := trX(b.center(g)-w/2), trX(b.center(g)+w/2)
		y0, y1 := trY(math.Max(p.Y.Min, 0)), trY(v)
		c.FillPolygon(b.Colors[g], c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
	}
}

func (b groupBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.Values))-0.5 // whole groups: no bar clipped
	for _, v := range b.Values {
		ymax = math.Max(ymax, v)
	}
	return xmin, xmax, 0, ymax
}

// barThumb is a legend swatch.
type barThumb struct{ color color.Color }

func (t barThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(t.color)
	c.Fill(c.Rectangle.Path())
}

// lighter mixes c with white: a later file's bars in an overlay.
func lighter(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8) + (255-float64(v>>8))*f) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
}

var _ plot.Plotter = groupBars{}
var _ plot.DataRanger = groupBars{}
var _ plot.Thumbnailer = barThumb{}
