package report

import (
	"fmt"
	"slices"
	"sort"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// rateWorkloads lists, in first-seen order, the workloads whose cases carry
// an offered rate, with their sizes: the open-loop ones, plotted against
// offered load whether or not the registry knows them.
func rateWorkloads(in []Input) (names []string, sizes map[string][]int) {
	sizes = map[string][]int{}
	for _, i := range in {
		for _, c := range i.File.Cases {
			if c.OfferedRate <= 0 {
				continue
			}
			if _, ok := sizes[c.Workload]; !ok {
				names = append(names, c.Workload)
			}
			if !slices.Contains(sizes[c.Workload], c.SizeBytes) {
				sizes[c.Workload] = append(sizes[c.Workload], c.SizeBytes)
			}
		}
	}
	for _, s := range sizes {
		sort.Ints(s)
	}
	return names, sizes
}

// depthWorkloads lists the closed-loop workloads where some transport's
// ok cases were measured at more than one depth (a depth sweep, across
// files), with the smallest size where one was. Transports each at their
// own single depth, as a default run has them, draw unconnected dots that
// say nothing about depth: no figure.
func depthWorkloads(in []Input) (names []string, at map[string]int) {
	type key struct {
		size int
		tr   string
	}
	depths := map[string]map[key]map[int]bool{} // workload, size and transport, depth
	for _, i := range in {
		for _, c := range i.File.Cases {
			if c.OfferedRate > 0 || c.DepthMsgs <= 0 || c.Status != results.StatusOK {
				continue
			}
			if depths[c.Workload] == nil {
				depths[c.Workload] = map[key]map[int]bool{}
				names = append(names, c.Workload)
			}
			k := key{c.SizeBytes, c.Transport}
			if depths[c.Workload][k] == nil {
				depths[c.Workload][k] = map[int]bool{}
			}
			depths[c.Workload][k][c.DepthMsgs] = true
		}
	}
	at = map[string]int{}
	var out []string
	for _, wl := range names {
		for k, ds := range depths[wl] {
			if size := k.size; len(ds) > 1 {
				if prev, ok := at[wl]; !ok || size < prev {
					at[wl] = size
				}
			}
		}
		if _, ok := at[wl]; ok {
			out = append(out, wl)
		}
	}
	return out, at
}

// LatencyVsLoad plots p99 latency against offered rate at one size, one
// line per transport and file, with the SLO p99 bound as a horizontal
// line. Saturated cases have no latency and are left out: a line ends
// where its transport could no longer carry the rate.
func LatencyVsLoad(in []Input, workload string, size int) (*plot.Plot, error) {
	p := newPlot(fmt.Sprintf("%s at %s: p99 latency against offered load", workload, results.FormatBytes(size)),
		"offered msgs/s (log)", "p99 latency (log)")
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, siTicks{}
	logY(p, "µs")
	st := stylerOf(in)
	drawn := map[string]bool{}
	var xr, yr yRange
	var slo int64
	for fi, input := range in {
		slo = max(slo, stats.SLONs(input.File))
		for _, tr := range orderedTransports(in) {
			var pts plotter.XYs
			for _, c := range input.File.Cases {
				if c.Transport == tr && c.Workload == workload && c.SizeBytes == size && c.OfferedRate > 0 &&
					c.Status == results.StatusOK && c.HistogramHDR != "" && c.Latency.P99Ns > 0 {
					pts = append(pts, plotter.XY{X: c.OfferedRate, Y: us(c.Latency.P99Ns)})
					xr.add(c.OfferedRate)
					yr.add(us(c.Latency.P99Ns))
				}
			}
			if len(pts) == 0 {
				continue
			}
			if _, err := addLine(p, st, tr, fi, pts); err != nil {
				return nil, err
			}
			drawn[tr] = true
		}
	}
	if len(drawn) == 0 {
		return nil, errEmpty
	}
	yr.add(us(slo)) // the SLO line stays in view
	fitLogRange(&p.X, xr.lo, xr.hi)
	fitLogRange(&p.Y, yr.lo, yr.hi)
	sloLine, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: us(slo)}, {X: p.X.Max, Y: us(slo)}})
	if err != nil {
		return nil, err
	}
	sloLine.LineStyle = sloLineStyle // solid: dashes mean the run
	p.Add(sloLine)
	addLegend(p, in, drawn)
	p.Legend.Add("SLO: p99 "+format.Ns(float64(slo)), sloLine)
	return p, nil
}

// ThroughputVsDepth plots messages per second against the messages in
// flight at one size, one line per transport over every file: what a
// deeper buffer buys each mechanism.
func ThroughputVsDepth(in []Input, workload string, size int) (*plot.Plot, error) {
	p := newPlot(fmt.Sprintf("%s at %s: throughput against queue depth", workload, results.FormatBytes(size)),
		"messages in flight (depth, log)", "msgs/s (log)")
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, siTicks{}
	logY(p, "")
	st := stylerOf(in)
	drawn := map[string]bool{}
	var xr, yr yRange
	for _, tr := range orderedTransports(in) {
		var pts plotter.XYs
		for _, input := range in {
			for _, c := range input.File.Cases {
				if c.Transport == tr && c.Workload == workload && c.SizeBytes == size && c.OfferedRate == 0 &&
					c.Status == results.StatusOK && c.DepthMsgs > 0 && c.MsgsPerSec > 0 {
					pts = append(pts, plotter.XY{X: float64(c.DepthMsgs), Y: c.MsgsPerSec})
					xr.add(float64(c.DepthMsgs))
					yr.add(c.MsgsPerSec)
				}
			}
		}
		if len(pts) == 0 {
			continue
		}
		if _, err := addLine(p, st, tr, 0, pts); err != nil {
			return nil, err
		}
		drawn[tr] = true
	}
	if len(drawn) == 0 {
		return nil, errEmpty
	}
	fitLogRange(&p.X, xr.lo, xr.hi)
	fitLogRange(&p.Y, yr.lo, yr.hi)
	addLegend(p, in[:1], drawn) // one line per transport, whatever the files
	return p, nil
}

// loadPlans lists the offered-load and depth figures for the inputs.
func loadPlans(in []Input) []planned {
	var out []planned
	names, sizes := rateWorkloads(in)
	for _, wl := range names {
		for _, size := range sizes[wl] {
			out = append(out, planned{fmt.Sprintf("load-%s-%d", wl, size), fmt.Sprintf("%s at %s: p99 latency against offered load; the thick grey line is the SLO, and a line ends where its transport saturated", wl, results.FormatBytes(size)),
				func() (*plot.Plot, error) { return LatencyVsLoad(in, wl, size) }})
		}
	}
	dnames, at := depthWorkloads(in)
	for _, wl := range dnames {
		out = append(out, planned{fmt.Sprintf("depth-%s-%d", wl, at[wl]), fmt.Sprintf("%s at %s: messages per second against the messages in flight", wl, results.FormatBytes(at[wl])),
			func() (*plot.Plot, error) { return ThroughputVsDepth(in, wl, at[wl]) }})
	}
	return out
}
