// Package format renders ipcbench results for people and tools: a run as
// an aligned table, CSV, Markdown, JSON or the Go benchmark format, and a
// comparison or history from results/stats as text, Markdown or JSON. It
// also prints the units every rendering shares: durations, rates, intervals.
package format

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
)

// RunFormats lists the renderings WriteRun knows.
var RunFormats = []string{"table", "json", "csv", "markdown", "benchfmt"}

// WriteRun renders f as one of RunFormats, a table as WriteTable does.
func WriteRun(w io.Writer, format string, f *results.File) error {
	return WriteRunWith(w, format, f, TableOptions{})
}

// WriteRunWith renders f as one of RunFormats, a table as opt says.
func WriteRunWith(w io.Writer, format string, f *results.File, opt TableOptions) error {
	if len(f.PairMatrices) > 0 && (format == "table" || format == "markdown") {
		return WriteMatrices(w, f, format == "markdown")
	}
	switch format {
	case "table":
		return WriteTableWith(w, f, opt)
	case "json":
		return writeJSON(w, f)
	case "csv":
		return WriteCSV(w, f)
	case "markdown":
		return WriteMarkdownTable(w, f)
	case "benchfmt":
		return WriteBenchfmt(w, f)
	}
	return unknown(format, RunFormats)
}

var columns = []string{"transport", "workload", "size", "msgs/s", "MB/s", "p50", "p99", "p99.9", "max", "samples", "cpu/msg", "syscalls/msg", "copies/msg", "status"}

// header is columns, with "depth" before the status where f records depths.
func header(f *results.File) []string {
	if !HasDepth(f) {
		return columns
	}
	return slices.Insert(slices.Clone(columns), len(columns)-1, "depth")
}

// percentileColumns are the columns of columns that hold a percentile.
var percentileColumns = []int{5, 6, 7}

// thinMark is what follows a percentile resting on too few samples beyond
// it (stats.ThinTail): " n=13", the count.
func thinMark(c results.Case, metric string) string {
	m, _ := stats.MetricByName(metric)
	if tail, known, thin := stats.ThinTail(c, m); known && thin != "" {
		return " n=" + strconv.FormatFloat(tail, 'f', 0, 64)
	}
	return ""
}

// Flags renders a case's flags for a status cell: " NOISY (steal 12 %)
// OVERHEAD (54 %)", or "" when it has none; details escaped for a terminal.
func Flags(flags []results.Flag) string { return flagsText(flags, textsafe.Terminal) }

// flagsText is Flags with each detail escaped by esc.
func flagsText(flags []results.Flag, esc escaper) string {
	var s string
	for _, f := range flags {
		s += " " + strings.ToUpper(f.Name)
		if f.Detail != "" {
			s += " (" + esc(f.Detail) + ")"
		}
	}
	return s
}

// totalSamples is every repetition's latency samples together, or "-"
// where the file records none.
func totalSamples(c results.Case) string {
	if c.Samples > 0 {
		return Rate(float64(c.Samples))
	}
	n, ok := stats.RepetitionSamples(c)
	if !ok {
		return "-"
	}
	var sum uint64
	for _, x := range n {
		sum += x
	}
	return Rate(float64(sum))
}

// row renders one case's cells, with a DEPTH cell before the status where
// depth; skipped and failed cases show "-" for every number and their
// reason in the status cell, escaped by esc. A saturated case shows what it carried and no
// latency, and a case at an offered rate what it achieved of it.
func row(f *results.File, c results.Case, depth bool, esc escaper) []string {
	cells := row0(c, esc)
	if c.OfferedRate > 0 && c.Status != results.StatusSkipped && c.Status != results.StatusFailed {
		cells[len(cells)-1] = rateStatus(c, esc) + flagsText(c.Flags, esc)
	}
	if depth {
		cells = slices.Insert(cells, len(cells)-1, Depth(f, c))
	}
	return cells
}

// row0 renders one case's cells under columns.
func row0(c results.Case, esc escaper) []string {
	cells := []string{c.Transport, c.Workload, results.FormatBytes(c.SizeBytes)}
	if c.Status != results.StatusOK && c.Status != results.StatusSaturated {
		for range columns[3 : len(columns)-1] {
			cells = append(cells, "-")
		}
		return append(cells, c.Status+": "+esc(c.Reason))
	}
	// relay measures no latency; a saturated case's is not the transport's
	noLatency := c.HistogramHDR == "" || c.Status == results.StatusSaturated
	lat := func(ns int64, metric string) string {
		if noLatency {
			return "-"
		}
		return Ns(float64(ns)) + thinMark(c, metric) // max: no metric, never a percentile to gate on
	}
	p50, samples := "-", "-"
	if !noLatency {
		p50 = Ns(float64(c.Latency.P50Ns)) + CaseInterval(c, "p50", float64(c.Latency.P50Ns)) + thinMark(c, "p50")
		samples = totalSamples(c)
	}
	return append(cells,
		Rate(c.MsgsPerSec),
		strconv.FormatFloat(c.MBPerSec, 'f', 1, 64),
		p50,
		lat(c.Latency.P99Ns, "p99"),
		lat(c.Latency.P999Ns, "p999"),
		lat(c.Latency.MaxNs, ""),
		samples,
		Ns(c.CPUNsPerMsg),
		strconv.FormatFloat(c.SyscallsPerMsg, 'f', 2, 64),
		strconv.FormatFloat(c.CopiesPerMsg, 'f', 2, 64),
		c.Status+flagsText(c.Flags, esc),
	)
}

// writeWideTable writes every case in one aligned table of every column,
// names left and numbers right, each flag in words, and a legend.
func writeWideTable(w io.Writer, f *results.File) error {
	head := header(f)
	rows := [][]string{make([]string, len(head))}
	for i, c := range head {
		rows[0][i] = strings.ToUpper(c)
	}
	for _, c := range f.Cases {
		rows = append(rows, row(f, c, HasDepth(f), textsafe.Terminal))
	}
	for _, col := range percentileColumns {
		alignSuffix(rows, col, " n=")
	}
	var b strings.Builder
	// The status cell is last and may be long: it is not padded.
	writeAligned(&b, rows, 3, len(head)-1)
	b.WriteString(legend)
	b.WriteString(runNotes(f, textsafe.Terminal))
	for _, t := range append(copiesTables(f), fanTables(f)...) {
		b.WriteString("\n" + t.title + "\n")
		writeAligned(&b, append([][]string{t.columns}, t.rows...), 2, len(t.columns))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdown writes rows as a Markdown table, the first row its header
// and rule its alignment line.
func writeMarkdown(b *strings.Builder, rows [][]string, rule string) {
	b.WriteString("| " + strings.Join(rows[0], " | ") + " |\n" + rule + "\n")
	for _, r := range rows[1:] {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// writeAligned writes rows as columns two spaces apart: the first left
// columns left-aligned, the rest right-aligned; only the first padded
// columns are padded.
func writeAligned(b *strings.Builder, rows [][]string, left, padded int) {
	width := make([]int, padded)
	for _, r := range rows {
		for i := range width {
			width[i] = max(width[i], utf8.RuneCountInString(r[i]))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			pad := ""
			if i < padded {
				pad = strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			}
			if i < left {
				line.WriteString(cell + pad + "  ")
			} else {
				line.WriteString(pad + cell + "  ")
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// table is one of the tables that follow a run's main table.
type table struct {
	title   string
	columns []string
	rows    [][]string
}

var copiesColumns = []string{"TRANSPORT", "SIZE", "FILE→USER", "USER→KERNEL", "KERNEL→USER", "USER↔SHM", "USER→FILE", "TOTAL"}

// copiesTables returns, for each file workload in f, its ok cases' copies
// per message by where the bytes moved: the tutorials' copy claim, measured.
func copiesTables(f *results.File) []table {
	return sideTables(f, func(d workloads.Descriptor) bool { return d.File }, "copies per message, by where the bytes moved", copiesColumns,
		func(c results.Case) []string {
			num := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
			return []string{c.Transport, results.FormatBytes(c.SizeBytes), num(c.Copies.FileToUser), num(c.Copies.UserToKernel),
				num(c.Copies.KernelToUser), num(c.Copies.UserToUser), num(c.Copies.UserToFile), num(c.CopiesPerMsg)}
		})
}

var fanColumns = []string{"TRANSPORT", "SIZE", "PRODUCERS", "FEWEST", "MOST", "FAIRNESS"}

// fanTables returns, for each workload of several writers in f, each ok
// case's spread of messages across its producers.
func fanTables(f *results.File) []table {
	return sideTables(f, func(d workloads.Descriptor) bool { return d.Writers },
		"messages delivered per producer, and Jain's fairness index (1 = equal shares, 1/producers = one took all)", fanColumns,
		func(c results.Case) []string {
			if len(c.PerProducerMsgs) == 0 {
				return nil
			}
			lo, hi := slices.Min(c.PerProducerMsgs), slices.Max(c.PerProducerMsgs)
			return []string{c.Transport, results.FormatBytes(c.SizeBytes), strconv.Itoa(c.Producers),
				strconv.FormatUint(lo, 10), strconv.FormatUint(hi, 10), strconv.FormatFloat(c.Fairness, 'f', 3, 64)}
		})
}

// sideTables returns a table for each registered workload that has(d),
// titled by its name and what, of row over its ok cases (nil: left out).
func sideTables(f *results.File, has func(workloads.Descriptor) bool, what string, columns []string, row func(results.Case) []string) []table {
	var out []table
	for _, d := range workloads.All() {
		if !has(d) {
			continue
		}
		t := table{title: d.Name + ": " + what, columns: columns}
		for _, c := range f.Cases {
			if r := row(c); c.Workload == d.Name && c.Status == results.StatusOK && r != nil {
				t.rows = append(t.rows, r)
			}
		}
		if len(t.rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

const legend = `
Latency is the round trip for pingpong and send-to-receive for stream (which includes queueing).
msgs/s and MB/s count messages delivered one way; a round trip is two. cpu/msg is user+sys of
both workers; syscalls/msg and copies/msg are counted by the transport as it works.
samples counts the latency samples of every repetition; "n=13" after a percentile: only 13
independent samples lie beyond it (in the repetition with fewest; samples that follow each other
count for less), under 100: too few to trust, and compare does not gate on it. A status flag
(NOISY, OVERHEAD, DRIFT, AUTOCORR) marks a case whose figures say less than they seem to:
docs/results-file.md gives each check and its limit.
`

// NoiseWarnings words stats.Noise(f), a line each: "host before the run:
// busy processes stress-ng (…)", "tcp/pingpong/64 B: p50 varied 12%
// (coefficient of variation) across 6 repetitions".
func NoiseWarnings(f *results.File) []string {
	busy, noisy := stats.Noise(f)
	var out []string
	for _, h := range busy {
		out = append(out, fmt.Sprintf("host before the run: %s %s (%s)", h.Name, h.Value, h.Effect))
	}
	for _, c := range noisy {
		out = append(out, fmt.Sprintf("%s: p50 varied %.0f%% (coefficient of variation) across %d repetitions", c.Key, 100*c.CV, c.Repetitions))
	}
	return out
}

// runNotes says what a reader must know about how the run went: that it
// stopped early, that a transport was slowed on purpose, and what the
// figures of repetitions are; the file's own words escaped by esc.
func runNotes(f *results.File, esc escaper) string {
	var s string
	if f.Incomplete != "" {
		s += "INCOMPLETE RUN: " + esc(f.Incomplete) + ". Cases not listed did not run.\n"
	}
	for _, w := range NoiseWarnings(f) {
		s += "NOISY HOST: " + esc(w) + ".\n"
	}
	for _, n := range sendDelayNotes(f) {
		s += n + "\n"
	}
	s += depthNote(f) + workAndRateNotes(f)
	if f.Config.Repeat < 2 {
		return s
	}
	maxOf := "max is over all of them" // as an older ipcbench aggregated
	if repetitionMaxima(f) {
		maxOf = "max included (the median of their maxima)"
	}
	s += fmt.Sprintf("%s; %s.\n", mediansOf(f), maxOf)
	if noInterval(f) {
		return s + fmt.Sprintf("A 95%% confidence interval of a median needs at least %d rounds; use --rounds %d or more to get one.\n", stats.MinIntervalRounds, stats.MinIntervalRounds)
	}
	return s + "± after p50 is the 95% confidence interval of the median across repetitions (benchmath).\n"
}

// sendDelayNotes name each transport slowed on purpose, a line each.
func sendDelayNotes(f *results.File) []string {
	var out []string
	for _, t := range slices.Sorted(maps.Keys(f.Config.TestSendDelayNs)) {
		out = append(out, fmt.Sprintf("%s was slowed on purpose by %s per send (--test-send-delay): its figures are not its own.",
			t, Ns(float64(f.Config.TestSendDelayNs[t]))))
	}
	return out
}

// mediansOf says what the figures of a run of repetitions are.
func mediansOf(f *results.File) string {
	switch f.Config.Order {
	case results.OrderShuffled:
		return fmt.Sprintf("Figures are medians of %d rounds, each running every case once in a shuffled order (seed %d)", f.Config.Repeat, f.Config.OrderSeed)
	case results.OrderSequential:
		return fmt.Sprintf("Figures are medians of %d rounds, each case's run back to back", f.Config.Repeat)
	}
	return fmt.Sprintf("Figures are medians of %d repetitions, each in fresh processes", f.Config.Repeat)
}

// noInterval reports whether f's repetitions are too few for benchmath's
// 95 % interval of a median.
func noInterval(f *results.File) bool { return f.Config.Repeat < stats.MinIntervalRounds }

// repetitionMaxima reports whether f's repetitions record their own max,
// as files since issue 14 do: then a case's max is their median.
func repetitionMaxima(f *results.File) bool {
	for _, c := range f.Cases {
		for _, r := range c.Repetitions {
			if r.MaxNs > 0 {
				return true
			}
		}
	}
	return false
}

// optional is a CSV cell of a figure a file may not record: empty for 0.
func optional(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// WriteCSV writes one header row and one row per case, with raw numbers.
// depth_msgs, depth_bytes, offered_rate and achieved_rate come last, empty
// where the file records none; a saturated case has no latency cells.
// p99_tail_samples and p999_tail_samples are the samples beyond each
// percentile in the repetition with fewest (empty where unknown); flags
// are name:detail pairs joined by "; ".
func WriteCSV(w io.Writer, f *results.File) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"transport", "workload", "size_bytes", "status", "reason", "messages", "msgs_per_sec", "mb_per_sec",
		"min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns", "stddev_ns",
		"cpu_ns_per_msg", "syscalls_per_msg", "copies_per_msg",
		"samples", "p99_tail_samples", "p999_tail_samples", "overhead_share", "drift", "lag1_autocorr", "flags",
		"depth_msgs", "depth_bytes", "offered_rate", "achieved_rate"})
	for _, c := range f.Cases {
		l := c.Latency
		num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		i := func(v int64) string { return strconv.FormatInt(v, 10) }
		rec := []string{c.Transport, c.Workload, strconv.Itoa(c.SizeBytes), c.Status, c.Reason}
		if c.Status == results.StatusOK {
			rec = append(rec, strconv.FormatUint(c.Messages, 10), num(c.MsgsPerSec), num(c.MBPerSec),
				i(l.MinNs), i(l.P50Ns), i(l.P90Ns), i(l.P99Ns), i(l.P999Ns), i(l.MaxNs), num(l.MeanNs), num(l.StddevNs),
				num(c.CPUNsPerMsg), num(c.SyscallsPerMsg), num(c.CopiesPerMsg))
			rec = append(rec, sampleCells(c)...)
			rec = append(rec, num(c.OverheadShare), num(c.Drift), num(c.Lag1Autocorr), csvFlags(c.Flags))
		} else if c.Status == results.StatusSaturated {
			rec = append(rec, strconv.FormatUint(c.Messages, 10), num(c.MsgsPerSec), num(c.MBPerSec))
			rec = append(rec, make([]string, 8)...)
			rec = append(rec, num(c.CPUNsPerMsg), num(c.SyscallsPerMsg), num(c.CopiesPerMsg), "", "", "", "", "", "", csvFlags(c.Flags))
		} else {
			rec = append(rec, make([]string, 21)...)
		}
		rec = append(rec, optional(float64(c.DepthMsgs)), optional(float64(c.DepthBytes)), optional(c.OfferedRate), optional(c.AchievedRate))
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// sampleCells are a case's CSV sample count and tail counts; empty where
// the file records none or the case measures no latency.
func sampleCells(c results.Case) []string {
	cells := make([]string, 3)
	n, ok := stats.RepetitionSamples(c)
	if !ok {
		return cells
	}
	var sum uint64
	for _, x := range n {
		sum += x
	}
	cells[0] = strconv.FormatUint(sum, 10)
	for j, q := range []float64{0.99, 0.999} {
		tail, _ := stats.TailSamples(c, q)
		cells[j+1] = strconv.FormatFloat(math.Floor(tail), 'f', 0, 64)
	}
	return cells
}

func csvFlags(flags []results.Flag) string {
	var parts []string
	for _, f := range flags {
		parts = append(parts, f.Name+":"+f.Detail)
	}
	return strings.Join(parts, "; ")
}

// WriteMarkdownTable writes a run as a GitHub-flavoured Markdown table.
func WriteMarkdownTable(w io.Writer, f *results.File) error {
	head := header(f)
	rows := [][]string{head}
	for _, c := range f.Cases {
		rows = append(rows, row(f, c, HasDepth(f), textsafe.Markdown))
	}
	var b strings.Builder
	writeMarkdown(&b, rows, "|---|---|---|"+strings.Repeat("--:|", len(head)-4)+"---|")
	b.WriteString(strings.ReplaceAll(legend+runNotes(f, textsafe.Markdown), "\n", " ") + "\n")
	for _, t := range copiesTables(f) {
		b.WriteString("\n" + t.title + ":\n\n")
		writeMarkdown(&b, append([][]string{t.columns}, t.rows...), "|---|---|--:|--:|--:|--:|--:|--:|")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMatrices renders a run's pair matrices as aligned text, or Markdown
// tables: rows are side a's CPU, columns side b's, cells p50 latency.
func WriteMatrices(w io.Writer, f *results.File, markdown bool) error {
	esc := escapeFor(markdown)
	var b strings.Builder
	for _, m := range f.PairMatrices {
		fmt.Fprintf(&b, "%s: p50 latency, side a on the row's CPU, side b on the column's\n", m.Key())
		head := []string{"a\\b"}
		for _, c := range m.CPUs {
			head = append(head, fmt.Sprint(c))
		}
		rows := [][]string{head}
		for i, row := range m.P50Ns {
			cells := []string{fmt.Sprint(m.CPUs[i])}
			for _, v := range row {
				cell := "-"
				if v > 0 {
					cell = Ns(v)
				}
				cells = append(cells, cell)
			}
			rows = append(rows, cells)
		}
		if markdown {
			b.WriteString("\n")
			writeMarkdown(&b, rows, "|"+strings.Repeat("--:|", len(head)))
		} else {
			writeAligned(&b, rows, 1, len(head))
		}
		for _, fl := range m.Failures {
			b.WriteString("  not measured: " + esc(fl) + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(runNotes(f, esc))
	_, err := io.WriteString(w, b.String())
	return err
}

// Check reports whether name is one of the formats known, naming them
// when it is not.
func Check(name string, known []string) error {
	if slices.Contains(known, name) {
		return nil
	}
	return unknown(name, known)
}

func unknown(name string, known []string) error {
	return fmt.Errorf("unknown format %q; want one of %s", name, strings.Join(known, ", "))
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Ns prints a duration in ns with a unit that keeps 3 significant digits.
func Ns(ns float64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(ns/1e9, 'f', 2, 64) + "s"
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + "ms"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + "µs"
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + "ns"
}

// Rate prints a per-second rate with k/M suffixes.
func Rate(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// Interval prints ci around center as benchstat does: " ±3%", the larger
// of its two sides; "" where center is zero.
func Interval(ci results.Interval, center float64) string {
	if center == 0 {
		return ""
	}
	return fmt.Sprintf(" ±%.0f%%", 100*max(ci.Hi/center-1, 1-ci.Lo/center))
}

// CaseInterval prints the case's 95 % interval of metric around center, or
// "" where the case has none (fewer than six repetitions).
func CaseInterval(c results.Case, metric string, center float64) string {
	ci, ok := c.CI95[metric]
	if !ok {
		return ""
	}
	return Interval(ci, center)
}
