package report

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/ipcbench/ipcbench/internal/safeout"
	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trend plots one metric of a history: runs along X in time order, labelled
// by date and commit, one line per case with its 95 % confidence intervals
// as bars, and each flagged point ringed: red where it regressed from the
// run before, green where it improved. Behind each line, each segment
// between the change points of its host's series (stats.Series.Segments)
// is a light band in the line's colour over its median's 95 % interval,
// with the median as a dashed line; neighbouring segments alternate in
// shade.
func Trend(h *stats.History) (*plot.Plot, error) {
	if len(h.Series) == 0 {
		return nil, errEmpty
	}
	scale, unit := 1.0, h.Unit
	if unit == "ns" || unit == "ns/msg" {
		scale, unit = 1e3, strings.Replace(unit, "ns", "µs", 1)
	}
	p := newPlot(fmt.Sprintf("%s over %d runs", h.Metric, len(h.Runs)), "run (UTC)", fmt.Sprintf("%s (%s)", h.Metric, unit))
	var ticks plot.ConstantTicks
	for i, label := range trendTickLabels(h.Runs) {
		ticks = append(ticks, plot.Tick{Value: float64(i + 1), Label: label})
	}
	p.X.Tick.Marker = ticks
	p.X.Label.Padding = vg.Points(8) // clear of the ticks' third line
	p.X.Min, p.X.Max = 0.5, float64(len(h.Runs))+0.5
	shaded := false
	for si, s := range h.Series {
		for _, band := range segmentBands(s, scale) {
			if err := addSegmentBand(p, si, band); err != nil {
				return nil, err
			}
			shaded = true
		}
	}
	for si, s := range h.Series {
		if err := addTrendSeries(p, si, s, scale); err != nil {
			return nil, err
		}
	}
	if shaded {
		ls, _ := seriesStyle(0)
		p.Legend.Add("segment: median, 95% CI", &plotter.Polygon{Color: bandColor(ls.Color, 0), LineStyle: draw.LineStyle{}})
	}
	p.Legend.Add("regression (ringed red)", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: color.RGBA{0xd6, 0x27, 0x28, 0xff}, Radius: vg.Points(4), Shape: draw.RingGlyph{}}})
	p.Y.Min = 0
	p.Y.Max *= 1.05
	p.Y.Tick.Marker = linearTicks{tickUnit(unit)}
	return p, nil
}

// addTrendSeries draws series s, the si-th, as a line with its confidence
// intervals as bars and its flagged points ringed.
func addTrendSeries(p *plot.Plot, si int, s stats.Series, scale float64) error {
	var pts plotter.XYs
	var errs plotter.YErrors
	var bad, good plotter.XYs
	for _, pt := range s.Points {
		xy := plotter.XY{X: float64(pt.Run + 1), Y: pt.Value.Median / scale}
		pts = append(pts, xy)
		var e struct{ Low, High float64 }
		if ci := pt.Value.CI95; ci != nil {
			e.Low, e.High = xy.Y-ci.Lo/scale, ci.Hi/scale-xy.Y
		}
		errs = append(errs, e)
		switch pt.Verdict {
		case stats.VerdictRegression:
			bad = append(bad, xy)
		case stats.VerdictImprovement:
			good = append(good, xy)
		}
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.LineStyle, points.GlyphStyle = seriesStyle(si)
	eb, err := plotter.NewYErrorBars(errorPoints{pts, errs})
	if err != nil {
		return err
	}
	eb.LineStyle = line.LineStyle
	eb.LineStyle.Width = vg.Points(0.8)
	p.Add(line, points, eb)
	p.Legend.Add(s.Case, line, points)
	for _, ring := range []struct {
		at    plotter.XYs
		color color.Color
	}{{bad, color.RGBA{0xd6, 0x27, 0x28, 0xff}}, {good, color.RGBA{0x2c, 0xa0, 0x2c, 0xff}}} {
		if len(ring.at) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(ring.at)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: ring.color, Radius: vg.Points(6), Shape: draw.RingGlyph{}}
		p.Add(sc)
	}
	return nil
}

// segmentBand is one segment of a series as the trend plot draws it, in
// the plot's units: X0 to X1 spans its runs (half a run either side of
// the first and last), Lo to Hi its median's interval (both the median
// where it has none); Shade alternates 0, 1 from segment to segment of
// one host.
type segmentBand struct {
	X0, X1, Lo, Median, Hi float64
	Shade                  int
}

// segmentBands lays out s's segments for the plot, values divided by
// scale.
func segmentBands(s stats.Series, scale float64) []segmentBand {
	var out []segmentBand
	shade := map[string]int{} // per host: the next segment's shade
	for _, seg := range s.Segments {
		b := segmentBand{X0: float64(seg.FirstRun) + 0.5, X1: float64(seg.LastRun) + 1.5,
			Lo: seg.Median / scale, Median: seg.Median / scale, Hi: seg.Median / scale, Shade: shade[seg.Host]}
		if seg.Lo > 0 && seg.Hi > 0 {
			b.Lo, b.Hi = seg.Lo/scale, seg.Hi/scale
		}
		shade[seg.Host] = 1 - b.Shade
		out = append(out, b)
	}
	return out
}

// addSegmentBand draws band behind the si-th series: a light rectangle
// in its colour and its median as a dashed line.
func addSegmentBand(p *plot.Plot, si int, band segmentBand) error {
	ls, _ := seriesStyle(si)
	poly, err := plotter.NewPolygon(plotter.XYs{{X: band.X0, Y: band.Lo}, {X: band.X1, Y: band.Lo}, {X: band.X1, Y: band.Hi}, {X: band.X0, Y: band.Hi}})
	if err != nil {
		return err
	}
	poly.Color, poly.LineStyle = bandColor(ls.Color, band.Shade), draw.LineStyle{}
	median, err := plotter.NewLine(plotter.XYs{{X: band.X0, Y: band.Median}, {X: band.X1, Y: band.Median}})
	if err != nil {
		return err
	}
	median.LineStyle = draw.LineStyle{Color: ls.Color, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	p.Add(poly, median)
	return nil
}

// bandColor is c made light for a segment's band, a shade lighter or
// darker by shade (0 or 1) so that neighbouring segments stand apart.
func bandColor(c color.Color, shade int) color.Color {
	r, g, b, _ := c.RGBA()
	alpha := uint32(0x50 + 0x30*shade)
	// Premultiplied, as color.RGBA holds it.
	return color.RGBA{uint8(r >> 8 * alpha / 0xff), uint8(g >> 8 * alpha / 0xff), uint8(b >> 8 * alpha / 0xff), uint8(alpha)}
}

// maxTrendLabels is how many ticks of a history plot carry a label at
// most, besides those where the commit or label changes.
const maxTrendLabels = 8

// trendTickLabels labels each run of a history for the X axis: its start
// time in UTC (15:04, with seconds where two runs share a minute), the
// date (01-02) above it where the day changes, and below it the commit
// and label where either changes; each on its own line, blank where
// unchanged, so that the lines of every tick stand level. Past maxTrendLabels
// runs, only every k-th run and each change is labelled.
func trendTickLabels(runs []stats.Run) []string {
	clock := "15:04"
	for i := 1; i < len(runs); i++ {
		if runs[i].Started.UTC().Format(clock) == runs[i-1].Started.UTC().Format(clock) {
			clock = "15:04:05"
			break
		}
	}
	every := (len(runs) + maxTrendLabels - 1) / max(maxTrendLabels, 1)
	labels := make([]string, len(runs))
	prev := -1 // the last labelled run
	for i, r := range runs {
		changed := i > 0 && (r.Commit != runs[i-1].Commit || r.Label != runs[i-1].Label)
		if i%max(every, 1) != 0 && !changed && i != len(runs)-1 {
			continue
		}
		t := r.Started.UTC()
		// Every tick has three lines, a blank one a space (gonum drops
		// trailing empty lines), so that the lines of all ticks stand level.
		lines := []string{" ", t.Format(clock), " "}
		if prev < 0 || t.Format("2006-01-02") != runs[prev].Started.UTC().Format("2006-01-02") {
			lines[0] = t.Format("01-02")
		}
		if prev < 0 || changed {
			var id []string
			if r.Commit != "" {
				id = append(id, textsafe.Terminal(results.ShortCommit(r.Commit)))
			}
			if r.Label != "" {
				id = append(id, textsafe.Terminal(r.Label))
			}
			lines[2] = strings.Join(id, " ")
		}
		labels[i] = strings.Join(lines, "\n")
		prev = i
	}
	return labels
}

// SavePlot writes p to path as PNG or SVG, by the path's extension, at the
// report's figure size, with ipcbench's mark in it. It replaces only a plot
// that carries the mark (see ProvePlot), never another file: that is an
// error wrapping safeout.ErrNotOurs. ReplacePlot replaces any regular file.
func SavePlot(p *plot.Plot, path string) error {
	return savePlot(p, path, ProvePlot)
}

// ReplacePlot is SavePlot over any regular file at path (a --force).
func ReplacePlot(p *plot.Plot, path string) error {
	return savePlot(p, path, nil)
}

func savePlot(p *plot.Plot, path string, proof safeout.Proof) error {
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if ext != "png" && ext != "svg" {
		return fmt.Errorf("plot %s: want a .png or .svg file name", path)
	}
	b, err := encodePlot(p, ext)
	if err == nil {
		b, err = markPlot(b, ext)
	}
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	// Atomic, and over a regular file only: never a device or a symlink.
	if err := safeout.WriteFileProved(path, b, 0o644, proof); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// tickUnit is the unit siLabel takes for a history's unit: a duration's
// "µs" (or "ns"), or a plain count.
func tickUnit(unit string) string {
	if strings.HasPrefix(unit, "µs") {
		return "µs"
	}
	if strings.HasPrefix(unit, "ns") {
		return "ns"
	}
	return ""
}
