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
	"github.com/ipcbench/ipcbench/results/stats"
)

// summaryRow is one case in the summary tables of both renderings.
type summaryRow struct {
	Run, Workload, Case, Depth                string
	P50, P99, Rate, MBps, CPU, Syscalls, Copy string
	Status                                    string   // ok, or the skip or failure with its reason
	Flags                                     []string // each flag in words with its detail: "DRIFT (p50 +12 %)"
	OK                                        bool
}

// flagWords are a case's flags, each as format.Flags words it, escaped for
// a terminal.
func flagWords(c results.Case) []string {
	var out []string
	for _, f := range c.Flags {
		out = append(out, strings.TrimSpace(format.Flags([]results.Flag{f})))
	}
	return out
}

func summaryRows(in []Input) []summaryRow {
	var rows []summaryRow
	for _, input := range in {
		for _, c := range input.File.Cases {
			r := summaryRow{Run: input.Label, Workload: c.Workload, Case: c.Key().String(), Depth: format.Depth(input.File, c), Status: c.Status, Flags: flagWords(c), OK: c.Status == results.StatusOK}
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
				r.P50 = format.Ns(p50) + format.CaseInterval(c, "p50", p50) + format.ThinMark(c, "p50")
				r.P99 = format.Ns(p99) + format.CaseInterval(c, "p99", p99) + format.ThinMark(c, "p99")
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
	ConfigLine               string
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
			Host:     f.Host, Config: f.Config, ConfigLine: configLine(f.Config),
			TimerNs: spread(timer), LoopNs: spread(loop), Incomplete: textsafe.Terminal(f.Incomplete), Noise: noise(f),
		})
	}
	return out
}

// noise is the run's busy-host and host-speed warnings, as the run
// table words them (format.NoiseNotes), escaped for a terminal.
func noise(f *results.File) []string {
	var out []string
	for _, w := range format.NoiseNotes(f) {
		out = append(out, textsafe.Terminal(w))
	}
	return out
}

// configLine words a run's configuration with units: "sizes 64 B,
// 64 KiB; 15 rounds of 60ms, order shuffled (seed 7); warm-up 100ms".
func configLine(c results.Config) string {
	var sizes []string
	for _, s := range c.SizesBytes {
		sizes = append(sizes, results.FormatBytes(s))
	}
	window := time.Duration(c.DurationNs).String()
	if c.Count > 0 {
		window = fmt.Sprintf("%d messages", c.Count)
	}
	rounds := max(c.Repeat, 1)
	line := fmt.Sprintf("sizes %s; %d %s of %s", strings.Join(sizes, ", "), rounds, plural(rounds, "round"), window)
	if c.Order != "" {
		line += ", order " + c.Order
		if c.Order == "shuffled" {
			line += fmt.Sprintf(" (seed %d)", c.OrderSeed)
		}
	}
	line += "; warm-up " + time.Duration(c.WarmupNs).String()
	if c.Depth > 0 {
		line += fmt.Sprintf("; depth %d", c.Depth)
	}
	if c.Placement != "" {
		line += "; placement " + c.Placement
	}
	if c.Label != "" {
		line += "; label " + c.Label
	}
	return line
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
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

// css lays the page out for a 1280 px screen and a 390 px phone alike: a
// number never breaks (td and .nw do not wrap; only reasons, verdict
// phrases and notes do, at spaces), a wide table scrolls inside its own
// box, and a plot scales down to the page's width.
const css = `body{font-family:system-ui,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.35}
p,dd,li,figcaption,.notes{overflow-wrap:break-word}h2{margin-top:1.4em}
.box{max-width:100%;overflow-x:auto;margin:.5em 0 1em}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.l,th.l{text-align:left}tr.bad td{color:#999}
td.wrap{white-space:normal;text-align:left;min-width:12em;max-width:40em}td.reason{color:#a33}.nw{white-space:nowrap}
.flag{color:#a60;font-weight:bold}tr.regression td{background:#fde0dd}tr.improvement td{background:#e5f5e0}
.grids{display:flex;flex-wrap:wrap;gap:0 1.5em}.grids h4{margin:.5em 0 0;font-size:13px}
td.s0{background:#74c476}td.s1{background:#a1d99b}td.s2{background:#c7e9c0}td.s3{background:#e5f5e0}td.s4{background:#f7fcf5}td.best{font-weight:bold}
.warn{color:#a60;font-size:13px;margin:.3em 0}.bad-run{color:#a33}.verdict{font-size:1.1em}.v h3{font-size:15px;margin:.8em 0 .2em}.v p{margin:.2em 0 .2em 1em}
.note,.notes{font-size:13px;color:#555}.notes{white-space:pre-line}
figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top;max-width:100%}figcaption{font-size:13px;color:#555;max-width:576px}
figure svg,figure img{width:576px;max-width:100%;height:auto}code{background:#f3f3f3;padding:0 3px}pre{overflow-x:auto}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 1em;font-size:14px}dt{font-weight:bold}dd{margin:0}
@media (max-width:600px){body{margin:.5em auto;padding:0 .5em}h1{font-size:1.5em}dl{grid-template-columns:1fr}}`

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ipcbench report</title>
<style>{{.CSS}}</style></head><body>
<h1>ipcbench report</h1>
<p>{{len .Runs}} run(s): {{range $i, $r := .Runs}}{{if $i}}, {{end}}<b>{{$r.Label}}</b> ({{$r.Host.Kernel}}, {{$r.Started}}){{end}}.</p>
{{range .Runs}}{{$label := .Label}}{{with .Incomplete}}<p class="bad-run"><b>Incomplete run{{if $.Multi}} ({{$label}}){{end}}:</b> {{.}}. Cases not listed did not run.</p>{{end}}{{range .Noise}}<p class="warn">{{if $.Multi}}<b>{{$label}}:</b> {{end}}{{.}}</p>{{end}}{{end}}
{{range .Comparisons}}<h2 id="compare">{{.New}} against {{.Base}}</h2>
<p class="verdict"><b>{{.Verdict}}</b></p>
{{with .Differences}}<p class="note">Host and configuration differ between base and new (* changes the figures): {{range $i, $d := .}}{{if $i}}; {{end}}{{$d.Key}}{{if $d.Skews}} *{{end}} {{index $d.Values 0}} → {{index $d.Values 1}}{{end}}.</p>{{end}}
{{with .Figure}}<figure class="change" id="{{.Name}}">{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>{{end}}
{{range .Tables}}<h3>{{.Title}}</h3><div class="box"><table><tr>{{range $i, $h := .Head}}<th{{if not $i}} class="l"{{end}}>{{$h}}</th>{{end}}</tr>
{{range .Rows}}<tr class="{{.Verdict}}"><td class="l">{{.Case}}</td>{{range .Figures}}<td>{{.}}</td>{{end}}<td class="wrap flag">{{.Flags}}</td></tr>
{{end}}</table></div>{{end}}
<div class="notes">{{.Notes}}</div><p class="note">{{$.IntervalNote}}</p>
{{end}}
{{with .Verdicts}}<h2 id="verdict">Verdict</h2>
{{range .}}<div class="v">{{with .Run}}<h3>{{.}}</h3>{{end}}{{range .Texts}}<h3>{{.Head}}</h3><p>{{.Lead}}</p>{{with .Ranking}}<p>{{.}}</p>{{end}}{{end}}
<p class="note">{{range .Legend}}{{.}} {{end}}</p></div>{{end}}
<p class="note">{{$.VerdictNote}}</p>{{end}}
{{with .Grids}}<h2 id="tables">Transport × size</h2>
<p class="note">Each workload's figures by transport and message size, shaded by rank within each size: the darkest is the best, bold. Latency is the round trip for pingpong and send-to-receive for stream-like workloads (which includes queueing), never in one table.</p>
{{range .}}{{if .First}}<h3>{{.Workload}}</h3><div class="grids">{{end}}<div class="box"><h4>{{.Title}}</h4><table><tr><th class="l">transport</th>{{range .Sizes}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Name}}</td>{{range .Cells}}<td class="{{.Shade}}{{if .Best}} best{{end}}"{{with .Title}} title="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table></div>{{if .Last}}</div>{{end}}
{{end}}{{end}}
{{with .Saturations}}<h2>Highest rate under the SLO</h2><p>The highest offered rate below which every offered rate kept each transport's p99 latency under the SLO (run --slo) without saturating.</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Matrices}}<h2>Core-to-core matrix ({{.Label}})</h2><pre>{{.Text}}</pre>{{end}}
<h2 id="cases">All cases</h2>
{{range .Summaries}}<h3>{{.Workload}}</h3><div class="box"><table><tr>{{if $.Multi}}<th class="l">run</th>{{end}}<th class="l">case</th>{{if $.Depth}}<th>depth</th>{{end}}<th>p50</th><th>p99</th><th>msgs/s</th><th>MB/s</th><th>cpu/msg</th><th>syscalls/msg</th><th>copies/msg</th><th class="l">status</th></tr>
{{range .Rows}}<tr{{if not .OK}} class="bad"{{end}}>{{if $.Multi}}<td class="l">{{.Run}}</td>{{end}}<td class="l">{{.Case}}</td>{{if $.Depth}}<td>{{.Depth}}</td>{{end}}{{if .OK}}<td>{{.P50}}</td><td>{{.P99}}</td><td>{{.Rate}}</td><td>{{.MBps}}</td><td>{{.CPU}}</td><td>{{.Syscalls}}</td><td>{{.Copy}}</td>{{else}}<td colspan="7"></td>{{end}}<td class="wrap{{if not .OK}} reason{{end}}">{{.Status}}{{range .Flags}} <span class="nw flag">{{.}}</span>{{end}}</td></tr>
{{end}}</table></div>{{end}}
<p class="note">Latency is the round trip for pingpong and send-to-receive for stream. msgs/s and MB/s count messages delivered one way; a round trip is two. With rounds (run --rounds N, 15 by default), figures are medians across them and ± is their 95% confidence interval, which needs N ≥ 6; n= after a percentile counts the samples beyond it where they are too few to trust it. A flag after a status says the figures say less than they seem: NOISY host, harness OVERHEAD, DRIFT within the window, AUTOCORRelated samples (docs/usage.md#reading-the-table).</p>
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
<dt>config</dt><dd>{{.ConfigLine}}{{with .Config.TestSendDelayNs}}; <b>slowed on purpose</b> (ns per send) {{.}}{{end}}</dd>
<dt>workers</dt><dd>{{.Config.WorkerDesign}}</dd>
<dt>harness overhead</dt><dd>clock read {{.TimerNs}}; loop iteration against an in-memory loopback {{.LoopNs}}</dd>
</dl>{{end}}
<h2>Method</h2><p>{{.Method}}</p>
</body></html>
`))

// htmlFigure is a figure inlined in the page.
type htmlFigure struct {
	Name, Caption string
	SVG           template.HTML
}

func inline(f Figure) htmlFigure {
	svg := f.SVG
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:] // drop the XML prolog, which is not allowed inside HTML
	}
	return htmlFigure{Name: f.Name, Caption: f.Caption, SVG: template.HTML(svg)} // #nosec: rendered by gonum from numbers and our labels
}

// htmlComparison is a comparison as the page shows it.
type htmlComparison struct {
	comparison
	Verdict, Notes string
	Differences    []stats.Difference
	Figure         *htmlFigure
}

// runVerdicts are one run's verdicts as format.VerdictTexts words them.
type runVerdicts struct {
	Run    string
	Texts  []format.VerdictText
	Legend []string
}

// verdicts words each run's verdicts, with o's baseline, as the run's
// own verdict does; Run is set where there are several runs.
func verdicts(in []Input, o Options) []runVerdicts {
	var out []runVerdicts
	for _, i := range in {
		vs := stats.Verdicts(i.File, o.Baseline)
		if len(vs) == 0 {
			continue
		}
		v := runVerdicts{}
		if len(in) > 1 {
			v.Run = i.Label
		}
		v.Texts, v.Legend = format.VerdictTexts(vs)
		out = append(out, v)
	}
	return out
}

// WriteHTMLPage writes the report as one self-contained HTML page: plots
// inlined as SVG, no scripts, no fetches. In the order of every rendering:
// the host warnings, each later run compared with the first (where there
// are several), each run's verdict (taken as o says), the transport ×
// size tables, the rate and matrix sections, every case by workload, the
// plots, the runs and the method.
func WriteHTMLPage(w io.Writer, in []Input, figs []Figure, o Options) error {
	in = terminalSafe(in)
	var fs []htmlFigure
	byName := map[string]htmlFigure{}
	for _, f := range figs {
		byName[f.Name] = inline(f)
		if !strings.HasPrefix(f.Name, changePrefix) {
			fs = append(fs, byName[f.Name])
		}
	}
	var cs []htmlComparison
	for _, c := range comparisons(in) {
		h := htmlComparison{comparison: c, Verdict: format.CompareVerdict(c.C), Notes: format.CompareNotes(c.C, false), Differences: c.C.Differences}
		if f, ok := byName[c.Figure]; ok {
			h.Figure = &f
		}
		cs = append(cs, h)
	}
	return htmlTemplate.Execute(w, map[string]any{
		"CSS": template.CSS(css), "Runs": runInfos(in), "Summaries": summaries(in), "Figures": fs, "Verdicts": verdicts(in, o), "Grids": grids(in),
		"VerdictNote": strings.ReplaceAll(format.VerdictNote, "\n", " "), "Multi": len(in) > 1, "Method": method,
		"Matrices": matrices(in, false), "Depth": hasDepth(in), "Saturations": saturations(in, textsafe.Terminal),
		"Comparisons": cs, "IntervalNote": compareIntervalNote,
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
	markdownWarnings(&b, in, esc)
	for _, c := range comparisons(in) {
		markdownComparison(&b, c, esc)
	}
	markdownVerdicts(&b, verdicts(in, o), esc)
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
	markdownCases(&b, in, esc)
	b.WriteString("\n## Plots\n\n")
	for _, f := range figs {
		if !strings.HasPrefix(f.Name, changePrefix) {
			fmt.Fprintf(&b, "![%s](%s.png)\n\n", f.Caption, f.Name)
		}
	}
	markdownRuns(&b, in, esc)
	b.WriteString("\n## Method\n\n" + method + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownWarnings writes each run's incomplete and host warnings, at the
// top as the HTML page has them.
func markdownWarnings(b *strings.Builder, in []Input, esc func(string) string) {
	var lines []string
	for _, r := range runInfos(in) {
		who := ""
		if len(in) > 1 {
			who = "**" + esc(r.Label) + ":** "
		}
		if r.Incomplete != "" {
			lines = append(lines, who+"**Incomplete run:** "+esc(r.Incomplete)+". Cases not listed did not run.")
		}
		for _, n := range r.Noise {
			lines = append(lines, who+esc(n))
		}
	}
	for _, l := range lines {
		b.WriteString("\n" + l + "\n")
	}
}

// markdownComparison writes one comparison: compare's verdict, its dot
// plot, its tables with the interval and flags columns, and its notes.
func markdownComparison(b *strings.Builder, c comparison, esc func(string) string) {
	fmt.Fprintf(b, "\n## %s against %s\n\n**%s**\n", esc(c.New), esc(c.Base), format.CompareVerdict(c.C))
	if ds := c.C.Differences; len(ds) > 0 {
		var parts []string
		for _, d := range ds {
			k := d.Key
			if d.Skews {
				k += " \\*"
			}
			parts = append(parts, k+" "+esc(d.Values[0])+" → "+esc(d.Values[1]))
		}
		b.WriteString("\nHost and configuration differ between base and new (\\* changes the figures): " + strings.Join(parts, "; ") + ".\n")
	}
	fmt.Fprintf(b, "\n![%s against %s: the change of each case](%s.png)\n", esc(c.New), esc(c.Base), c.Figure)
	for _, t := range c.Tables {
		b.WriteString("\n" + t.Title + "\n\n| " + strings.Join(t.Head, " | ") + " |\n|---|" + strings.Repeat("--:|", len(t.Head)-2) + "---|\n")
		for _, r := range t.Rows {
			b.WriteString("| " + r.Case + " | " + strings.Join(r.Figures, " | ") + " | " + esc(r.Flags) + " |\n")
		}
	}
	b.WriteString("\n" + format.CompareNotes(c.C, true) + "\n" + compareIntervalNote + "\n")
}

// markdownVerdicts writes each run's verdicts as the run's own verdict
// words them.
func markdownVerdicts(b *strings.Builder, vs []runVerdicts, esc func(string) string) {
	if len(vs) == 0 {
		return
	}
	b.WriteString("\n## Verdict\n")
	for _, v := range vs {
		if v.Run != "" {
			b.WriteString("\n### " + esc(v.Run) + "\n")
		}
		for _, t := range v.Texts {
			b.WriteString("\n**" + t.Head + "**\n\n- " + t.Lead + "\n")
			if t.Ranking != "" {
				b.WriteString("- " + t.Ranking + "\n")
			}
		}
		b.WriteString("\n" + strings.Join(v.Legend, " ") + "\n")
	}
	b.WriteString("\n" + strings.ReplaceAll(format.VerdictNote, "\n", " ") + "\n")
}

// markdownCases writes the all-cases tables, a status cell with the
// case's flags.
func markdownCases(b *strings.Builder, in []Input, esc func(string) string) {
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
			status := esc(r.Status)
			for _, f := range r.Flags {
				status += " **" + esc(f) + "**"
			}
			if r.OK {
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, r.P50, r.P99, r.Rate, r.MBps, r.CPU, r.Syscalls, r.Copy, status)
			} else {
				fmt.Fprintf(b, "| %s | | | | | | | | %s |\n", c, status)
			}
		}
	}
}

// markdownRuns writes each run's host, configuration and overheads.
func markdownRuns(b *strings.Builder, in []Input, esc func(string) string) {
	b.WriteString("\n## Runs\n")
	for _, r := range runInfos(in) {
		h := r.Host
		fmt.Fprintf(b, "\n### %s\n\n", esc(r.Label))
		fmt.Fprintf(b, "- **started:** %s (took %s)\n", r.Started, r.Duration)
		fmt.Fprintf(b, "- **host:** %s: %s, %s, %d CPUs, %s, clock %s\n", esc(h.Hostname), esc(h.Kernel), esc(h.CPUModel), h.CPUs, esc(h.Virtualization), esc(h.ClockSource))
		fmt.Fprintf(b, "- **ipcbench:** %s %s, %s\n", esc(h.Version), esc(h.Commit), esc(h.GoVersion))
		fmt.Fprintf(b, "- **transports:** %s\n", strings.Join(r.Config.Transports, ", "))
		fmt.Fprintf(b, "- **workloads:** %s\n", strings.Join(r.Config.Workloads, ", "))
		fmt.Fprintf(b, "- **config:** %s\n", esc(r.ConfigLine))
		fmt.Fprintf(b, "- **harness overhead:** clock read %s; loop iteration %s\n", r.TimerNs, r.LoopNs)
	}
}
