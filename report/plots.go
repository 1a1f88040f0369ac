// Package report renders parsed ipcbench results as plots (gonum/plot) and a
// self-contained HTML or Markdown report. It never runs a benchmark: every
// figure comes from results files, and each plot is a function of them that
// returns a *plot.Plot.
package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
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
	setFonts(p)
	p.Add(plotter.NewGrid())
	return p
}

// styler gives each transport of the inputs its style: by its place in
// the transports registry, so that one transport looks the same in every
// plot whichever others ran, and with several files the run's dashes
// (runDashes) for every file after the first.
type styler struct{ extra []string }

func stylerOf(in []Input) styler { return styler{transportsOf(in)} }

func (s styler) style(tr string, fileIdx int) (draw.LineStyle, draw.GlyphStyle) {
	ls, gs := seriesStyle(transportIndex(tr, s.extra))
	ls.Dashes = runDash(fileIdx)
	return ls, gs
}

// orderedTransports lists the transports of the inputs in registry order.
func orderedTransports(in []Input) []string {
	trs := transportsOf(in)
	s := styler{trs}
	sort.SliceStable(trs, func(i, j int) bool { return transportIndex(trs[i], s.extra) < transportIndex(trs[j], s.extra) })
	return trs
}

// addLegend names each transport drawn once, by its line and marker, and,
// with several files, each file once, by its dashes in grey: n + m
// entries, not n × m. encodePlot draws the legend beside the data.
func addLegend(p *plot.Plot, in []Input, drawn map[string]bool) {
	st := stylerOf(in)
	for _, tr := range orderedTransports(in) {
		if !drawn[tr] {
			continue
		}
		ls, gs := st.style(tr, 0)
		p.Legend.Add(tr, &plotter.Line{LineStyle: ls}, &plotter.Scatter{GlyphStyle: gs})
	}
	if len(in) < 2 {
		return
	}
	grey := color.Gray{Y: 0x55}
	for fi, input := range in {
		ls := draw.LineStyle{Color: grey, Width: vg.Points(1.5), Dashes: runDash(fi)}
		p.Legend.Add(textsafe.Terminal(input.Label), &plotter.Line{LineStyle: ls})
	}
}

// sizeTicks marks exactly the message sizes measured, labelled 64 B, 4 KiB.
func sizeTicks(sizes []int) plot.ConstantTicks {
	var t plot.ConstantTicks
	for _, s := range sizes {
		t = append(t, plot.Tick{Value: float64(s), Label: results.FormatBytes(s)})
	}
	return t
}

// logY puts the Y axis on a log scale with the one tick rule, in unit.
func logY(p *plot.Plot, unit string) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = siTicks{unit}
}

// errEmpty means a plot has nothing to draw; callers leave it out.
var errEmpty = fmt.Errorf("no data to plot")

// sizeChart is one figure of a metric against message size.
type sizeChart struct {
	title, yLabel string
	unit          string // the Y axis' unit for its tick labels (siLabel)
	linearY       bool   // a linear Y from 0, for counts a log axis cannot show at 0
	dropFlat      bool   // leave the figure out when no line changes with size
	value         func(results.Case) float64
	// bar, if set, is the interval drawn around a value: [lo, hi], both
	// absolute; ok false draws none.
	bar func(c results.Case, v float64) (lo, hi float64, ok bool)
}

// sizeSeries is one transport's points in one file, with their bars.
type sizeSeries struct {
	tr   string
	fi   int
	pts  plotter.XYs
	errs plotter.YErrors
}

// metricVsSize draws one line per transport and file of ch.value against
// message size on a log X axis. Where bars are drawn, each series is
// nudged sideways by its own small factor (dodge) so that bars at one size
// stand apart; the line moves with its points.
func metricVsSize(in []Input, workload string, ch sizeChart) (*plot.Plot, error) {
	sizes := sizesOf(in, workload)
	if len(sizes) == 0 {
		return nil, errEmpty
	}
	series, yr := collectSizeSeries(in, workload, ch)
	if len(series) == 0 || ch.dropFlat && !anyMoves(series) {
		return nil, errEmpty // every value was 0 (nothing a log axis can show), or flat
	}
	p := newPlot(ch.title, "message size (log)", ch.yLabel)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = sizeTicks(sizes)
	dodge := 0.0
	if ch.bar != nil && len(series) > 1 {
		dodge = dodgeShare * sizeSpanDecades(sizes)
	}
	fitSizeAxis(&p.X, sizes, dodge/2)
	st := stylerOf(in)
	drawn := map[string]bool{}
	for k, ser := range series {
		if dodge > 0 {
			f := math.Pow(10, dodge*(float64(k)/float64(len(series)-1)-0.5))
			for i := range ser.pts {
				ser.pts[i].X *= f
			}
		}
		line, err := addLine(p, st, ser.tr, ser.fi, ser.pts)
		if err != nil {
			return nil, err
		}
		drawn[ser.tr] = true
		if ch.bar != nil {
			eb, err := plotter.NewYErrorBars(errorPoints{ser.pts, ser.errs})
			if err != nil {
				return nil, err
			}
			eb.LineStyle = line.LineStyle
			eb.LineStyle.Dashes = nil
			eb.LineStyle.Width = vg.Points(0.8)
			eb.CapWidth = vg.Points(3)
			p.Add(eb)
		}
	}
	if ch.linearY {
		p.Y.Tick.Marker = linearTicks{ch.unit}
		p.Y.Min, p.Y.Max = 0, yr.hi*1.08
	} else {
		logY(p, ch.unit)
		fitLogRange(&p.Y, yr.lo, yr.hi)
	}
	addLegend(p, in, drawn)
	return p, nil
}

// dodgeShare is how much of the size axis' span, in decades, the nudged
// series of one size take together.
const dodgeShare = 0.16

// collectSizeSeries gathers each file's transports' points, sorted by
// size with their bars, in registry and then file order, and the range of
// the values and bars drawn.
func collectSizeSeries(in []Input, workload string, ch sizeChart) ([]sizeSeries, yRange) {
	var out []sizeSeries
	var yr yRange
	for _, tr := range orderedTransports(in) { // a transport's runs side by side
		for fi, input := range in {
			ser := sizeSeries{tr: tr, fi: fi}
			for _, c := range input.File.Cases {
				if c.Transport != tr || c.Workload != workload || c.Status != results.StatusOK {
					continue
				}
				v := ch.value(c)
				if v < 0 || v == 0 && !ch.linearY || math.IsNaN(v) {
					continue
				}
				ser.pts = append(ser.pts, plotter.XY{X: float64(c.SizeBytes), Y: v})
				yr.add(v)
				var e struct{ Low, High float64 }
				if ch.bar != nil {
					if lo, hi, ok := ch.bar(c, v); ok {
						e.Low, e.High = math.Max(0, v-lo), math.Max(0, hi-v)
						if !ch.linearY && lo <= 0 {
							e.Low = 0 // a log axis cannot show it
						}
						yr.add(v - e.Low)
						yr.add(v + e.High)
					}
				}
				ser.errs = append(ser.errs, e)
			}
			if len(ser.pts) > 0 {
				sort.Sort(errorPoints{ser.pts, ser.errs}) // the bars move with their points
				out = append(out, ser)
			}
		}
	}
	return out, yr
}

// anyMoves reports whether some series changes with size by more than 5 %
// of its largest value: else its figure repeats what the table says.
func anyMoves(series []sizeSeries) bool {
	for _, ser := range series {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, pt := range ser.pts {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
		if hi-lo > 0.05*math.Abs(hi) {
			return true
		}
	}
	return false
}

// sizeSpanDecades is how many decades the sizes span: at least log10(4),
// as fitSizeAxis widens a narrower range to that.
func sizeSpanDecades(sizes []int) float64 {
	return math.Max(math.Log10(float64(sizes[len(sizes)-1])/float64(sizes[0])), math.Log10(4))
}

// fitSizeAxis pads the size axis a little past the smallest and largest
// size, and by halfDodge decades more for nudged series, so that the end
// markers and bars are not cut off.
func fitSizeAxis(a *plot.Axis, sizes []int, halfDodge float64) {
	lo, hi := float64(sizes[0]), float64(sizes[len(sizes)-1])
	if hi/lo < 2 {
		lo, hi = lo/2, hi*2
	}
	pad := math.Pow(hi/lo, 0.04) * math.Pow(10, halfDodge)
	a.Min, a.Max = lo/pad, hi*pad
}

type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

// errorPoints sorts by x, moving each point's error bar with it, for
// sizes given in any order (--sizes 64K,64).
func (e errorPoints) Len() int           { return len(e.XYs) }
func (e errorPoints) Less(i, j int) bool { return e.XYs[i].X < e.XYs[j].X }
func (e errorPoints) Swap(i, j int) {
	e.XYs[i], e.XYs[j] = e.XYs[j], e.XYs[i]
	if len(e.YErrors) == len(e.XYs) {
		e.YErrors[i], e.YErrors[j] = e.YErrors[j], e.YErrors[i]
	}
}

// addLine draws pts, sorted by x, as transport tr's line and markers in
// file fi's style.
func addLine(p *plot.Plot, st styler, tr string, fi int, pts plotter.XYs) (*plotter.Line, error) {
	sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	line.LineStyle, points.GlyphStyle = st.style(tr, fi)
	p.Add(line, points)
	return line, nil
}

func us(ns int64) float64 { return float64(ns) / 1e3 }

// LatencyVsSize plots p50 latency against message size, one line per
// transport, with bars up to p99, titled with what the workload times.
func LatencyVsSize(in []Input, workload string) (*plot.Plot, error) {
	d, ok := workloads.Lookup(workload)
	if !ok || d.Latency == workloads.NoLatency {
		return nil, errEmpty
	}
	return metricVsSize(in, workload, sizeChart{
		title:  fmt.Sprintf("%s: %s latency, p50 (bars to p99)", workload, d.Latency),
		yLabel: "latency (log)", unit: "µs",
		value: func(c results.Case) float64 { return us(c.Latency.P50Ns) },
		bar: func(c results.Case, v float64) (float64, float64, bool) {
			return v, us(c.Latency.P99Ns), c.Latency.P99Ns > 0
		},
	})
}

// ThroughputVsSize plots MB/s (unit "MB/s") or messages per second ("msgs/s").
func ThroughputVsSize(in []Input, workload, unit string) (*plot.Plot, error) {
	ch := sizeChart{title: fmt.Sprintf("%s: throughput (%s)", workload, unit), yLabel: unit + " (log)", unit: "MB/s",
		value: func(c results.Case) float64 { return c.MBPerSec }}
	if unit == "msgs/s" {
		ch.unit, ch.value = "", func(c results.Case) float64 { return c.MsgsPerSec }
	}
	return metricVsSize(in, workload, ch)
}

// percentileX maps a percentile to the spectrum's x axis: 0 at 0 %, 1 at
// 90 %, 2 at 99 %, 3 at 99.9 %.
func percentileX(q float64) float64 { return -math.Log10(1 - q/100) }

// LatencyDistribution plots the latency percentile spectrum (p0 to p99.99)
// of each transport at one size, drawn from the HDR histograms in the results.
func LatencyDistribution(in []Input, workload string, size int) (*plot.Plot, error) {
	p := newPlot(fmt.Sprintf("%s at %s: latency percentile spectrum", workload, results.FormatBytes(size)), "percentile", "latency (log)")
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 1, Label: "90%"}, {Value: 2, Label: "99%"},
		{Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"}}
	p.X.Min, p.X.Max = 0, 4
	logY(p, "µs")
	st := stylerOf(in)
	drawn := map[string]bool{}
	var yr yRange
	for fi, input := range in {
		for _, tr := range orderedTransports(in) {
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
						yr.add(us(b.ValueAt))
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
				var gs draw.GlyphStyle
				line.LineStyle, gs = st.style(tr, fi)
				marks, err := plotter.NewScatter(atTicks(pts))
				if err != nil {
					return nil, err
				}
				marks.GlyphStyle = gs
				p.Add(line, marks)
				drawn[tr] = true
			}
		}
	}
	if len(drawn) == 0 {
		return nil, errEmpty
	}
	fitLogRange(&p.Y, yr.lo, yr.hi)
	addLegend(p, in, drawn)
	return p, nil
}

// atTicks places a marker on a spectrum's line at each whole x it spans
// (0 %, 90 %, 99 %, …), interpolated as the log Y axis draws the line, so
// that two lines of one colour still differ in marker, and the markers of
// every line stand at the percentiles the axis names.
func atTicks(pts plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for j := range pts {
		a := pts[j]
		if a.X == math.Trunc(a.X) {
			out = append(out, a)
			continue
		}
		if j == 0 {
			continue
		}
		b := pts[j-1]
		if k := math.Ceil(b.X); b.X < k && k < a.X {
			t := (k - b.X) / (a.X - b.X)
			out = append(out, plotter.XY{X: k, Y: b.Y * math.Pow(a.Y/b.Y, t)})
		}
	}
	return out
}

// Cost metrics, in the order the report shows them.
var costOrder = []string{"cpu", "cpu-per-mb", "syscalls", "copies"}

// costMetric is one cost: its title, Y axis label and unit, its value per
// case and the name of its interval in Case.CI95, scaled as the value is.
type costMetric struct {
	title, unit, tickUnit string
	value                 func(results.Case) float64
	ci                    string
	scale                 func(results.Case) float64 // CI95[ci] × scale is in the value's unit
	linearY               bool                       // a count near 0: a log axis cannot show it
}

var costMetrics = map[string]costMetric{
	"cpu": {"CPU time per message (both workers, user+sys)", "CPU time per message", "µs",
		func(c results.Case) float64 { return c.CPUNsPerMsg / 1e3 }, "cpu",
		func(results.Case) float64 { return 1e-3 }, false},
	"cpu-per-mb": {"CPU time per MB of payload (both workers)", "CPU time per MB", "µs",
		func(c results.Case) float64 { return c.CPUNsPerMsg / 1e3 * perMB(c) }, "cpu",
		func(c results.Case) float64 { return 1e-3 * perMB(c) }, false},
	"syscalls": {"syscalls per message", "syscalls per message", "", func(c results.Case) float64 { return c.SyscallsPerMsg }, "syscalls",
		func(results.Case) float64 { return 1 }, true},
	"copies": {"copies per message (bytes moved / payload)", "copies per message", "", func(c results.Case) float64 { return c.CopiesPerMsg }, "copies",
		func(results.Case) float64 { return 1 }, true},
}

// perMB is how many of c's messages make a MB of payload (0 for size 0).
func perMB(c results.Case) float64 {
	if c.SizeBytes <= 0 {
		return 0
	}
	return 1e6 / float64(c.SizeBytes)
}

// CostVsSize draws metric ("cpu", "cpu-per-mb", "syscalls" or "copies")
// against message size, one line per transport and file, with each value's
// 95 % interval as bars where the results hold one: where a mechanism's
// cost grows with size. CPU is on a log Y axis, counts on a linear one
// from 0. A figure where no line changes with size is left out (errEmpty):
// the table says as much.
func CostVsSize(in []Input, workload, metric string) (*plot.Plot, error) {
	m, ok := costMetrics[metric]
	if !ok {
		return nil, fmt.Errorf("unknown cost metric %q", metric)
	}
	yLabel := m.unit
	if !m.linearY {
		yLabel += " (log)"
	}
	return metricVsSize(in, workload, sizeChart{
		title: fmt.Sprintf("%s: %s", workload, m.title), yLabel: yLabel, unit: m.tickUnit,
		linearY: m.linearY, dropFlat: true, value: m.value,
		bar: func(c results.Case, _ float64) (float64, float64, bool) {
			ci, ok := c.CI95[m.ci]
			return ci.Lo * m.scale(c), ci.Hi * m.scale(c), ok
		},
	})
}

// CostBars draws metric ("cpu", "cpu-per-mb", "syscalls" or "copies") per
// transport, for one workload and size, as groups of bars: one group per
// transport in its colour, one bar per results file (lighter for each
// later file). Bars take a fixed share of the spacing between groups
// (barWidth), so they never overlap, and the X range holds whole groups.
func CostBars(in []Input, workload string, size int, metric string) (*plot.Plot, error) {
	m, ok := costMetrics[metric]
	if !ok {
		return nil, fmt.Errorf("unknown cost metric %q", metric)
	}
	var trs []string
	for _, tr := range orderedTransports(in) {
		for _, input := range in {
			for _, c := range input.File.Cases {
				if c.Transport == tr && c.Workload == workload && c.SizeBytes == size && c.Status == results.StatusOK && !slices.Contains(trs, tr) {
					trs = append(trs, tr)
				}
			}
		}
	}
	if len(trs) == 0 {
		return nil, errEmpty
	}
	p := newPlot(fmt.Sprintf("%s at %s: %s", workload, results.FormatBytes(size), m.title), "", m.unit)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Y.Tick.Marker = linearTicks{m.tickUnit}
	st := stylerOf(in)
	top := 0.0
	for fi, input := range in {
		bars := groupBars{Values: make([]float64, len(trs)), Index: fi, Count: len(in), Colors: make([]color.Color, len(trs))}
		shade := 0.5 * float64(fi) / float64(len(in))
		for ti, tr := range trs {
			ls, _ := st.style(tr, 0)
			bars.Colors[ti] = lighter(ls.Color, shade)
			for _, c := range input.File.Cases {
				if c.Transport == tr && c.Workload == workload && c.SizeBytes == size && c.Status == results.StatusOK {
					bars.Values[ti] = m.value(c)
					top = math.Max(top, bars.Values[ti])
				}
			}
		}
		p.Add(bars)
		if len(in) > 1 {
			p.Legend.Add(textsafe.Terminal(input.Label), barThumb{lighter(color.Gray{Y: 0x44}, shade)})
		}
	}
	if top <= 0 {
		return nil, errEmpty
	}
	p.NominalX(trs...)
	p.X.Min, p.X.Max = -0.5, float64(len(trs))-0.5
	p.Y.Min, p.Y.Max = 0, top*1.08
	return p, nil
}

// workloadPlans lists the figures of one registered workload: latency
// (where the workload times its messages) and throughput against size, a
// latency spectrum at the smallest size, and its costs: with several sizes
// one line chart per cost against size, with one size a bar chart per
// cost. Captions name the workload and what it measures, so that no two
// workloads' figures read alike.
func workloadPlans(in []Input, d workloads.Descriptor) []planned {
	wl, timed := d.Name, d.Latency != workloads.NoLatency
	sizes := sizesOf(in, wl)
	if len(sizes) == 0 {
		return nil
	}
	var out []planned
	if timed {
		out = append(out, planned{"latency-" + wl, fmt.Sprintf("%s: %s latency p50 against message size; bars reach p99", wl, d.Latency),
			func() (*plot.Plot, error) { return LatencyVsSize(in, wl) }})
	}
	out = append(out,
		planned{"throughput-mbps-" + wl, wl + ": payload throughput (MB/s) against message size",
			func() (*plot.Plot, error) { return ThroughputVsSize(in, wl, "MB/s") }},
		planned{"throughput-msgs-" + wl, wl + ": messages per second against message size",
			func() (*plot.Plot, error) { return ThroughputVsSize(in, wl, "msgs/s") }})
	at := sizes[0] // the smallest: where per-message costs show most
	if timed {
		out = append(out, planned{fmt.Sprintf("distribution-%s-%d", wl, at),
			fmt.Sprintf("%s at %s: %s latency percentiles from the HDR histograms", wl, results.FormatBytes(at), d.Latency),
			func() (*plot.Plot, error) { return LatencyDistribution(in, wl, at) }})
	}
	for _, m := range costOrder {
		if len(sizes) == 1 {
			out = append(out, planned{fmt.Sprintf("%s-%s-%d", m, wl, at),
				fmt.Sprintf("%s at %s: %s", wl, results.FormatBytes(at), costMetrics[m].title),
				func() (*plot.Plot, error) { return CostBars(in, wl, at, m) }})
			continue
		}
		out = append(out, planned{fmt.Sprintf("%s-%s", m, wl),
			fmt.Sprintf("%s: %s against message size; bars are 95%% intervals", wl, costMetrics[m].title),
			func() (*plot.Plot, error) { return CostVsSize(in, wl, m) }})
	}
	return out
}
