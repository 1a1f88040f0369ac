// Package report renders parsed ipcbench results as plots (gonum/plot) and a
// self-contained HTML or Markdown report. It never runs a benchmark: every
// figure comes from results files, and each plot is a function of them that
// returns a *plot.Plot.
package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/workloads"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Input is one results file and the label its lines carry in plots.
type Input struct {
	Label string
	File  *results.File
}

// transportsOf lists the transports in the inputs, in first-seen order, so
// that one transport keeps one colour across every plot.
func transportsOf(in []Input) []string {
	var out []string
	seen := map[string]bool{}
	for _, i := range in {
		for _, c := range i.File.Cases {
			if !seen[c.Transport] {
				seen[c.Transport] = true
				out = append(out, c.Transport)
			}
		}
	}
	return out
}

// sizesOf lists the sizes of ok cases of a workload, ascending.
func sizesOf(in []Input, workload string) []int {
	seen := map[int]bool{}
	var out []int
	for _, i := range in {
		for _, c := range i.File.Cases {
			if c.Workload == workload && c.Status == results.StatusOK && !seen[c.SizeBytes] {
				seen[c.SizeBytes] = true
				out = append(out, c.SizeBytes)
			}
		}
	}
	sort.Ints(out)
	return out
}

func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Add(plotter.NewGrid())
	return p
}

// makeRoomForLegend raises the top of a log Y axis so that a legend of n
// entries in the top corner sits above the data instead of over it.
func makeRoomForLegend(p *plot.Plot, n int) {
	const entryPt, axisPt = 10.0, 240.0 // legend line height; drawable height of a 4 in plot
	f := math.Min(0.6, float64(n)*entryPt/axisPt)
	if p.Y.Min <= 0 || p.Y.Max <= p.Y.Min {
		return
	}
	p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, f/(1-f))
}

// addLegend names each transport drawn once, by colour, and, with several
// files, each file once, by line style and glyph: n + m entries, not n × m.
func addLegend(p *plot.Plot, in []Input, drawn map[string]bool) {
	entries := len(drawn)
	if len(in) > 1 {
		entries += len(in)
	}
	makeRoomForLegend(p, entries)
	for ti, tr := range transportsOf(in) {
		if !drawn[tr] {
			continue
		}
		ls, _ := style(ti, 0)
		ls.Dashes = nil
		line := &plotter.Line{LineStyle: ls}
		p.Legend.Add(tr, line)
	}
	if len(in) < 2 {
		return
	}
	grey := color.Gray{Y: 0x55}
	for fi, input := range in {
		ls, gs := style(0, fi)
		ls.Color, gs.Color = grey, grey
		p.Legend.Add(input.Label, &plotter.Line{LineStyle: ls}, &plotter.Scatter{GlyphStyle: gs})
	}
}

// transportColors is the Tableau 10 palette: ten colours that stay apart,
// one per transport (plotutil's seven would repeat across nine transports).
var transportColors = []color.Color{
	color.RGBA{0x4e, 0x79, 0xa7, 0xff}, color.RGBA{0xf2, 0x8e, 0x2b, 0xff}, color.RGBA{0xe1, 0x57, 0x59, 0xff},
	color.RGBA{0x76, 0xb7, 0xb2, 0xff}, color.RGBA{0x59, 0xa1, 0x4f, 0xff}, color.RGBA{0xed, 0xc9, 0x48, 0xff},
	color.RGBA{0xb0, 0x7a, 0xa1, 0xff}, color.RGBA{0xff, 0x9d, 0xa7, 0xff}, color.RGBA{0x9c, 0x75, 0x5f, 0xff},
	color.RGBA{0xba, 0xb0, 0xac, 0xff},
}

// style gives transport t of input f its colour (by transport), dashes and
// glyph (by file), so that several files overlay distinguishably.
func style(transportIdx, fileIdx int) (draw.LineStyle, draw.GlyphStyle) {
	c := transportColors[transportIdx%len(transportColors)]
	ls := draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: plotutil.Dashes(fileIdx)}
	gs := draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: plotutil.Shape(fileIdx)}
	return ls, gs
}

// sizeTicks marks exactly the message sizes measured, labelled 64 B, 4 KiB.
func sizeTicks(sizes []int) plot.ConstantTicks {
	var t plot.ConstantTicks
	for _, s := range sizes {
		t = append(t, plot.Tick{Value: float64(s), Label: results.FormatBytes(s)})
	}
	return t
}

// valueTicks labels a log axis. gonum's LogTicks labels only powers of ten,
// which leaves a narrow range (20 to 60 µs, say) unlabelled; below three
// decades this labels 1, 2 and 5 times each power of ten as well.
type valueTicks struct{}

func (valueTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 || max/min >= 1000 {
		return plot.LogTicks{Prec: -1}.Ticks(min, max)
	}
	steps := []float64{1, 2, 5}
	if max/min < 4 { // less than a 1-2-5 step or two: use every digit
		steps = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range steps {
			v := m * math.Pow(10, e)
			if v >= min*0.999 && v <= max*1.001 {
				ticks = append(ticks, plot.Tick{Value: v, Label: compact(v)})
			}
		}
	}
	if len(ticks) < 2 { // still inside one step: label the ends
		ticks = append(ticks, plot.Tick{Value: min, Label: compact(min)}, plot.Tick{Value: max, Label: compact(max)})
	}
	return ticks
}

// compact prints a tick value briefly: 0.5, 20, 500, 2.0k, 150.0k, 3.00M.
func compact(v float64) string {
	if v >= 1e3 {
		return format.Rate(v)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// fitLog keeps a log axis drawable once its data is added: gonum widens a
// single value v to [v-1, v+1], below zero for v < 1, and its log scale
// panics on anything not above zero. Callers plot only positive values, so
// a range that is still not positive has nothing on it.
func fitLog(a *plot.Axis) {
	if a.Max <= 0 {
		a.Min, a.Max = 1, 10
		return
	}
	if a.Min <= 0 {
		a.Min = a.Max / 1e3
	}
	if a.Min == a.Max {
		a.Min, a.Max = a.Min/2, a.Max*2
	}
}

// logY puts the Y axis on a log scale with valueTicks.
func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = valueTicks{}
}

// errEmpty means a plot has nothing to draw; callers leave it out.
var errEmpty = fmt.Errorf("no data to plot")

// metricVsSize draws one line per transport and file of metric(case) against
// message size, with optional error bars up to hi(case).
func metricVsSize(in []Input, workload, title, yLabel string, metric, hi func(results.Case) float64) (*plot.Plot, error) {
	sizes := sizesOf(in, workload)
	if len(sizes) == 0 {
		return nil, errEmpty
	}
	p := newPlot(title, "message size", yLabel)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = sizeTicks(sizes)
	logY(p)
	drawn := map[string]bool{}
	for fi, input := range in {
		for ti, tr := range transportsOf(in) {
			var pts plotter.XYs
			var errs plotter.YErrors
			for _, c := range input.File.Cases {
				if c.Transport != tr || c.Workload != workload || c.Status != results.StatusOK {
					continue
				}
				v := metric(c)
				if v <= 0 {
					continue
				}
				pts = append(pts, plotter.XY{X: float64(c.SizeBytes), Y: v})
				high := 0.0
				if hi != nil {
					high = math.Max(0, hi(c)-v)
				}
				errs = append(errs, struct{ Low, High float64 }{0, high})
			}
			if len(pts) == 0 {
				continue
			}
			sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			line.LineStyle, points.GlyphStyle = style(ti, fi)
			p.Add(line, points)
			drawn[tr] = true
			if hi != nil {
				eb, err := plotter.NewYErrorBars(errorPoints{pts, errs})
				if err != nil {
					return nil, err
				}
				eb.LineStyle = line.LineStyle
				eb.LineStyle.Dashes = nil
				eb.LineStyle.Width = vg.Points(0.8)
				p.Add(eb)
			}
		}
	}
	if len(drawn) == 0 {
		return nil, errEmpty // every value was 0: nothing a log axis can show
	}
	fitLog(&p.X)
	fitLog(&p.Y)
	addLegend(p, in, drawn)
	return p, nil
}

type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

func us(ns int64) float64 { return float64(ns) / 1e3 }

// LatencyVsSize plots p50 latency against message size, one line per
// transport, with bars up to p99, titled with what the workload times.
func LatencyVsSize(in []Input, workload string) (*plot.Plot, error) {
	d, ok := workloads.Lookup(workload)
	if !ok || d.Latency == workloads.NoLatency {
		return nil, errEmpty
	}
	return metricVsSize(in, workload, fmt.Sprintf("%s: %s latency, p50 (bars to p99)", workload, d.Latency), "latency (µs, log)",
		func(c results.Case) float64 { return us(c.Latency.P50Ns) },
		func(c results.Case) float64 { return us(c.Latency.P99Ns) })
}

// ThroughputVsSize plots MB/s (unit "MB/s") or messages per second ("msgs/s").
func ThroughputVsSize(in []Input, workload, unit string) (*plot.Plot, error) {
	metric := func(c results.Case) float64 { return c.MBPerSec }
	if unit == "msgs/s" {
		metric = func(c results.Case) float64 { return c.MsgsPerSec }
	}
	return metricVsSize(in, workload, fmt.Sprintf("%s: throughput (%s)", workload, unit), unit+" (log)", metric, nil)
}

// percentileX maps a percentile to the spectrum's x axis: 0 at 0 %, 1 at
// 90 %, 2 at 99 %, 3 at 99.9 %.
func percentileX(q float64) float64 { return -math.Log10(1 - q/100) }

// LatencyDistribution plots the latency percentile spectrum (p0 to p99.99)
// of each transport at one size, drawn from the HDR histograms in the results.
func LatencyDistribution(in []Input, workload string, size int) (*plot.Plot, error) {
	p := newPlot(fmt.Sprintf("%s at %s: latency percentile spectrum", workload, results.FormatBytes(size)), "percentile", "latency (µs, log)")
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 1, Label: "90%"}, {Value: 2, Label: "99%"},
		{Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"}}
	p.X.Min, p.X.Max = 0, 4
	logY(p)
	drawn := map[string]bool{}
	for fi, input := range in {
		for ti, tr := range transportsOf(in) {
			for _, c := range input.File.Cases {
				if c.Transport != tr || c.Workload != workload || c.SizeBytes != size || c.Status != results.StatusOK || c.HistogramHDR == "" {
					continue
				}
				h, err := results.DecodeHistogram(c.HistogramHDR)
				if err != nil {
					return nil, fmt.Errorf("%s %s/%s/%d: %w", input.Label, tr, workload, size, err)
				}
				var pts plotter.XYs
				for _, b := range h.CumulativeDistribution() {
					x := percentileX(b.Quantile)
					if b.Quantile >= 99.99 {
						x = 4
					}
					if b.ValueAt > 0 { // a log axis cannot show 0 ns
						pts = append(pts, plotter.XY{X: x, Y: us(b.ValueAt)})
					}
					if x == 4 {
						break
					}
				}
				if len(pts) == 0 {
					continue
				}
				line, err := plotter.NewLine(pts)
				if err != nil {
					return nil, err
				}
				line.LineStyle, _ = style(ti, fi)
				p.Add(line)
				drawn[tr] = true
			}
		}
	}
	if len(drawn) == 0 {
		return nil, errEmpty
	}
	fitLog(&p.Y)
	addLegend(p, in, drawn)
	return p, nil
}

// Cost metrics for CostBars.
var costMetrics = map[string]struct {
	title, unit string
	value       func(results.Case) float64
}{
	"cpu":      {"CPU time per message (both workers, user+sys)", "µs", func(c results.Case) float64 { return c.CPUNsPerMsg / 1e3 }},
	"syscalls": {"syscalls per message", "syscalls", func(c results.Case) float64 { return c.SyscallsPerMsg }},
	"copies":   {"copies per message (bytes moved / payload)", "copies", func(c results.Case) float64 { return c.CopiesPerMsg }},
}

// CostBars draws metric ("cpu", "syscalls" or "copies") per transport as
// grouped bars, one bar per results file, for one workload and size.
func CostBars(in []Input, workload string, size int, metric string) (*plot.Plot, error) {
	m, ok := costMetrics[metric]
	if !ok {
		return nil, fmt.Errorf("unknown cost metric %q", metric)
	}
	trs := transportsOf(in)
	p := newPlot(fmt.Sprintf("%s at %s: %s", workload, results.FormatBytes(size), m.title), "", m.unit)
	p.Legend.Left = false
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	width := vg.Points(40 / float64(len(in))) // integer division gave 0, refused by gonum, past 40 files
	any := false
	for fi, input := range in {
		vals := make(plotter.Values, len(trs))
		for ti, tr := range trs {
			for _, c := range input.File.Cases {
				if c.Transport == tr && c.Workload == workload && c.SizeBytes == size && c.Status == results.StatusOK {
					vals[ti] = m.value(c)
					any = true
				}
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, err
		}
		bars.Color = fileColor(fi)
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(fi)-float64(len(in)-1)/2)
		p.Add(bars)
		if len(in) > 1 {
			p.Legend.Add(input.Label, bars)
		}
	}
	if !any {
		return nil, errEmpty
	}
	p.NominalX(trs...)
	p.Y.Min = 0
	p.Y.Max *= 1.15 // room for the legend above the tallest bar
	return p, nil
}

func fileColor(i int) color.Color {
	palette := []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	}
	return palette[i%len(palette)]
}
