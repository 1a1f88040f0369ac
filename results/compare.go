package results

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
)

// CompareOptions says what Compare tests and what counts as a regression.
type CompareOptions struct {
	Metrics   []Metric
	Threshold float64 // relative change, e.g. 0.05, beyond which a significant change is flagged
	Alpha     float64 // significance level of the Mann-Whitney U test, e.g. 0.05
}

// Verdicts of one compared metric of one case.
const (
	VerdictSame        = "~"           // not significant at Alpha
	VerdictWithin      = "within"      // significant, but within Threshold
	VerdictRegression  = "regression"  // significant and worse beyond Threshold
	VerdictImprovement = "improvement" // significant and better beyond Threshold
	VerdictUntested    = "untested"    // too few repetitions for the test to reach Alpha
)

// Delta is one metric of one case, compared.
type Delta struct {
	Case     string          `json:"case"` // transport/workload/size
	Metric   string          `json:"metric"`
	Unit     string          `json:"unit"`
	Base     SummaryInterval `json:"base"`
	New      SummaryInterval `json:"new"`
	DeltaPct float64         `json:"delta_pct"` // (new/base - 1) × 100
	P        *float64        `json:"p,omitempty"`
	Verdict  string          `json:"verdict"`
}

// SummaryInterval is a median across repetitions, its 95 % confidence
// interval (absent below six repetitions) and the number of repetitions.
type SummaryInterval struct {
	Median float64   `json:"median"`
	CI95   *Interval `json:"ci95,omitempty"`
	N      int       `json:"n"`
}

// Geomean is the geometric mean of one metric's medians over the cases
// compared on both sides.
type Geomean struct {
	Metric   string  `json:"metric"`
	Base     float64 `json:"base"`
	New      float64 `json:"new"`
	DeltaPct float64 `json:"delta_pct"`
	Cases    int     `json:"cases"`
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Threshold float64   `json:"threshold"`
	Alpha     float64   `json:"alpha"`
	Deltas    []Delta   `json:"deltas"`
	Geomeans  []Geomean `json:"geomeans"`
	// OnlyBase and OnlyNew list cases found on one side only; NotCompared
	// lists cases that were skipped or failed on a side, with the reason.
	OnlyBase    []string `json:"only_base,omitempty"`
	OnlyNew     []string `json:"only_new,omitempty"`
	NotCompared []string `json:"not_compared,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	// MatchedCases counts the cases measured on at least one side of both
	// base and new (ok on one side and failed on the other counts, as does
	// a case an incomplete run never reached; skipped or failed on both
	// does not); TestedCases counts those whose every
	// metric the test could judge. Fewer tested than matched means the
	// comparison cannot vouch for the rest.
	MatchedCases int `json:"matched_cases"`
	TestedCases  int `json:"tested_cases"`
	// Differences lists the host and configuration keys whose values
	// differ between base and new.
	Differences []Difference `json:"differences,omitempty"`
}

// Untested reports whether the comparison left a matched case untested,
// or matched none: then "no regressions" would vouch for what it did not test.
func (c *Comparison) Untested() bool {
	return c.MatchedCases == 0 || c.TestedCases < c.MatchedCases
}

// Skewed names the differing keys that change the figures, joined by ", ";
// empty when base and new ran on like hosts with like configurations.
func (c *Comparison) Skewed() string { return skewed(c.Differences) }

// Regressions counts the deltas flagged as regressions.
func (c *Comparison) Regressions() int {
	n := 0
	for _, d := range c.Deltas {
		if d.Verdict == VerdictRegression {
			n++
		}
	}
	return n
}

// CaseKey names a case by what compare matches on.
func CaseKey(c Case) string {
	return c.Transport + "/" + c.Workload + "/" + FormatBytes(c.SizeBytes)
}

// pooled is one case across several results files of one side: the
// repetitions of its ok runs, and the reason of the first that was not ok.
type pooled struct {
	reps  []Case
	notOK string
}

func pool(files []*File) (map[string]*pooled, []string) {
	m := map[string]*pooled{}
	var order []string
	for _, f := range files {
		for _, c := range f.Cases {
			k := CaseKey(c)
			p, ok := m[k]
			if !ok {
				p = &pooled{}
				m[k] = p
				order = append(order, k)
			}
			if c.Status != StatusOK {
				if p.notOK == "" {
					p.notOK = c.Status + ": " + c.Reason
				}
				continue
			}
			p.reps = append(p.reps, c)
		}
	}
	return m, order
}

func (p *pooled) samples(m Metric) []float64 {
	var v []float64
	for _, c := range p.reps {
		v = append(v, c.Samples(m)...)
	}
	return v
}

// minPossibleP is the smallest two-sided p-value a Mann-Whitney U test can
// give for samples of n1 and n2 values: 2 / C(n1+n2, n1).
func minPossibleP(n1, n2 int) float64 {
	// C(n1+n2, n1) in floating point; exact enough for the sizes used here.
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// Compare matches the cases of base and new by transport, workload and
// size, pooling the repetitions of each side's files, and tests every
// metric of opt with benchmath's Mann-Whitney U test.
func Compare(base, new []*File, opt CompareOptions) *Comparison {
	out := &Comparison{Threshold: opt.Threshold, Alpha: opt.Alpha, Differences: Differences([][]*File{base, new})}
	b, order := pool(base)
	n, newOrder := pool(new)
	// An interrupted run's missing cases were never reached, not left out
	// on purpose: they count as matched and untested.
	baseCut, newCut := incomplete(base), incomplete(new)
	for _, k := range newOrder {
		if _, ok := b[k]; !ok {
			if baseCut != "" {
				out.MatchedCases++
				out.NotCompared = append(out.NotCompared, k+": base run stopped before it: "+baseCut)
				continue
			}
			out.OnlyNew = append(out.OnlyNew, k)
		}
	}
	thresholds := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	type logSum struct {
		base, new float64
		n         int
	}
	geo := map[string]*logSum{}
	short := 0
	for _, k := range order {
		bp, np := b[k], n[k]
		switch {
		case np == nil && newCut != "":
			out.MatchedCases++
			out.NotCompared = append(out.NotCompared, k+": new run stopped before it: "+newCut)
			continue
		case np == nil:
			out.OnlyBase = append(out.OnlyBase, k)
			continue
		case bp.notOK != "" && np.notOK != "":
			// Neither side measured it (a transport this host lacks, say):
			// listed, but no gap in what the comparison vouches for.
			out.NotCompared = append(out.NotCompared, fmt.Sprintf("%s: base %s; new %s", k, bp.notOK, np.notOK))
			continue
		case bp.notOK != "" || np.notOK != "":
			out.MatchedCases++
			why := bp.notOK
			side := "base"
			if why == "" {
				why, side = np.notOK, "new"
			}
			out.NotCompared = append(out.NotCompared, fmt.Sprintf("%s: %s %s", k, side, why))
			continue
		}
		compared, tested := 0, true
		for _, m := range opt.Metrics {
			bs, ns := bp.samples(m), np.samples(m)
			if len(bs) == 0 || len(ns) == 0 || allZero(bs) && allZero(ns) {
				continue // e.g. latency of the relay workload, which measures none
			}
			s1, s2 := benchmath.NewSample(bs, thresholds), benchmath.NewSample(ns, thresholds)
			d := Delta{Case: k, Metric: m.Name, Unit: m.Unit,
				Base: summarize(s1), New: summarize(s2)}
			if d.Base.Median != 0 {
				d.DeltaPct = (d.New.Median/d.Base.Median - 1) * 100
			}
			compared++
			if minPossibleP(len(bs), len(ns)) > opt.Alpha {
				d.Verdict = VerdictUntested
				tested = false
				short++
			} else {
				cmp := benchmath.AssumeNothing.Compare(s1, s2)
				p := cmp.P
				d.P = &p
				d.Verdict = verdict(m, d.DeltaPct, p, opt)
			}
			out.Deltas = append(out.Deltas, d)
			if d.Base.Median > 0 && d.New.Median > 0 {
				g := geo[m.Name]
				if g == nil {
					g = &logSum{}
					geo[m.Name] = g
				}
				g.base += math.Log(d.Base.Median)
				g.new += math.Log(d.New.Median)
				g.n++
			}
		}
		if compared > 0 { // else no metric applies, as latency to relay
			out.MatchedCases++
			if tested {
				out.TestedCases++
			}
		}
	}
	for _, m := range opt.Metrics {
		if g := geo[m.Name]; g != nil {
			gb, gn := math.Exp(g.base/float64(g.n)), math.Exp(g.new/float64(g.n))
			out.Geomeans = append(out.Geomeans, Geomean{Metric: m.Name, Base: gb, New: gn, DeltaPct: (gn/gb - 1) * 100, Cases: g.n})
		}
	}
	if short > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%d comparisons have too few repetitions for a Mann-Whitney U test to reach alpha %g (with the same count on both sides it needs at least 4 each; 6 also gives confidence intervals); they show no p-value and cannot be flagged: run with --repeat 6",
			short, opt.Alpha))
	}
	return out
}

// incomplete returns why the first incomplete file of a side stopped, or "".
func incomplete(files []*File) string {
	for _, f := range files {
		if f.Incomplete != "" {
			return f.Incomplete
		}
	}
	return ""
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func summarize(s *benchmath.Sample) SummaryInterval {
	sum := benchmath.AssumeNothing.Summary(s, 0.95)
	si := SummaryInterval{Median: sum.Center, N: len(s.Values)}
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		si.CI95 = &Interval{Lo: sum.Lo, Hi: sum.Hi}
	}
	return si
}

func verdict(m Metric, deltaPct, p float64, opt CompareOptions) string {
	if p >= opt.Alpha {
		return VerdictSame
	}
	worse := deltaPct > 0
	if m.HigherBetter {
		worse = deltaPct < 0
	}
	switch {
	case math.Abs(deltaPct) <= opt.Threshold*100:
		return VerdictWithin
	case worse:
		return VerdictRegression
	default:
		return VerdictImprovement
	}
}

// CompareFormats lists the renderings of a Comparison.
var CompareFormats = []string{"table", "markdown", "json"}

// WriteComparison renders c as one of CompareFormats.
func WriteComparison(w io.Writer, format string, c *Comparison) error {
	switch format {
	case "json":
		return writeJSON(w, c)
	case "table", "markdown":
		_, err := io.WriteString(w, comparisonText(c, format == "markdown"))
		return err
	}
	return fmt.Errorf("unknown format %q; want one of %s", format, strings.Join(CompareFormats, ", "))
}

var compareColumns = []string{"case", "base", "new", "delta", "p", "verdict"}

func comparisonText(c *Comparison, markdown bool) string {
	var b strings.Builder
	b.WriteString(differenceText(c.Differences, markdown))
	metrics := []string{}
	anyCI := false
	byMetric := map[string][]Delta{}
	for _, d := range c.Deltas {
		if _, ok := byMetric[d.Metric]; !ok {
			metrics = append(metrics, d.Metric)
		}
		byMetric[d.Metric] = append(byMetric[d.Metric], d)
		anyCI = anyCI || d.Base.CI95 != nil || d.New.CI95 != nil
	}
	for _, name := range metrics {
		m, _ := MetricByName(name)
		better := "lower is better"
		if m.HigherBetter {
			better = "higher is better"
		}
		var medians []float64
		for _, d := range byMetric[name] {
			medians = append(medians, d.Base.Median)
		}
		vf := newValueFormat(m, medians)
		fmt.Fprintf(&b, "%s (%s, %s)\n", name, vf.unit, better)
		if markdown {
			b.WriteString("\n")
		}
		rows := [][]string{compareColumns}
		for _, d := range byMetric[name] {
			rows = append(rows, []string{d.Case, vf.summary(d.Base), vf.summary(d.New), formatDelta(d), formatP(d), d.Verdict})
		}
		for _, g := range c.Geomeans {
			if g.Metric == name {
				rows = append(rows, []string{fmt.Sprintf("geomean (%d cases)", g.Cases), vf.format(g.Base), vf.format(g.New),
					fmt.Sprintf("%+.2f%%", g.DeltaPct), "", ""})
			}
		}
		writeRows(&b, rows, markdown)
		b.WriteString("\n")
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString(title + ":\n")
		if markdown {
			b.WriteString("\n")
		}
		for _, it := range items {
			b.WriteString("  - " + it + "\n")
		}
		b.WriteString("\n")
	}
	list("only in base", c.OnlyBase)
	list("only in new", c.OnlyNew)
	list("not compared", c.NotCompared)
	list("warnings", c.Warnings)
	ci := "."
	if anyCI {
		ci = "; ± is the 95% confidence interval."
	}
	fmt.Fprintf(&b, "~ means no significant difference (Mann-Whitney U test, p ≥ %g). A regression is a significant change for the worse beyond %g%%. Medians across repetitions%s\n",
		c.Alpha, c.Threshold*100, ci)
	b.WriteString(c.VerdictLine() + "\n")
	return b.String()
}

// VerdictLine is the comparison's last line: the regressions, and how many
// of the matched cases went untested. It says "No regressions." only when
// every matched case was tested.
func (c *Comparison) VerdictLine() string {
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

func writeRows(b *strings.Builder, rows [][]string, markdown bool) {
	if !markdown {
		rows[0] = upper(rows[0])
		writeAligned(b, rows, 1, len(rows[0])-1)
		return
	}
	b.WriteString("| " + strings.Join(rows[0], " | ") + " |\n|---|--:|--:|--:|--:|---|\n")
	for _, r := range rows[1:] {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
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

func newValueFormat(m Metric, typical []float64) valueFormat {
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
		// FormatRate's k and M are multipliers of the header's msgs/s.
		return valueFormat{m.Unit, FormatRate}
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

func (vf valueFormat) summary(s SummaryInterval) string {
	if s.CI95 == nil {
		return vf.format(s.Median)
	}
	return vf.format(s.Median) + s.CI95.Suffix(s.Median)
}

func formatDelta(d Delta) string {
	if d.Verdict == VerdictSame {
		return "~"
	}
	return fmt.Sprintf("%+.2f%%", d.DeltaPct)
}

func formatP(d Delta) string {
	if d.P == nil {
		return fmt.Sprintf("- (n=%d+%d)", d.Base.N, d.New.N)
	}
	return fmt.Sprintf("p=%.3f n=%d+%d", *d.P, d.Base.N, d.New.N)
}

// ParseMetrics reads a comma-separated list of metric names.
func ParseMetrics(list []string) ([]Metric, error) {
	var out []Metric
	for _, name := range list {
		m, ok := MetricByName(strings.TrimSpace(name))
		if !ok {
			names := make([]string, len(Metrics))
			for i, m := range Metrics {
				names[i] = m.Name
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown metric %q; want one of %s", name, strings.Join(names, ", "))
		}
		out = append(out, m)
	}
	return out, nil
}
