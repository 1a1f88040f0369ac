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

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
)

// summaryRow is one case in the summary tables of both renderings.
type summaryRow struct {
	Run, Workload, Case, Depth                string
	P50, P99, Rate, MBps, CPU, Syscalls, Copy string
	Status                                    string // ok, or the skip or failure with its reason
	OK                                        bool
}

func summaryRows(in []Input) []summaryRow {
	var rows []summaryRow
	for _, input := range in {
		for _, c := range input.File.Cases {
			r := summaryRow{Run: input.Label, Workload: c.Workload, Case: c.Key().String(), Depth: format.Depth(input.File, c), Status: c.Status, OK: c.Status == results.StatusOK}
			if c.OfferedRate > 0 && (r.OK || c.Status == results.StatusSaturated) {
				r.Status = format.RateStatus(c) // a saturated case shows no latency
			}
			if !r.OK {
				if c.Status != results.StatusSaturated {
					r.Status = c.Status + ": " + textsafe.Terminal(c.Reason)
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
// by the input's label, escaped by esc, where there are several.
func saturations(in []Input, esc func(string) string) []string {
	var out []string
	for _, i := range in {
		for _, t := range format.SaturationTexts(i.File) {
			if len(in) > 1 {
				t = esc(i.Label) + ": " + t
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
			TimerNs: spread(timer), LoopNs: spread(loop), Incomplete: textsafe.Terminal(f.Incomplete), Noise: noise(f),
		})
	}
	return out
}

// noise is the run's noise warnings, which quote the host's findings,
// escaped for a terminal as every other text of the file is.
func noise(f *results.File) []string {
	var out []string
	for _, w := range format.NoiseWarnings(f) {
		out = append(out, textsafe.Terminal(w))
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
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>ipcbench report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;overflow-wrap:anywhere}
table{border-collapse:collapse;font-size:13px;margin:.5em 0 1em}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}tr.bad td{color:#999}td.reason{text-align:left;color:#a33;max-width:40em}
.grids{display:flex;flex-wrap:wrap;gap:0 1.5em}.grids h4{margin:.5em 0 0;font-size:13px}.wide{max-width:100%;overflow-x:auto}
td.s0{background:#74c476}td.s1{background:#a1d99b}td.s2{background:#c7e9c0}td.s3{background:#e5f5e0}td.s4{background:#f7fcf5}td.best{font-weight:bold}
table.verdict td{vertical-align:top}table.verdict td.then{text-align:left;max-width:44em}
figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top;max-width:100%}figcaption{font-size:13px;color:#555;max-width:576px}
figure svg{width:576px;max-width:100%;height:auto}code{background:#f3f3f3;padding:0 3px}pre{overflow-x:auto}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 1em;font-size:14px}dt{font-weight:bold}dd{margin:0}
</style></head><body>
<h1>ipcbench report</h1>
<p>{{len .Runs}} run(s): {{range $i, $r := .Runs}}{{if $i}}, {{end}}<b>{{$r.Label}}</b> ({{$r.Host.Kernel}}, {{$r.Started}}){{end}}.</p>
{{range .Runs}}{{with .Incomplete}}<p style="color:#a33"><b>Incomplete run:</b> {{.}}. Cases not listed did not run.</p>{{end}}{{$label := .Label}}{{range .Noise}}<p style="color:#a60"><b>Noisy host ({{$label}}):</b> {{.}}.</p>{{end}}{{end}}
{{with .Verdicts}}<h2 id="verdict">Verdict</h2>
<div class="wide"><table class="verdict"><tr>{{if $.Multi}}<th class="l">run</th>{{end}}<th class="l">workload</th><th>size</th><th class="l">by</th><th class="l">transport</th><th>figure</th><th class="l">ran</th></tr>
{{range .}}<tr>{{if $.Multi}}<td class="l">{{.Run}}</td>{{end}}<td class="l">{{.Workload}}</td><td>{{.Size}}</td><td class="l">{{.Metric}}</td><td class="l"><b>{{.Reference}}</b> ({{.Role}})</td><td>{{.Value}}</td><td class="then">{{range $i, $p := .Phrases}}{{if $i}}; {{end}}{{$p}}{{end}}</td></tr>
{{end}}</table></div>
<p style="font-size:13px;color:#555">{{$.VerdictNote}}</p>{{end}}
{{with .Grids}}<h2 id="tables">Transport × size</h2>
<p style="font-size:13px;color:#555">Each workload's figures by transport and message size, shaded by rank within each size: the darkest is the best, bold. Latency is the round trip for pingpong and send-to-receive for stream-like workloads (which includes queueing), never in one table.</p>
{{range .}}{{if .First}}<h3>{{.Workload}}</h3><div class="grids">{{end}}<div><h4>{{.Title}}</h4><table><tr><th class="l">transport</th>{{range .Sizes}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Name}}</td>{{range .Cells}}<td class="{{.Shade}}{{if .Best}} best{{end}}"{{with .Title}} title="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table></div>{{if .Last}}</div>{{end}}
{{end}}{{end}}
{{with .Saturations}}<h2>Highest rate under the SLO</h2><p>The highest offered rate below which every offered rate kept each transport's p99 latency under the SLO (run --slo) without saturating.</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Matrices}}<h2>Core-to-core matrix ({{.Label}})</h2><pre>{{.Text}}</pre>{{end}}
<h2>All cases</h2>
{{range .Summaries}}<h3>{{.Workload}}</h3><div class="wide"><table><tr>{{if $.Multi}}<th class="l">run</th>{{end}}<th class="l">case</th>{{if $.Depth}}<th>depth</th>{{end}}<th>p50</th><th>p99</th><th>msgs/s</th><th>MB/s</th><th>cpu/msg</th><th>syscalls/msg</th><th>copies/msg</th><th class="l">status</th></tr>
{{range .Rows}}<tr{{if not .OK}} class="bad"{{end}}>{{if $.Multi}}<td class="l">{{.Run}}</td>{{end}}<td class="l">{{.Case}}</td>{{if $.Depth}}<td>{{.Depth}}</td>{{end}}{{if .OK}}<td>{{.P50}}</td><td>{{.P99}}</td><td>{{.Rate}}</td><td>{{.MBps}}</td><td>{{.CPU}}</td><td>{{.Syscalls}}</td><td>{{.Copy}}</td><td class="l">{{.Status}}</td>{{else}}<td colspan="7"></td><td class="reason">{{.Status}}</td>{{end}}</tr>
{{end}}</table></div>{{end}}
<p>Latency is the round trip for pingpong and send-to-receive for stream. msgs/s and MB/s count messages delivered one way; a round trip is two. With rounds (run --rounds N, 15 by default), figures are medians across them and ± is their 95% confidence interval, which needs N ≥ 6.</p>
<h2 id="plots">Plots</h2>
{{range .Figures}}<figure id="{{.Name}}">{{.SVG}}<figcaption>{{.Caption}} <code>{{.Name}}</code></figcaption></figure>
{{end}}
<h2>Runs</h2>
{{range .Runs}}<h3>{{.Label}}</h3><dl>
<dt>started</dt><dd>{{.Started}} (took {{.Duration}})</dd>
<dt>host</dt><dd>{{.Host.Hostname}}: {{.Host.Kernel}}, {{.Host.CPUModel}}, {{.Host.CPUs}} CPUs, {{.Host.Virtualization}}, clock {{.Host.ClockSource}}</dd>
<dt>ipcbench</dt><dd>{{.Host.Version}} {{.Host.Commit}}, {{.Host.GoVersion}}</dd>
<dt>transports</dt><dd>{{range $i, $t := .Config.Transports}}{{if $i}}, {{end}}{{$t}}{{end}}</dd>
<dt>workloads</dt><dd>{{range $i, $t := .Config.Workloads}}{{if $i}}, {{end}}{{$t}}{{end}}</dd>
<dt>config</dt><dd>sizes {{.Config.SizesBytes}} B, duration {{.Config.DurationNs}} ns, count {{.Config.Count}}, warm-up {{.Config.WarmupNs}} ns, repetitions {{or .Config.Repeat 1}}{{with .Config.Label}}, label {{.}}{{end}}{{with .Config.TestSendDelayNs}}, <b>slowed on purpose</b> (ns per send) {{.}}{{end}}</dd>
<dt>workers</dt><dd>{{.Config.WorkerDesign}}</dd>
<dt>harness overhead</dt><dd>clock read {{.TimerNs}}; loop iteration against an in-memory loopback {{.LoopNs}}</dd>
</dl>{{end}}
<h2>Method</h2><p>{{.Method}}</p>
</body></html>
`))

// WriteHTMLPage writes the report as one self-contained HTML page: plots
// inlined as SVG, no scripts, no fetches. In the order of every rendering:
// the verdict (taken as o says), the transport × size tables, the rate and
// matrix sections, every case by workload, the plots, the runs and the
// method.
func WriteHTMLPage(w io.Writer, in []Input, figs []Figure, o Options) error {
	in = terminalSafe(in)
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
		"Runs": runInfos(in), "Summaries": summaries(in), "Figures": fs, "Verdicts": verdictRows(in, o), "Grids": grids(in),
		"VerdictNote": strings.ReplaceAll(format.VerdictNote, "\n", " "), "Multi": len(in) > 1, "Method": method,
		"Matrices": matrices(in, false), "Depth": hasDepth(in), "Saturations": saturations(in, textsafe.Terminal),
	})
}

// terminalSafe returns in with each label and each of its files' host
// strings, label, worker design and reason for stopping escaped by
// textsafe.Terminal, for the HTML page: html/template escapes markup but
// passes control characters through. The files are copied, not changed.
func terminalSafe(in []Input) []Input {
	out := make([]Input, len(in))
	for i, input := range in {
		f := *input.File
		h := &f.Host
		for _, s := range []*string{&h.Hostname, &h.Kernel, &h.CPUModel, &h.GoVersion, &h.Version, &h.Commit,
			&h.Virtualization, &h.ClockSource, &h.THP, &f.Config.Label, &f.Config.WorkerDesign, &f.Incomplete} {
			*s = textsafe.Terminal(*s)
		}
		out[i] = Input{Label: textsafe.Terminal(input.Label), File: &f}
	}
	return out
}

// WriteMarkdownPage writes the report as report.md: the same sections in
// the same order as the HTML page, with the plots as relative image links.
// Every text that comes from the inputs (labels, host strings, reasons,
// notes) goes through textsafe.Markdown: a results file is anyone's, and
// report.md is read rendered, where <script> or a | would otherwise act.
// Transport and workload names need nothing: results.Validate keeps them to
// plain words.
func WriteMarkdownPage(w io.Writer, in []Input, figs []Figure, o Options) error {
	var b strings.Builder
	esc := textsafe.Markdown
	b.WriteString("# ipcbench report\n")
	if vs := verdictRows(in, o); len(vs) > 0 {
		b.WriteString("\n## Verdict\n\n")
		head, rule := "| workload | size | by | transport | figure | ran |", "|---|--:|---|---|--:|---|"
		if len(in) > 1 {
			head, rule = "| run "+head, "|---"+rule
		}
		b.WriteString(head + "\n" + rule + "\n")
		for _, v := range vs {
			if len(in) > 1 {
				b.WriteString("| " + esc(v.Run) + " ")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | **%s** (%s) | %s | %s |\n", v.Workload, v.Size, v.Metric, v.Reference, v.Role, v.Value, strings.Join(v.Phrases, "; "))
		}
		b.WriteString("\n" + strings.ReplaceAll(format.VerdictNote, "\n", " ") + "\n")
	}
	if gs := grids(in); len(gs) > 0 {
		b.WriteString("\n## Transport × size\n\nEach workload's figures by transport and message size; the best of each size is bold. Latency is the round trip for pingpong and send-to-receive for stream-like workloads (which includes queueing), never in one table.\n")
		for _, g := range gs {
			if g.First {
				b.WriteString("\n### " + g.Workload + "\n")
			}
			b.WriteString("\n" + g.Title + ":\n\n")
			markdownGrid(&b, g, esc)
		}
	}
	if sats := saturations(in, esc); len(sats) > 0 {
		b.WriteString("\n## Highest rate under the SLO\n\nThe highest offered rate below which every offered rate kept each transport's p99 latency under the SLO (run --slo) without saturating.\n\n")
		for _, t := range sats {
			b.WriteString("- " + t + "\n")
		}
	}
	for _, m := range matrices(in, true) {
		b.WriteString("\n## Core-to-core matrix (" + esc(m.Label) + ")\n\n" + m.Text)
	}
	b.WriteString("\n## All cases\n")
	head, rule := "| case | p50 | p99 | msgs/s | MB/s | cpu/msg | syscalls/msg | copies/msg | status |", "|---|--:|--:|--:|--:|--:|--:|--:|---|"
	depth := hasDepth(in)
	if depth {
		head, rule = strings.Replace(head, "| case |", "| case | depth |", 1), "|---|--:"+rule[4:]
	}
	if len(in) > 1 {
		head, rule = "| run "+head, "|---"+rule
	}
	for _, s := range summaries(in) {
		b.WriteString("\n### " + s.Workload + "\n\n" + head + "\n" + rule + "\n")
		for _, r := range s.Rows {
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
	}
	b.WriteString("\n## Plots\n\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "![%s](%s.png)\n\n", f.Caption, f.Name)
	}
	b.WriteString("## Runs\n")
	for _, r := range runInfos(in) {
		h := r.Host
		fmt.Fprintf(&b, "\n### %s\n\n", esc(r.Label))
		fmt.Fprintf(&b, "- **started:** %s (took %s)\n", r.Started, r.Duration)
		fmt.Fprintf(&b, "- **host:** %s: %s, %s, %d CPUs, %s, clock %s\n", esc(h.Hostname), esc(h.Kernel), esc(h.CPUModel), h.CPUs, esc(h.Virtualization), esc(h.ClockSource))
		fmt.Fprintf(&b, "- **ipcbench:** %s %s, %s\n", esc(h.Version), esc(h.Commit), esc(h.GoVersion))
		fmt.Fprintf(&b, "- **transports:** %s\n", strings.Join(r.Config.Transports, ", "))
		fmt.Fprintf(&b, "- **workloads:** %s\n", strings.Join(r.Config.Workloads, ", "))
		fmt.Fprintf(&b, "- **config:** sizes %v B, duration %d ns, count %d, warm-up %d ns, repetitions %d\n", r.Config.SizesBytes, r.Config.DurationNs, r.Config.Count, r.Config.WarmupNs, max(r.Config.Repeat, 1))
		fmt.Fprintf(&b, "- **harness overhead:** clock read %s; loop iteration %s\n", r.TimerNs, r.LoopNs)
		if r.Incomplete != "" {
			fmt.Fprintf(&b, "- **incomplete run:** %s\n", esc(r.Incomplete))
		}
		for _, w := range r.Noise {
			fmt.Fprintf(&b, "- **noisy host:** %s\n", esc(w))
		}
	}
	b.WriteString("\n## Method\n\n" + method + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
