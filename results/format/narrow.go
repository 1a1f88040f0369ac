package format

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
)

// TableWidth is the widest line of the run table WriteTable writes for
// the default run (14 transports × pingpong, stream × 64 B, 64 KiB), notes
// included: a row stays one line on a terminal of 120 columns.
const TableWidth = 120

// TableOptions chooses how WriteTableWith renders a run.
type TableOptions struct {
	// Wide renders one table of every column and every workload, each
	// flag in words, a paragraph that explains the columns and a line per
	// case whose p50 varied across repetitions (run --wide), instead of
	// a table per workload that fits TableWidth.
	Wide bool
}

// WriteTable writes the run table that fits TableWidth.
func WriteTable(w io.Writer, f *results.File) error { return WriteTableWith(w, f, TableOptions{}) }

// WriteTableWith writes a run as text: one table per workload, so that a
// round trip and a one-way latency never share a column, with the flags
// as letters and a few notes under it; or, with opt.Wide, one table of
// every column.
func WriteTableWith(w io.Writer, f *results.File, opt TableOptions) error {
	if opt.Wide {
		return writeWideTable(w, f)
	}
	var b strings.Builder
	used := map[string]bool{}
	depthShown := false
	for _, g := range byWorkload(f) {
		cols := narrowColumns(f, g.d)
		depthShown = depthShown || slices.ContainsFunc(cols, func(c column) bool { return c.head == "DEPTH" })
		b.WriteString(workloadTitle(g.d) + "\n")
		rows := [][]string{heads(cols)}
		for _, c := range g.cases {
			rows = append(rows, narrowRow(cols, c, used))
		}
		for i := range cols {
			alignSuffix(rows, i, " ±")
		}
		writeAligned(&b, rows, 2, len(cols)-1)
		b.WriteString("\n")
	}
	for _, n := range narrowNotes(f, used, depthShown) {
		b.WriteString(wrap(n, TableWidth))
	}
	for _, t := range append(copiesTables(f), fanTables(f)...) {
		b.WriteString("\n" + t.title + "\n")
		writeAligned(&b, append([][]string{t.columns}, t.rows...), 2, len(t.columns))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// workloadCases are a run's cases of one workload, by size.
type workloadCases struct {
	d     workloads.Descriptor
	cases []results.Case
}

// byWorkload splits f's cases by workload, in the registry's order (an
// unregistered workload after, by name, its latency taken from its
// cases' latency_kind), each workload's cases by size and then in the
// file's order.
func byWorkload(f *results.File) []workloadCases {
	var out []workloadCases
	at := map[string]int{}
	for _, c := range f.Cases {
		i, seen := at[c.Workload]
		if !seen {
			d, ok := workloads.Lookup(c.Workload)
			if !ok {
				d = workloads.Descriptor{Name: c.Workload, Order: 1 << 30, Latency: latencyOfKind(c.LatencyKind)}
			}
			i, at[c.Workload] = len(out), len(out)
			out = append(out, workloadCases{d: d})
		}
		out[i].cases = append(out[i].cases, c)
	}
	slices.SortStableFunc(out, func(a, b workloadCases) int {
		return cmp.Or(cmp.Compare(a.d.Order, b.d.Order), cmp.Compare(a.d.Name, b.d.Name))
	})
	for _, g := range out {
		slices.SortStableFunc(g.cases, func(a, b results.Case) int { return cmp.Compare(a.SizeBytes, b.SizeBytes) })
	}
	return out
}

// latencyOfKind reads a case's latency_kind, as workloads.Latency words it.
func latencyOfKind(kind string) workloads.Latency {
	for _, l := range []workloads.Latency{workloads.RoundTrip, workloads.OneWay} {
		if kind == l.String() {
			return l
		}
	}
	return workloads.NoLatency
}

// workloadTitle says above a workload's table what its latency measures.
func workloadTitle(d workloads.Descriptor) string {
	switch {
	case d.Latency == workloads.RoundTrip:
		return d.Name + ": latency is the round trip (RTT), request sent to answer received"
	case d.Latency == workloads.OneWay && d.OpenLoop:
		return d.Name + ": latency is one way, from each message's intended send time to its receipt"
	case d.Latency == workloads.OneWay:
		return d.Name + ": latency is one way, send to receipt, queueing in the transport's buffer included"
	}
	return d.Name + ": no latency timed"
}

// column is one column of a narrow table: its header, with the unit, and
// the cell of an ok or saturated case.
type column struct {
	head string
	cell func(c results.Case) string
}

func heads(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.head
	}
	return out
}

// narrowColumns are the columns of workload d's table: its main figure
// (p50 round trip, or msgs/s) third with its interval, then the other
// latency and rate figures, the costs, the depth where it matters (a
// round trip holds one message in flight, whatever the buffer) and FLAGS.
// A latency header names its kind: RTT or 1-WAY.
func narrowColumns(f *results.File, d workloads.Descriptor) []column {
	name := func(c results.Case) string { return c.Transport }
	size := func(c results.Case) string { return results.FormatBytes(c.SizeBytes) }
	cols := []column{{"TRANSPORT", name}, {"SIZE", size}}
	msgs := func(withCI bool) column {
		return column{"MSGS/S", func(c results.Case) string {
			s := Rate(c.MsgsPerSec)
			if withCI {
				s += CaseInterval(c, "throughput", c.MsgsPerSec)
			}
			return s
		}}
	}
	mbps := column{"MB/S", func(c results.Case) string { return strconv.FormatFloat(c.MBPerSec, 'f', 1, 64) }}
	switch {
	case d.Latency == workloads.RoundTrip:
		cols = append(cols, latencyColumn("P50 RTT", "p50", true), latencyColumn("P99 RTT", "p99", false), msgs(false))
	case d.OpenLoop:
		cols = append(cols, column{"OFFERED/S", func(c results.Case) string { return Rate(c.OfferedRate) }}, msgs(false), mbps,
			latencyColumn("P50 1-WAY", "p50", false), latencyColumn("P99 1-WAY", "p99", false))
	case d.Latency == workloads.OneWay:
		cols = append(cols, msgs(true), mbps, latencyColumn("P50 1-WAY", "p50", false), latencyColumn("P99 1-WAY", "p99", false))
	default:
		cols = append(cols, msgs(true), mbps)
	}
	cols = append(cols,
		column{"CPU/MSG", func(c results.Case) string { return Ns(c.CPUNsPerMsg) }},
		column{"COPIES/MSG", func(c results.Case) string { return strconv.FormatFloat(c.CopiesPerMsg, 'f', 2, 64) }})
	if d.Latency != workloads.RoundTrip && HasDepth(f) {
		cols = append(cols, column{"DEPTH", func(c results.Case) string { return narrowDepth(f, c) }})
	}
	return append(cols, column{"FLAGS", nil})
}

// latencyColumn is a percentile's column, with its 95 % interval where
// withCI; "-" for a case that times no latency (relay, or saturated).
func latencyColumn(head, metric string, withCI bool) column {
	m, _ := stats.MetricByName(metric)
	return column{head, func(c results.Case) string {
		if !timesLatency(c) {
			return "-"
		}
		v := m.Of(results.RepetitionOf(c))
		s := Ns(v)
		if withCI {
			s += CaseInterval(c, metric, v)
		}
		return s
	}}
}

// timesLatency reports whether c's latency figures are the transport's:
// relay times none, and a saturated case's is its backlog.
func timesLatency(c results.Case) bool {
	return c.HistogramHDR != "" && c.Status != results.StatusSaturated
}

// narrowDepth is a case's messages in flight, "1024", with "*" where the
// transport kept its own buffering though --depth asked for another.
func narrowDepth(f *results.File, c results.Case) string {
	if c.DepthMsgs <= 0 {
		return "-"
	}
	s := strconv.Itoa(c.DepthMsgs)
	if f.Config.Depth > 0 && nativeDepth(f, c) {
		s += "*"
	}
	return s
}

// narrowRow renders a case under cols, adding the flag codes it shows to
// used: a skipped or failed case shows "-" for every figure and its
// status, its reason going to the notes.
func narrowRow(cols []column, c results.Case, used map[string]bool) []string {
	cells := make([]string, len(cols))
	ran := c.Status == results.StatusOK || c.Status == results.StatusSaturated
	for i, col := range cols[:len(cols)-1] {
		switch {
		case i < 2 || ran:
			cells[i] = col.cell(c)
		default:
			cells[i] = "-"
		}
	}
	codes := flagCodes(c)
	for _, code := range codes {
		used[code] = true
	}
	if c.Status != results.StatusOK {
		codes = slices.Insert(codes, 0, c.Status)
	}
	cells[len(cells)-1] = strings.Join(codes, " ")
	return cells
}

// thinTailFlag names the code of a percentile shown that rests on too few
// samples beyond it (stats.ThinTail); it is no flag of the results file.
const thinTailFlag = "thin-tail"

// flagLetters are the codes of the narrow table's FLAGS cells, in the
// order a cell lists them, and the words of the legend.
var flagLetters = []struct{ name, code, gloss string }{
	{results.FlagNoisy, "N", "noisy host"},
	{results.FlagOverhead, "O", "harness overhead"},
	{results.FlagDrift, "D", "drift within the window"},
	{results.FlagAutocorr, "A", "autocorrelated samples"},
	{results.FlagWork, "W", "--work off target"},
	{results.FlagLate, "L", "pacer sent late"},
	{thinTailFlag, "T", fmt.Sprintf("thin tail (P50 or P99 on < %d samples beyond it)", results.MinTailSamples)},
}

// flagCode is the code of the flag named name, in the table and the
// verdict alike; a flag this build does not know is its name in capitals.
func flagCode(name string) string {
	for _, l := range flagLetters {
		if l.name == name {
			return l.code
		}
	}
	return strings.ToUpper(name)
}

// flagCodes are the codes of c's flags, and T where a percentile the
// table shows rests on too few samples; a flag this build does not know
// shows its name in capitals.
func flagCodes(c results.Case) []string {
	names := map[string]bool{}
	for _, fl := range c.Flags {
		names[fl.Name] = true
	}
	if timesLatency(c) {
		for _, metric := range []string{"p50", "p99"} {
			m, _ := stats.MetricByName(metric)
			if _, known, thin := stats.ThinTail(c, m); known && thin != "" {
				names[thinTailFlag] = true
			}
		}
	}
	var codes []string
	for _, l := range flagLetters {
		if names[l.name] {
			codes = append(codes, l.code)
			delete(names, l.name)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		codes = append(codes, textsafe.Terminal(strings.ToUpper(n)))
	}
	return codes
}

// flagLegend names the codes used, "Flags: D drift within the window, T
// thin tail (…)", or "" where none is.
func flagLegend(used map[string]bool) string {
	var parts []string
	for _, l := range flagLetters {
		if used[l.code] {
			parts = append(parts, l.code+" "+l.gloss)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Flags: " + strings.Join(parts, ", ") + "."
}

// alignSuffix pads the cells of column col (rows, header first) that lack
// mark with trailing spaces as wide as the column's widest suffix from
// mark on, so that right-aligned figures stay aligned on their last digit.
func alignSuffix(rows [][]string, col int, mark string) {
	suffix := func(cell string) int {
		if i := strings.Index(cell, mark); i >= 0 {
			return utf8.RuneCountInString(cell[i:])
		}
		return 0
	}
	widest := 0
	for _, r := range rows[1:] {
		if col < len(r) {
			widest = max(widest, suffix(r[col]))
		}
	}
	if widest == 0 {
		return
	}
	for _, r := range rows {
		if col < len(r) {
			r[col] += strings.Repeat(" ", widest-suffix(r[col]))
		}
	}
}

// wrap breaks a note into lines of at most width runes at spaces, each
// line after the first indented two spaces more than the note; a word
// longer than a line stays whole.
func wrap(note string, width int) string {
	indent := note[:len(note)-len(strings.TrimLeft(note, " "))]
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(note) {
		switch {
		case strings.TrimSpace(line) == "":
			line += word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
			b.WriteString(line + "\n")
			line = indent + "  " + word
		default:
			line += " " + word
		}
	}
	return b.String() + line + "\n"
}

// narrowNotes are the lines under the narrow tables: what a reader must
// know to trust them, each short; the rest is in --wide and in
// docs/usage.md.
func narrowNotes(f *results.File, used map[string]bool, depthShown bool) []string {
	var notes []string
	if f.Incomplete != "" {
		notes = append(notes, "INCOMPLETE RUN: "+textsafe.Terminal(f.Incomplete)+". Cases not listed did not run.")
	}
	if l := flagLegend(used); l != "" {
		notes = append(notes, l)
	}
	notes = append(notes, narrowRepetitionNote(f)...)
	notes = append(notes, narrowNoiseNotes(f)...)
	notes = append(notes, reasonNotes(f)...)
	notes = append(notes, sendDelayNotes(f)...)
	if depthShown {
		notes = append(notes, narrowDepthNote(f))
	}
	if w := workNote(f); w != "" {
		notes = append(notes, strings.TrimSuffix(w, "\n"))
	}
	notes = append(notes, narrowRateNotes(f)...)
	return append(notes, "Every column, each flag in words: --wide. How to read the table: docs/usage.md#reading-the-table.")
}

// narrowRepetitionNote says what a run of repetitions' figures are, and
// what ± is or why there is none.
func narrowRepetitionNote(f *results.File) []string {
	switch {
	case f.Config.Repeat < 2:
		return nil
	case noInterval(f):
		return []string{fmt.Sprintf("%s; an interval of a median (±) needs %d or more: --rounds %d.", mediansOf(f), stats.MinIntervalRounds, stats.MinIntervalRounds)}
	}
	return []string{mediansOf(f) + "; ± is the median's 95 % confidence interval (benchmath)."}
}

// narrowNoiseNotes word stats.Noise(f) in a line for each busy-host
// finding and one for every case whose p50 varied across repetitions:
// each median's interval shows that spread, and --wide names the cases.
func narrowNoiseNotes(f *results.File) []string {
	busy, noisy := stats.Noise(f)
	var out []string
	for _, h := range busy {
		s := "NOISY HOST: before the run, " + h.Name + " " + h.Value
		if h.Effect != "" {
			s += " (" + h.Effect + ")"
		}
		out = append(out, textsafe.Terminal(s+"."))
	}
	if line := hostSpeedNote(f); line != "" {
		return append(out, line)
	}
	if len(noisy) == 0 || !noInterval(f) {
		return out // with intervals, each median's ± shows its spread
	}
	return append(out, fmt.Sprintf("NOISY HOST: p50 varied more than %.0f %% across repetitions in %d %s; --wide names them.",
		100*stats.NoisyCV, len(noisy), plural(len(noisy), "case")))
}

// hostSpeedNote says how far the host's speed moved between rounds
// (stats.RoundFactors) where it moved beyond stats.HostSpeedLimit, or "".
func hostSpeedNote(f *results.File) string {
	factors := stats.RoundFactors(f)
	if len(factors) == 0 {
		return ""
	}
	lo, hi := slices.Min(factors), slices.Max(factors)
	if hi/lo-1 <= stats.HostSpeedLimit {
		return ""
	}
	return fmt.Sprintf("HOST SPEED: cases took %.2f× to %.2f× their median time per message from round to round, all together: "+
		"a slow spell that slows transports unequally moves their ratios (docs/method.md#rounds-and-the-hosts-speed).", lo, hi)
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// reasonNotes give the reason of each case that did not run, or ran but
// not as asked, once per reason: "skipped sysv-msg 64 KiB (pingpong,
// stream): 64 KiB exceeds …".
func reasonNotes(f *results.File) []string {
	type reasoned struct {
		status, reason string
		cases          []results.Case
	}
	var out []*reasoned
	for _, c := range f.Cases {
		if c.Status == results.StatusOK || c.Reason == "" {
			continue
		}
		i := slices.IndexFunc(out, func(r *reasoned) bool { return r.status == c.Status && r.reason == c.Reason })
		if i < 0 {
			i = len(out)
			out = append(out, &reasoned{status: c.Status, reason: c.Reason})
		}
		out[i].cases = append(out[i].cases, c)
	}
	lines := make([]string, len(out))
	for i, r := range out {
		lines[i] = r.status + " " + caseList(r.cases) + ": " + textsafe.Terminal(r.reason)
	}
	return lines
}

// caseList names cases briefly, by transport: "sysv-msg 64 KiB
// (pingpong, stream)" where a transport's cases share a size, "pipe
// stream-inplace (64 B, 16 KiB)" where they share a workload, else
// "pipe (stream 64 B, fanin 16 KiB)"; a rate case's workload with its
// offered rate.
func caseList(cases []results.Case) string {
	var transports []string
	by := map[string][]results.CaseKey{}
	for _, c := range cases {
		if _, seen := by[c.Transport]; !seen {
			transports = append(transports, c.Transport)
		}
		k := c.Key()
		by[c.Transport] = append(by[c.Transport], k)
	}
	parts := make([]string, len(transports))
	for i, t := range transports {
		keys := by[t]
		workload := func(k results.CaseKey) string {
			return strings.TrimSuffix(strings.TrimPrefix(k.String(), k.Transport+"/"), "/"+results.FormatBytes(k.SizeBytes))
		}
		size := func(k results.CaseKey) string { return results.FormatBytes(k.SizeBytes) }
		same := func(of func(results.CaseKey) string) bool {
			return !slices.ContainsFunc(keys, func(k results.CaseKey) bool { return of(k) != of(keys[0]) })
		}
		list := func(of func(results.CaseKey) string) string {
			var s []string
			for _, k := range keys {
				s = append(s, of(k))
			}
			return strings.Join(s, ", ")
		}
		switch {
		case len(keys) == 1:
			parts[i] = t + " " + workload(keys[0]) + " " + size(keys[0])
		case same(size):
			parts[i] = t + " " + size(keys[0]) + " (" + list(workload) + ")"
		case same(workload):
			parts[i] = t + " " + workload(keys[0]) + " (" + list(size) + ")"
		default:
			parts[i] = t + " (" + list(func(k results.CaseKey) string { return workload(k) + " " + size(k) }) + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// narrowDepthNote says what DEPTH holds and how it was set.
func narrowDepthNote(f *results.File) string {
	if f.Config.Depth == 0 {
		return "DEPTH: the messages each case could hold in flight, the transport's own buffering (no --depth)."
	}
	s := fmt.Sprintf("DEPTH: the messages each case held in flight, as --depth %d set it", f.Config.Depth)
	if slices.ContainsFunc(f.Cases, func(c results.Case) bool { return c.DepthMsgs > 0 && nativeDepth(f, c) }) {
		s += "; *: the transport's own buffering, which --depth cannot set"
	}
	return s + "."
}

// narrowRateNotes say how a run's rate cases were sent and what
// saturated means, then each transport's saturation rate; none without
// rate cases.
func narrowRateNotes(f *results.File) []string {
	sats := SaturationTexts(f)
	if len(sats) == 0 {
		return nil
	}
	out := []string{"Rate cases send on a " + arrivals(f) + " schedule, each message timed from its intended send time; " +
		"saturated: short of the offered rate, or latency growing through the window (a backlog), so no latency shown.",
		"Highest offered rate below which every rate passed, p99 under the SLO (--slo):"}
	for _, t := range sats {
		out = append(out, "  "+t)
	}
	return out
}
