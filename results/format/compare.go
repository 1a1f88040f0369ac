package format

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// CompareFormats lists the renderings of a Comparison.
var CompareFormats = []string{"table", "markdown", "json"}

// WriteComparison renders c as one of CompareFormats.
func WriteComparison(w io.Writer, format string, c *stats.Comparison) error {
	switch format {
	case "json":
		return writeJSON(w, c)
	case "table", "markdown":
		_, err := io.WriteString(w, comparisonText(c, format == "markdown"))
		return err
	}
	return unknown(format, CompareFormats)
}

var compareColumns = []string{"case", "base", "new", "delta", "p", "verdict", "mde"}

func comparisonText(c *stats.Comparison, markdown bool) string {
	var b strings.Builder
	b.WriteString(differenceText(c.Differences, markdown))
	for _, t := range CompareTables(c) {
		b.WriteString(t.Title + "\n")
		if markdown {
			b.WriteString("\n")
		}
		writeRows(&b, t.Rows, markdown)
		b.WriteString("\n")
	}
	b.WriteString(CompareNotes(c, markdown))
	return b.String()
}

// CompareNotes is what follows a comparison's tables, as compare prints
// it: the cases only on one side, broken or not compared, the warnings,
// what ~, a regression and the columns mean, what was left out, and last
// CompareVerdict. The files' reasons are escaped for Markdown or, where
// markdown is false, for a terminal.
func CompareNotes(c *stats.Comparison, markdown bool) string {
	esc := escapeFor(markdown)
	var b strings.Builder
	anyCI := slices.ContainsFunc(c.Deltas, func(d stats.Delta) bool { return d.Base.CI95 != nil || d.New.CI95 != nil })
	same := func(s string) string { return s }
	list := func(title string, items []string, esc escaper) {
		if len(items) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		if markdown {
			b.WriteString("\n")
		}
		for _, it := range items {
			b.WriteString("  - " + esc(it) + "\n")
		}
		b.WriteString("\n")
	}
	list("only in base", c.OnlyBase, same) // case keys, of validated names
	list("only in new", c.OnlyNew, same)
	list("broken on new (regressions: ok on base, failed or saturated on new)", c.Broken, esc) // quotes the files' reasons
	list("not compared", c.NotCompared, esc)                                                   // quotes the files' reasons
	list("warnings", c.Warnings, same)                                                         // compare's own words
	ci := "."
	if anyCI {
		ci = "; ± is the 95% confidence interval."
	}
	tests := "every test"
	if c.Tests > 0 {
		tests = fmt.Sprintf("the %d tests", c.Tests)
	}
	fmt.Fprintf(&b, "~ means no significant difference: Mann-Whitney U tests over %ss, their p-values corrected together by Benjamini-Hochberg over %s (q ≥ %g). A regression is a significant change for the worse beyond %g%%. Medians across %ss%s\n",
		c.Unit, tests, c.Alpha, c.Threshold*100, c.Unit, ci)
	fmt.Fprintf(&b, "A percentile with fewer than %d samples beyond it in a repetition (tail n) is not tested.\n", results.MinTailSamples)
	if c.MinFlaggable > 1 {
		fmt.Fprintf(&b, "With %d tests, each able to reach p=%.4f at best, a change is flagged only where at least %d tests reach that together; a regression confined to fewer needs more %ss.\n",
			c.Tests, c.SmallestP, c.MinFlaggable, c.Unit)
	}
	if anyMDE(c) {
		b.WriteString("mde: the smallest change for the worse, of that metric, that this comparison could have flagged in a case that changed alone; - where it could flag none.\n")
	}
	if line := tailsLeftOutLine(c); line != "" {
		b.WriteString(line + "\n")
	}
	if line := latencyLeftOutLine(c); line != "" {
		b.WriteString(line + "\n")
	}
	b.WriteString(CompareVerdict(c) + "\n")
	return b.String()
}

// CompareVerdict is the comparison's last line: the regressions, and how many
// of the matched cases went untested. It says "No regressions." only when
// every matched case was tested.
func CompareVerdict(c *stats.Comparison) string {
	reg, untested := c.Regressions(), c.MatchedCases-c.TestedCases
	switch {
	case c.MatchedCases == 0:
		return "Untested: no case was measured on both sides; nothing was compared."
	case reg > 0 && untested > 0:
		return fmt.Sprintf("%d regressions; %d of the %d cases measured on both sides could not be tested.", reg, untested, c.MatchedCases)
	case reg > 0:
		return fmt.Sprintf("%d regressions.", reg)
	case c.TestedCases == 0 && c.MatchedCases == 1:
		return "Untested: the one case measured on both sides could not be tested; no verdict."
	case c.TestedCases == 0:
		return fmt.Sprintf("Untested: none of the %d cases measured on both sides could be tested; no verdict.", c.MatchedCases)
	case untested > 0:
		return fmt.Sprintf("Untested: %d of the %d cases measured on both sides could not be tested; no regressions in the other %d.", untested, c.MatchedCases, c.TestedCases)
	}
	return "No regressions."
}

// tailsLeftOutLine says, in one line, how many percentiles compare left
// out for resting on too few samples, or "".
func tailsLeftOutLine(c *stats.Comparison) string {
	if len(c.TailsLeftOut) == 0 {
		return ""
	}
	metrics := map[string]int{}
	var names []string
	for _, cm := range c.TailsLeftOut {
		m := cm[strings.LastIndex(cm, " ")+1:]
		if metrics[m] == 0 {
			names = append(names, m)
		}
		metrics[m]++
	}
	var parts []string
	for _, m := range names {
		parts = append(parts, fmt.Sprintf("%s of %d %s", m, metrics[m], plural(metrics[m], "case")))
	}
	return fmt.Sprintf("Not compared: %s, whose repetitions hold fewer than %d samples beyond the percentile (short rounds); run longer (--duration) to gate them, or name them in --metric to have them reported untested.",
		strings.Join(parts, ", "), results.MinTailSamples)
}

// latencyLeftOutLine says, in one line, which cases' latency compare left
// out and why, or "".
func latencyLeftOutLine(c *stats.Comparison) string {
	if len(c.LatencyLeftOut) == 0 {
		return ""
	}
	var names []string
	for _, k := range c.LatencyLeftOut {
		parts := strings.Split(k, "/")
		if len(parts) > 1 && !slices.Contains(names, parts[1]) {
			names = append(names, parts[1])
		}
	}
	return fmt.Sprintf("Latency not compared for %d %s cases: a closed-loop one-way latency measures the buffer's depth, not the transport; it is compared only at one recorded --depth on both sides (or with --gate-stream-latency).",
		len(c.LatencyLeftOut), strings.Join(names, ", "))
}

// CompareTable is one metric's table of a comparison, as compare prints
// it: Title ("p50 (µs, lower is better)"), Rows with the header first, a
// row per case and the geomean last, and each case row's Delta (nil for
// the geomean's).
type CompareTable struct {
	Metric, Title string
	Rows          [][]string
	Deltas        []*stats.Delta
}

// CompareTables returns a table per metric of c, in the order of its
// deltas.
func CompareTables(c *stats.Comparison) []CompareTable {
	var out []CompareTable
	for i := range c.Deltas {
		d := &c.Deltas[i]
		j := slices.IndexFunc(out, func(t CompareTable) bool { return t.Metric == d.Metric })
		if j < 0 {
			j = len(out)
			out = append(out, CompareTable{Metric: d.Metric})
		}
		out[j].Deltas = append(out[j].Deltas, d)
	}
	for i := range out {
		metricTable(c, &out[i])
	}
	return out
}

// metricTable fills t's title and rows from its deltas, and its geomean.
func metricTable(c *stats.Comparison, t *CompareTable) {
	m, _ := stats.MetricByName(t.Metric)
	better := "lower is better"
	if m.HigherBetter {
		better = "higher is better"
	}
	var medians []float64
	for _, d := range t.Deltas {
		medians = append(medians, d.Base.Median)
	}
	vf := newValueFormat(m, medians)
	t.Title = fmt.Sprintf("%s (%s, %s)", t.Metric, vf.unit, better)
	t.Rows = [][]string{compareColumns}
	for _, d := range t.Deltas {
		t.Rows = append(t.Rows, []string{d.Case, vf.summary(d.Base), vf.summary(d.New), formatDelta(*d), formatP(*d), d.Verdict, formatMDE(*d)})
	}
	for _, g := range c.Geomeans {
		if g.Metric == t.Metric {
			t.Rows = append(t.Rows, []string{fmt.Sprintf("geomean (%d cases)", g.Cases), vf.format(g.Base), vf.format(g.New),
				deltaPct(g.DeltaPct), "", "", ""})
			t.Deltas = append(t.Deltas, nil)
		}
	}
}

func writeRows(b *strings.Builder, rows [][]string, markdown bool) {
	if markdown {
		writeMarkdown(b, rows, "|---|--:|--:|--:|--:|---|")
		return
	}
	rows[0] = upper(rows[0])
	writeAligned(b, rows, 1, len(rows[0])-1)
}

func upper(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ToUpper(c)
	}
	return out
}

// valueFormat prints one table's values of a metric in a single unit, the
// one its header names: times scale to the ns, µs, ms or s that suit the
// table's typical value, as benchstat scales a column.
type valueFormat struct {
	unit   string
	format func(float64) string
}

func newValueFormat(m stats.Metric, typical []float64) valueFormat {
	switch m.Unit {
	case "ns", "ns/msg":
		mid := 0.0
		if len(typical) > 0 {
			v := slices.Clone(typical)
			slices.Sort(v)
			mid = v[len(v)/2]
		}
		prefix, div := "ns", 1.0
		switch {
		case mid >= 1e9:
			prefix, div = "s", 1e9
		case mid >= 1e6:
			prefix, div = "ms", 1e6
		case mid >= 1e3:
			prefix, div = "µs", 1e3
		}
		return valueFormat{prefix + strings.TrimPrefix(m.Unit, "ns"), func(v float64) string { return threeDigits(v / div) }}
	case "msgs/s":
		// Rate's k and M are multipliers of the header's msgs/s.
		return valueFormat{m.Unit, Rate}
	}
	return valueFormat{m.Unit, func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }}
}

// threeDigits prints v with about three significant digits, never in
// exponent form.
func threeDigits(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func (vf valueFormat) summary(s stats.SummaryInterval) string {
	if s.CI95 == nil {
		return vf.format(s.Median)
	}
	return vf.format(s.Median) + Interval(*s.CI95, s.Median)
}

func formatDelta(d stats.Delta) string {
	if d.Verdict == stats.VerdictSame {
		return "~"
	}
	return deltaPct(d.DeltaPct)
}

// deltaPct renders a change in percent, "+10.69%", or as a factor,
// "×1625", beyond results.FactorBeyond.
func deltaPct(pct float64) string {
	if s, ok := results.Factor(pct / 100); ok {
		return s
	}
	return fmt.Sprintf("%+.2f%%", pct)
}

// formatP prints the p-value, the corrected q-value and the sample
// counts; an untested delta shows why: its sample counts, or the samples
// beyond a percentile on each side (? where unknown).
func formatP(d stats.Delta) string {
	switch {
	case d.Reason == stats.ReasonInterval:
		return fmt.Sprintf("- (other intervals, n=%d+%d)", d.Base.N, d.New.N)
	case d.P == nil && d.Reason != "" && d.Reason != stats.ReasonFewSamples:
		return fmt.Sprintf("- (tail n=%s+%s)", tailN(d.Base.TailSamples), tailN(d.New.TailSamples))
	case d.P == nil:
		return fmt.Sprintf("- (n=%d+%d)", d.Base.N, d.New.N)
	case d.Q == nil:
		return fmt.Sprintf("p=%.3f n=%d+%d", *d.P, d.Base.N, d.New.N)
	}
	return fmt.Sprintf("p=%.3f q=%.3f n=%d+%d", *d.P, *d.Q, d.Base.N, d.New.N)
}

// formatMDE prints a delta's minimum detectable effect, or "-".
func formatMDE(d stats.Delta) string {
	if d.MDEPct == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *d.MDEPct)
}

func anyMDE(c *stats.Comparison) bool {
	return slices.ContainsFunc(c.Deltas, func(d stats.Delta) bool { return d.MDEPct != nil })
}

func tailN(n *float64) string {
	if n == nil {
		return "?"
	}
	return strconv.FormatFloat(math.Floor(*n), 'f', 0, 64)
}

// differenceText renders a comparison's differences as a header, one row
// per key with the base and new values; * marks those that change the
// figures.
func differenceText(ds []stats.Difference, markdown bool) string {
	if len(ds) == 0 {
		return ""
	}
	esc := escapeFor(markdown)
	var b strings.Builder
	b.WriteString("host and configuration differ between base and new (* changes the figures):\n")
	rows := [][]string{{"key", "base", "new"}}
	for _, d := range ds {
		key := d.Key
		if d.Skews {
			key += " *"
		}
		base, new := d.Values[0], d.Values[1]
		if d.Key == stats.CommitKey {
			base, new = results.ShortCommit(base), results.ShortCommit(new)
		}
		rows = append(rows, []string{key, esc(base), esc(new)})
	}
	if markdown {
		b.WriteString("\n")
		writeMarkdown(&b, rows, "|---|---|---|")
	} else {
		rows[0] = upper(rows[0])
		for i := range rows {
			rows[i][0] = "  " + rows[i][0]
		}
		writeAligned(&b, rows, 3, 2)
	}
	b.WriteString("\n")
	return b.String()
}

// WriteHistory renders h as a table (one block per case, one row per run),
// markdown or json.
func WriteHistory(w io.Writer, format string, h *stats.History) error {
	if err := Check(format, CompareFormats); err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, h)
	}
	m, _ := stats.MetricByName(h.Metric)
	markdown := format == "markdown"
	esc := escapeFor(markdown)
	var b strings.Builder
	if markdown {
		b.WriteString(strings.ReplaceAll(historyDifferenceText(h.Differences, esc), "\n  ", "\n- "))
	} else {
		b.WriteString(historyDifferenceText(h.Differences, esc))
	}
	for _, s := range h.Series {
		seriesTable(&b, h, s, m, markdown)
	}
	reg, imp := h.Flagged()
	fmt.Fprintf(&b, "%d runs, %d cases. Each run is tested against the previous run of the same case (Mann-Whitney U, alpha %g); flagged when significant and beyond %g%%: %d regressions, %d improvements.\n",
		len(h.Runs), len(h.Series), h.Alpha, h.Threshold*100, reg, imp)
	if line := untestedLine(h, esc); line != "" {
		b.WriteString(line + "\n")
	}
	if h.MinSegment > 0 {
		b.WriteString(changePointsLine(h) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// seriesTable writes one case's block: a row per run with its value and
// its change from the run before.
func seriesTable(b *strings.Builder, h *stats.History, s stats.Series, m stats.Metric, markdown bool) {
	esc := escapeFor(markdown)
	var values []float64
	for _, p := range s.Points {
		values = append(values, p.Value.Median)
	}
	vf := newValueFormat(m, values)
	fmt.Fprintf(b, "%s, %s (%s)\n", s.Case, h.Metric, vf.unit)
	if markdown {
		b.WriteString("\n")
	}
	rows := [][]string{{"run", "started", "label", "ipcbench", h.Metric, "change", "p", "flag"}}
	marked := len(s.Segments) > 0 // searched for change points
	if marked {
		rows[0] = append(rows[0], "change point")
	}
	for _, p := range s.Points {
		r := h.Runs[p.Run]
		row := []string{fmt.Sprint(p.Run + 1), r.Started.UTC().Format("2006-01-02 15:04"), orDash(esc(r.Label)), orDash(esc(results.ShortCommit(r.Commit))), vf.summary(p.Value)}
		if p.Verdict == "" {
			row = append(row, "", "", strings.TrimSpace(flagsText(p.Flags, esc)))
		} else {
			row = append(row, formatDelta(stats.Delta{DeltaPct: p.DeltaPct, Verdict: p.Verdict}), pValue(p.P),
				strings.TrimSpace(flags[p.Verdict]+flagsText(p.Flags, esc)))
		}
		if marked {
			row = append(row, historyChangeText(p.Change))
		}
		rows = append(rows, row)
	}
	if markdown {
		align := "|--:|---|---|---|--:|--:|--:|---|"
		if marked {
			align += "---|"
		}
		writeMarkdown(b, rows, align)
	} else {
		rows[0] = upper(rows[0])
		writeAligned(b, rows, 4, len(rows[0])-1)
	}
	b.WriteString("\n")
}

// historyChangeText marks a point where a change point starts a new
// segment: "▲ +10.23% [+8.01%, +12.40%] p<0.0001 code"; "" elsewhere.
func historyChangeText(c *stats.HostChange) string {
	if c == nil {
		return ""
	}
	arrow := "▼"
	if c.Direction == stats.VerdictRegression {
		arrow = "▲"
	}
	return fmt.Sprintf("%s %s p%s %s", arrow, changeInterval(*c), pEquals(changeP(c.P)), c.Kind)
}

// pEquals puts "=" before a printed p-value that has no "<" of its own.
func pEquals(p string) string {
	if strings.HasPrefix(p, "<") {
		return p
	}
	return "=" + p
}

// changePointsLine says what the change-point search of a history found,
// or that no series had the runs it needs.
func changePointsLine(h *stats.History) string {
	need := 2 * h.MinSegment
	if h.ChangeSearched() == 0 {
		return fmt.Sprintf("Change points: no host's series of a case has the %d runs a search needs.", need)
	}
	reg, imp := h.ChangeRegressions()
	return fmt.Sprintf("Change points over each host's series of %d runs or more (E-divisive means, alpha %g, as ipcbench changes): %d regressions, %d improvements.",
		need, h.ChangeAlpha, reg, imp)
}

// flags marks a history's points by verdict; the others have none.
var flags = map[string]string{
	stats.VerdictRegression:  "▲ regression",
	stats.VerdictImprovement: "▼ improvement",
	stats.VerdictUntested:    "untested",
}

// untestedLine says what the history could not test, or "" when it
// tested every step; a run's own reason for stopping escaped by esc.
func untestedLine(h *stats.History, esc escaper) string {
	tested, untested := h.Steps()
	switch {
	case len(h.IncompleteRuns()) > 0:
		return fmt.Sprintf("Untested: %s stopped early (%s): the cases not reached there were not tested.", runList(h.IncompleteRuns()), esc(h.Runs[h.IncompleteRuns()[0]-1].Incomplete))
	case len(h.Runs) == 1:
		return "Untested: 1 run: no step to test; history needs at least two runs."
	case tested+untested == 0:
		return fmt.Sprintf("Untested: no case appears in two of the %d runs: no step to test.", len(h.Runs))
	case untested > 0:
		return fmt.Sprintf("Untested: %d of %d steps had too few repetitions for the test to reach alpha %g (run with 6 rounds or more), or a percentile with fewer than %d samples beyond it (run longer).", untested, tested+untested, h.Alpha, results.MinTailSamples)
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pValue(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *p)
}

// historyDifferenceText renders a history's differences, each key with its
// values, escaped by esc, and the runs (numbered from 1) that had them.
func historyDifferenceText(ds []stats.Difference, esc escaper) string {
	if len(ds) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("host and configuration differ between runs (their figures may not be comparable):\n")
	for _, d := range ds {
		var order []string
		runs := map[string][]int{}
		for i, v := range d.Values {
			if _, ok := runs[v]; !ok {
				order = append(order, v)
			}
			runs[v] = append(runs[v], i+1)
		}
		var parts []string
		for _, v := range order {
			parts = append(parts, esc(v)+" ("+runList(runs[v])+")")
		}
		fmt.Fprintf(&b, "  %s: %s\n", d.Key, strings.Join(parts, "; "))
	}
	b.WriteString("\n")
	return b.String()
}

// runList prints run numbers as "run 3" or "runs 1-2, 5".
func runList(runs []int) string {
	var parts []string
	for i := 0; i < len(runs); {
		j := i
		for j+1 < len(runs) && runs[j+1] == runs[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", runs[i], runs[j]))
		} else {
			parts = append(parts, strconv.Itoa(runs[i]))
		}
		i = j + 1
	}
	if len(runs) == 1 {
		return "run " + parts[0]
	}
	return "runs " + strings.Join(parts, ", ")
}

// FlagCountsLine says in one short line which flags a compared case
// carries on each side: "pipe/pingpong/64 B: base NOISY 9/10, DRIFT 3/10
// files; new NOISY 10/10 files", the count left out where a side is one
// file. The flags' details are the Comparison's Flagged.
func FlagCountsLine(cf stats.CaseFlags) string {
	var sides []string
	for _, s := range []struct {
		name string
		f    stats.SideFlags
	}{{"base", cf.Base}, {"new", cf.New}} {
		if len(s.f.Counts) == 0 {
			continue
		}
		var parts []string
		for _, c := range s.f.Counts {
			p := strings.ToUpper(c.Name) // a validated flag name
			if s.f.Files > 1 {
				p += fmt.Sprintf(" %d/%d", c.Files, s.f.Files)
			}
			parts = append(parts, p)
		}
		line := s.name + " " + strings.Join(parts, ", ")
		if s.f.Files > 1 {
			line += " files"
		}
		sides = append(sides, line)
	}
	return cf.Case + ": " + strings.Join(sides, "; ")
}
