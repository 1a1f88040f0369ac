package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
)

// Options are the choices of a report beyond its inputs.
type Options struct {
	// Baseline is the transport every verdict is taken against where it
	// was measured (report --baseline); "" for the fastest.
	Baseline string
}

// gridCell is one transport's figure at one size; Shade is its rank's
// class, s0 the best to s4 the worst, "" where unranked.
type gridCell struct {
	Text, Title, Shade string
	Best               bool
}

// gridRow is one transport's row, of one run where the report has several.
type gridRow struct {
	Run, Transport string
	Cells          []gridCell
}

// Name is the row's heading: the transport, after its run's label where
// there are several runs.
func (r gridRow) Name() string {
	if r.Run == "" {
		return r.Transport
	}
	return r.Run + ": " + r.Transport
}

// grid is a transport × size table of one metric of one workload.
type grid struct {
	Workload, Title string
	First, Last     bool // the first and last table of its workload
	Sizes           []string
	Rows            []gridRow
}

// gridMetric is a figure of the transport × size tables.
type gridMetric struct {
	title       string
	lowerBetter bool
	timed       bool // a latency: only for workloads that time messages
	value       func(results.Case) float64
	text        func(float64) string
}

func num2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

var gridMetrics = []gridMetric{
	{"p50", true, true, func(c results.Case) float64 { return float64(c.Latency.P50Ns) }, format.Ns},
	{"p99", true, true, func(c results.Case) float64 { return float64(c.Latency.P99Ns) }, format.Ns},
	{"throughput (MB/s)", false, false, func(c results.Case) float64 { return c.MBPerSec },
		func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }},
	{"CPU per message", true, false, func(c results.Case) float64 { return c.CPUNsPerMsg }, format.Ns},
	{"copies per message", true, false, func(c results.Case) float64 { return c.CopiesPerMsg }, num2},
}

// grids returns, for each closed-loop workload of the inputs in the
// registry's order, a transport × size table of each gridMetric; a
// latency's title says what it measures, so that round trip and one way
// never share a table. Cells are shaded by rank within their size.
func grids(in []Input) []grid {
	var out []grid
	var names []string
	for _, d := range workloads.All() {
		names = append(names, d.Name)
	}
	for _, i := range in {
		for _, c := range i.File.Cases {
			if !slices.Contains(names, c.Workload) {
				names = append(names, c.Workload)
			}
		}
	}
	for _, wl := range names {
		type rowKey struct{ run, transport string }
		var rows []rowKey
		var sizes []int
		at := map[rowKey]map[int]results.Case{}
		for _, i := range in {
			for _, c := range i.File.Cases {
				if c.Workload != wl || c.OfferedRate > 0 {
					continue
				}
				k := rowKey{i.Label, c.Transport}
				if at[k] == nil {
					at[k] = map[int]results.Case{}
					rows = append(rows, k)
				}
				if old, seen := at[k][c.SizeBytes]; !seen || old.Status != results.StatusOK {
					at[k][c.SizeBytes] = c
				}
				if !slices.Contains(sizes, c.SizeBytes) {
					sizes = append(sizes, c.SizeBytes)
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		slices.Sort(sizes)
		d, _ := workloads.Lookup(wl)
		first := len(out)
		for _, m := range gridMetrics {
			if m.timed && d.Latency == workloads.NoLatency {
				continue
			}
			title := m.title
			if m.timed {
				title += " " + d.Latency.String() + " latency"
			}
			g := grid{Workload: wl, Title: title}
			for _, s := range sizes {
				g.Sizes = append(g.Sizes, results.FormatBytes(s))
			}
			for _, k := range rows {
				r := gridRow{Transport: k.transport}
				if len(in) > 1 {
					r.Run = k.run
				}
				g.Rows = append(g.Rows, r)
			}
			for si, s := range sizes {
				vals := make([]float64, len(rows))
				for ri, k := range rows {
					c, ok := at[k][s]
					cell := gridCell{Text: "-"}
					switch {
					case !ok:
					case c.Status != results.StatusOK:
						cell = gridCell{Text: c.Status, Title: textsafe.Terminal(c.Reason)}
					case m.timed && c.HistogramHDR == "":
					default:
						vals[ri] = m.value(c)
						if vals[ri] > 0 || !m.lowerBetter {
							cell.Text = m.text(vals[ri])
						}
					}
					g.Rows[ri].Cells = append(g.Rows[ri].Cells, cell)
				}
				ranks := stats.Rank(vals, m.lowerBetter)
				worst := slices.Max(ranks)
				for ri, r := range ranks {
					if r < 0 || worst == 0 {
						continue
					}
					c := &g.Rows[ri].Cells[si]
					c.Shade = "s" + strconv.Itoa(4*r/worst)
					c.Best = r == 0
				}
			}
			out = append(out, g)
		}
		if first < len(out) {
			out[first].First, out[len(out)-1].Last = true, true
		}
	}
	return out
}

// summary is the all-cases table of one workload.
type summary struct {
	Workload string
	Rows     []summaryRow
}

// summaries splits summaryRows by workload, in the order they first appear.
func summaries(in []Input) []summary {
	var out []summary
	for _, r := range summaryRows(in) {
		i := slices.IndexFunc(out, func(s summary) bool { return s.Workload == r.Workload })
		if i < 0 {
			i = len(out)
			out = append(out, summary{Workload: r.Workload})
		}
		out[i].Rows = append(out[i].Rows, r)
	}
	return out
}

// markdownGrid renders g as a Markdown table, the best of each size in
// bold, with each run's label escaped by esc.
func markdownGrid(b *strings.Builder, g grid, esc func(string) string) {
	b.WriteString("| transport | " + strings.Join(g.Sizes, " | ") + " |\n|---|" + strings.Repeat("--:|", len(g.Sizes)) + "\n")
	for _, r := range g.Rows {
		name := r.Transport
		if r.Run != "" {
			name = esc(r.Run) + ": " + name
		}
		b.WriteString("| " + name)
		for _, c := range r.Cells {
			t := c.Text
			if c.Best {
				t = "**" + t + "**"
			}
			b.WriteString(" | " + t)
		}
		b.WriteString(" |\n")
	}
}
