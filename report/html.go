package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
)

// summaryRow is one case in the summary tables of both renderings.
type summaryRow struct {
	Run, Case, Depth                          string
	P50, P99, Rate, MBps, CPU, Syscalls, Copy string
	Status                                    string // ok, or the skip or failure with its reason
	OK                                        bool
}

func summaryRows(in []Input) []summaryRow {
	var rows []summaryRow
	for _, input := range in {
		for _, c := range input.File.Cases {
			r := summaryRow{Run: input.Label, Case: c.Key().String(), Depth: format.Depth(input.File, c), Status: c.Status, OK: c.Status == results.StatusOK}
			if c.OfferedRate > 0 && (r.OK || c.Status == results.StatusSaturated) {
				r.Status = format.RateStatus(c) // a saturated case shows no latency
			}
			if !r.OK {
				if c.Status != results.StatusSaturated {
					r.Status = c.Status + ": " + c.Reason
				}
				rows = append(rows, r)
				continue
			}
			r.P50, r.P99 = "-", "-"
			if c.HistogramHDR != "" {
				p50, p99 := float64(c.Latency.P50Ns), float64(c.Latency.P99Ns)
				r.P50 = format.Ns(p50) + format.CaseInterval(c, "p50", p50)
				r.P99 = format.Ns(p99) + format.CaseInterval(c, "p99", p99)
			}
			r.Rate = format.Rate(c.MsgsPerSec) + format.CaseInterval(c, "throughput", c.MsgsPerSec)
			r.MBps = strconv.FormatFloat(c.MBPerSec, 'f', 1, 64)
			r.CPU = format.Ns(c.CPUNsPerMsg)
			r.Syscalls = strconv.FormatFloat(c.SyscallsPerMsg, 'f', 2, 64)
			r.Copy = strconv.FormatFloat(c.CopiesPerMsg, 'f', 2, 64)
			rows = append(rows, r)
		}
	}
	return rows
}

// hasDepth reports whether any input records queue depths: then the
// summary gains a depth column.
func hasDepth(in []Input) bool {
	for _, i := range in {
		if format.HasDepth(i.File) {
			return true
		}
	}
	return false
}

// saturations lists each input's highest offered rate per transport with
// p99 under the SLO ("pipe: 200.0k msgs/s under a 1.00ms p99"), prefixed
// by the input's label where there are several.
func saturations(in []Input) []string {
	var out []string
	for _, i := range in {
		for _, t := range format.SaturationTexts(i.File) {
			if len(in) > 1 {
				t = i.Label + ": " + t
			}
			out = append(out, t)
		}
	}
	return out
}

type matrixText struct{ Label, Text string }

// matrices renders the pair matrices of each run that has them.
func matrices(in []Input, markdown bool) []matrixText {
	var out []matrixText
	for _, i := range in {
		if len(i.File.PairMatrices) == 0 {
			continue
		}
		var b strings.Builder
		format.WriteMatrices(&b, &results.File{PairMatrices: i.File.PairMatrices}, markdown)
		out = append(out, matrixText{Label: i.Label, Text: b.String()})
	}
	return out
}

// runInfo is the host, config and harness overhead of one results file.
type runInfo struct {
	Label, Started, Duration string
	Host                     results.Host
	Config                   results.Config
	TimerNs, LoopNs          string
	Incomplete               string
	Noise                    []string
}

func runInfos(in []Input) []runInfo {
	var out []runInfo
	for _, i := range in {
		f := i.File
		var timer, loop []float64
		for _, c := range f.Cases {
			for _, w := range c.Workers {
				timer = append(timer, w.TimerNs)
				if w.LoopOverheadNs > 0 {
					loop = append(loop, w.LoopOverheadNs)
				}
			}
		}
		out = append(out, runInfo{
			Label: i.Label, Started: f.StartedAt.Format(time.RFC3339),
			Duration: f.FinishedAt.Sub(f.StartedAt).Round(time.Second).String(),
			Host:     f.Host, Config: f.Config,
			TimerNs: spread(timer), LoopNs: spread(loop), Incomplete: f.Incomplete, Noise: stats.NoiseWarnings(f),
		})
	}
	return out
}

// spread prints the median and range of overhead figures in ns.
func spread(v []float64) string {
	if len(v) == 0 {
		return "not recorded"
	}
	sort.Float64s(v)
	return fmt.Sprintf("median %.0f ns (%.0f to %.0f ns)", v[len(v)/2], v[0], v[len(v)-1])
}

const method = `Each case runs in two fresh worker processes that the parent re-executes from its own binary. The parent passes the transport's file descriptors or object names to them. Each worker attaches, warms up, then waits at a start barrier. After the barrier it measures on one locked OS thread, with GOMAXPROCS=1, GC off, Go's preemption signal off (asyncpreemptoff=1), and raw syscalls; by default the two sides are pinned, every thread of each worker, to two distinct CPUs. Latency is read from the vDSO CLOCK_MONOTONIC around every round trip (pingpong) or from the sender's timestamp in each message (stream), and recorded in an HDR histogram. CPU time is getrusage user+sys of both workers over the measured window. Syscalls and copies are counted by the transport as it works: every call it makes, and every byte it moves across the user/kernel boundary or copies in user space, divided by the payload. Every message is verified by sequence number and content; relay output is verified by SHA-256. A case that cannot run is shown as skipped, with its reason. A case that fails shows its error. Neither shows a number.`

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ipcbench report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left;white-space:nowrap}tr.bad td{color:#999}td.reason{text-align:left;color:#a33;max-width:40em}
figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top}figcaption{font-size:13px;color:#555;max-width:576px}
figure svg{width:576px;height:384px}code{background:#f3f3f3;padding:0 3px}
</style></head><body>
<h1>ipcbench report</h1>
<p>{{len .Runs}} run(s): {{range $i, $r := .Runs}}{{if $i}}, {{end}}<b>{{$r.Label}}</b> ({{$r.Host.Kernel}}, {{$r.Started}}){{end}}.</p>
{{range .Runs}}{{with .Incomplete}}<p style="color:#a33"><b>Incomplete run:</b> {{.}}. Cases not listed did not run.</p>{{end}}{{$label := .Label}}{{range .Noise}}<p style="color:#a60"><b>Noisy host ({{$label}}):</b> {{.}}.</p>{{end}}{{end}}
<h2>Plots</h2>
{{range .Figures}}<figure id="{{.Name}}">{{.SVG}}<figcaption>{{.Caption}} <code>{{.Name}}</code></figcaption></figure>
{{end}}
{{with .Saturations}}<h2>Highest rate under the SLO</h2><p>The highest offered rate at which each transport kept its p99 latency under the SLO (run --slo) without saturating.</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Matrices}}<h2>Core-to-core matrix ({{.Label}})</h2><pre>{{.Text}}</pre>{{end}}
<h2>Summary</h2>
<table><tr>{{if .Multi}}<th class="l">run</th>{{end}}<th class="l">case</th>{{if .Depth}}<th>depth</th>{{end}}<th>p50</th><th>p99</th><th>msgs/s</th><th>MB/s</th><th>cpu/msg</th><th>syscalls/msg</th><th>copies/msg</th><th class="l">status</th></tr>
{{range .Rows}}<tr{{if not .OK}} class="bad"{{end}}>{{if $.Multi}}<td class="l">{{.Run}}</td>{{end}}<td class="l">{{.Case}}</td>{{if $.Depth}}<td>{{.Depth}}</td>{{end}}{{if .OK}}<td>{{.P50}}</td><td>{{.P99}}</td><td>{{.Rate}}</td><td>{{.MBps}}</td><td>{{.CPU}}</td><td>{{.Syscalls}}</td><td>{{.Copy}}</td><td class="l">{{.Status}}</td>{{else}}<td colspan="7"></td><td class="reason">{{.Status}}</td>{{end}}</tr>
{{end}}</table>
<p>Latency is the round trip for pingpong and send-to-receive for stream. msgs/s and MB/s count messages delivered one way; a round trip is two. With repetitions (run --repeat N), figures are medians across them and ± is their 95% confidence interval, which needs N ≥ 6.</p>
<h2>Runs</h2>
{{range .Runs}}<h3>{{.Label}}</h3><table>
<tr><td class="l">started</td><td class="l">{{.Started}} (took {{.Duration}})</td></tr>
<tr><td class="l">host</td><td class="l">{{.Host.Hostname}}: {{.Host.Kernel}}, {{.Host.CPUModel}}, {{.Host.CPUs}} CPUs, {{.Host.Virtualization}}, clock {{.Host.ClockSource}}</td></tr>
<tr><td class="l">ipcbench</td><td class="l">{{.Host.Version}} {{.Host.Commit}}, {{.Host.GoVersion}}</td></tr>
<tr><td class="l">config</td><td class="l">transports {{.Config.Transports}}, workloads {{.Config.Workloads}}, sizes {{.Config.SizesBytes}} B, duration {{.Config.DurationNs}} ns, count {{.Config.Count}}, warm-up {{.Config.WarmupNs}} ns, repetitions {{or .Config.Repeat 1}}{{with .Config.Label}}, label {{.}}{{end}}{{with .Config.TestSendDelayNs}}, <b>slowed on purpose</b> (ns per send) {{.}}{{end}}</td></tr>
<tr><td class="l">workers</td><td class="l">{{.Config.WorkerDesign}}</td></tr>
<tr><td class="l">harness overhead</td><td class="l">clock read {{.TimerNs}}; loop iteration against an in-memory loopback {{.LoopNs}}</td></tr>
</table>{{end}}
<h2>Method</h2><p>{{.Method}}</p>
</body></html>
`))

// WriteHTMLPage writes the report as one self-contained HTML page: plots inlined as SVG, no
// scripts, no fetches.
func WriteHTMLPage(w io.Writer, in []Input, figs []Figure) error {
	type fig struct {
		Name, Caption string
		SVG           template.HTML
	}
	var fs []fig
	for _, f := range figs {
		svg := f.SVG
		if i := bytes.Index(svg, []byte("<svg")); i > 0 {
			svg = svg[i:] // drop the XML prolog, which is not allowed inside HTML
		}
		fs = append(fs, fig{Name: f.Name, Caption: f.Caption, SVG: template.HTML(svg)}) // #nosec: rendered by gonum from numbers and our labels
	}
	return htmlTemplate.Execute(w, map[string]any{
		"Runs": runInfos(in), "Rows": summaryRows(in), "Figures": fs, "Multi": len(in) > 1, "Method": method,
		"Matrices": matrices(in, false), "Depth": hasDepth(in), "Saturations": saturations(in),
	})
}

// WriteMarkdownPage writes the report as report.md: the same tables, with
// the plots as relative image links.
func WriteMarkdownPage(w io.Writer, in []Input, figs []Figure) error {
	var b strings.Builder
	b.WriteString("# ipcbench report\n\n## Summary\n\n")
	head, rule := "| case | p50 | p99 | msgs/s | MB/s | cpu/msg | syscalls/msg | copies/msg | status |", "|---|--:|--:|--:|--:|--:|--:|--:|---|"
	depth := hasDepth(in)
	if depth {
		head, rule = strings.Replace(head, "| case |", "| case | depth |", 1), "|---|--:"+rule[4:]
	}
	if len(in) > 1 {
		head, rule = "| run "+head, "|---"+rule
	}
	b.WriteString(head + "\n" + rule + "\n")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range summaryRows(in) {
		if len(in) > 1 {
			b.WriteString("| " + esc(r.Run) + " ")
		}
		c := r.Case
		if depth {
			c += " | " + r.Depth
		}
		if r.OK {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, r.P50, r.P99, r.Rate, r.MBps, r.CPU, r.Syscalls, r.Copy, esc(r.Status))
		} else {
			fmt.Fprintf(&b, "| %s | | | | | | | | %s |\n", c, esc(r.Status))
		}
	}
	if sats := saturations(in); len(sats) > 0 {
		b.WriteString("\n## Highest rate under the SLO\n\nThe highest offered rate at which each transport kept its p99 latency under the SLO (run --slo) without saturating.\n\n")
		for _, t := range sats {
			b.WriteString("- " + esc(t) + "\n")
		}
	}
	for _, m := range matrices(in, true) {
		b.WriteString("\n## Core-to-core matrix (" + m.Label + ")\n\n" + m.Text)
	}
	b.WriteString("\n## Plots\n\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "![%s](%s.png)\n\n", f.Caption, f.Name)
	}
	b.WriteString("## Runs\n\n")
	for _, r := range runInfos(in) {
		fmt.Fprintf(&b, "- **%s**, started %s, took %s: %s, %s, %d CPUs, %s. ipcbench %s %s. Harness overhead: clock read %s; loop iteration %s.\n",
			r.Label, r.Started, r.Duration, r.Host.Kernel, r.Host.CPUModel, r.Host.CPUs, r.Host.Virtualization,
			r.Host.Version, r.Host.Commit, r.TimerNs, r.LoopNs)
		if r.Incomplete != "" {
			fmt.Fprintf(&b, "  - **incomplete run:** %s\n", r.Incomplete)
		}
		for _, w := range r.Noise {
			fmt.Fprintf(&b, "  - **noisy host:** %s\n", w)
		}
	}
	b.WriteString("\n## Method\n\n" + method + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
