package stats

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/results"
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
	Median float64           `json:"median"`
	CI95   *results.Interval `json:"ci95,omitempty"`
	N      int               `json:"n"`
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

// pooled is one case across several results files of one side: the
// repetitions of its ok runs, and the reason of the first that was not ok.
type pooled struct {
	reps  []results.Case
	notOK string
}

func pool(files []*results.File) (map[results.CaseKey]*pooled, []results.CaseKey) {
	m := map[results.CaseKey]*pooled{}
	var order []results.CaseKey
	for _, f := range files {
		for _, c := range f.Cases {
			k := c.Key()
			p, ok := m[k]
			if !ok {
				p = &pooled{}
				m[k] = p
				order = append(order, k)
			}
			if c.Status != results.StatusOK {
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
		v = append(v, Samples(c, m)...)
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
func Compare(base, new []*results.File, opt CompareOptions) *Comparison {
	out := &Comparison{Threshold: opt.Threshold, Alpha: opt.Alpha, Differences: Differences([][]*results.File{base, new})}
	b, order := pool(base)
	n, newOrder := pool(new)
	// An interrupted run's missing cases were never reached, not left out
	// on purpose: they count as matched and untested.
	baseCut, newCut := incomplete(base), incomplete(new)
	for _, k := range newOrder {
		switch {
		case b[k] != nil:
		case baseCut != "":
			out.MatchedCases++
			out.NotCompared = append(out.NotCompared, k.String()+": base run stopped before it: "+baseCut)
		default:
			out.OnlyNew = append(out.OnlyNew, k.String())
		}
	}
	geo := map[string]*logSum{}
	short := 0
	for _, k := range order {
		if out.bothMeasured(k, b[k], n[k], newCut) {
			short += out.compareCase(k, b[k], n[k], opt, geo)
		}
	}
	out.Geomeans = geomeans(opt.Metrics, geo)
	if short > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%d comparisons have too few repetitions for a Mann-Whitney U test to reach alpha %g (with the same count on both sides it needs at least 4 each; 6 also gives confidence intervals); they show no p-value and cannot be flagged: run with --repeat 6",
			short, opt.Alpha))
	}
	return out
}

// bothMeasured reports whether base (bp) and new (np) both measured case k;
// where not, it records the case as found on one side or not compared.
func (out *Comparison) bothMeasured(k results.CaseKey, bp, np *pooled, newCut string) bool {
	switch {
	case np == nil && newCut != "":
		out.MatchedCases++
		out.NotCompared = append(out.NotCompared, k.String()+": new run stopped before it: "+newCut)
	case np == nil:
		out.OnlyBase = append(out.OnlyBase, k.String())
	case bp.notOK != "" && np.notOK != "":
		// Neither side measured it (a transport this host lacks, say):
		// listed, but no gap in what the comparison vouches for.
		out.NotCompared = append(out.NotCompared, fmt.Sprintf("%s: base %s; new %s", k, bp.notOK, np.notOK))
	case bp.notOK != "" || np.notOK != "":
		out.MatchedCases++
		why, side := bp.notOK, "base"
		if why == "" {
			why, side = np.notOK, "new"
		}
		out.NotCompared = append(out.NotCompared, fmt.Sprintf("%s: %s %s", k, side, why))
	default:
		return true
	}
	return false
}

// compareCase tests every metric of opt on case k, measured on both sides,
// adding a Delta per metric that applies, and returns how many had too few
// repetitions for the test to reach alpha.
func (out *Comparison) compareCase(k results.CaseKey, bp, np *pooled, opt CompareOptions, geo map[string]*logSum) (short int) {
	thresholds := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	compared := 0
	for _, m := range opt.Metrics {
		bs, ns := bp.samples(m), np.samples(m)
		if len(bs) == 0 || len(ns) == 0 || allZero(bs) && allZero(ns) {
			continue // e.g. latency of the relay workload, which measures none
		}
		s1, s2 := benchmath.NewSample(bs, thresholds), benchmath.NewSample(ns, thresholds)
		d := Delta{Case: k.String(), Metric: m.Name, Unit: m.Unit, Base: summarize(s1), New: summarize(s2)}
		if d.Base.Median != 0 {
			d.DeltaPct = (d.New.Median/d.Base.Median - 1) * 100
		}
		compared++
		if minPossibleP(len(bs), len(ns)) > opt.Alpha {
			d.Verdict = VerdictUntested
			short++
		} else {
			p := benchmath.AssumeNothing.Compare(s1, s2).P
			d.P = &p
			d.Verdict = verdict(m, d.DeltaPct, p, opt)
		}
		out.Deltas = append(out.Deltas, d)
		addLogs(geo, d)
	}
	if compared > 0 { // else no metric applies, as latency to relay
		out.MatchedCases++
		if short == 0 {
			out.TestedCases++
		}
	}
	return short
}

// logSum sums the logs of one metric's medians, for their geometric mean.
type logSum struct {
	base, new float64
	n         int
}

// addLogs adds a delta's medians to its metric's sums; a median of zero
// has no logarithm and is left out.
func addLogs(geo map[string]*logSum, d Delta) {
	if d.Base.Median <= 0 || d.New.Median <= 0 {
		return
	}
	g := geo[d.Metric]
	if g == nil {
		g = &logSum{}
		geo[d.Metric] = g
	}
	g.base += math.Log(d.Base.Median)
	g.new += math.Log(d.New.Median)
	g.n++
}

// geomeans returns the geometric means of the metrics that had any.
func geomeans(metrics []Metric, geo map[string]*logSum) []Geomean {
	var out []Geomean
	for _, m := range metrics {
		if g := geo[m.Name]; g != nil {
			gb, gn := math.Exp(g.base/float64(g.n)), math.Exp(g.new/float64(g.n))
			out = append(out, Geomean{Metric: m.Name, Base: gb, New: gn, DeltaPct: (gn/gb - 1) * 100, Cases: g.n})
		}
	}
	return out
}

// incomplete returns why the first incomplete file of a side stopped, or "".
func incomplete(files []*results.File) string {
	for _, f := range files {
		if f.Incomplete != "" {
			return f.Incomplete
		}
	}
	return ""
}

func allZero(v []float64) bool {
	return !slices.ContainsFunc(v, func(x float64) bool { return x != 0 })
}

func summarize(s *benchmath.Sample) SummaryInterval {
	sum := benchmath.AssumeNothing.Summary(s, 0.95)
	si := SummaryInterval{Median: sum.Center, N: len(s.Values)}
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		si.CI95 = &results.Interval{Lo: sum.Lo, Hi: sum.Hi}
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

// Difference is a host or configuration key whose value is not the same in
// every run compared, as benchstat shows the file configuration keys that
// differ between its inputs.
type Difference struct {
	Key string `json:"key"`
	// Values holds the key's value on each side of a comparison (base,
	// new) or in each run of a history; a side pooling files that differ
	// among themselves lists their values joined by ", ".
	Values []string `json:"values"`
	// Skews is true where the difference changes the figures (another CPU,
	// kernel, toolchain or run configuration), false where it only names
	// what is being compared (commit, version, label).
	Skews bool `json:"skews"`
}

// runKeys are the keys compared, in display order.
var runKeys = []struct {
	name  string
	skews bool
	of    func(f *results.File) string
}{
	{"hostname", true, func(f *results.File) string { return f.Host.Hostname }},
	{"cpu_model", true, func(f *results.File) string { return f.Host.CPUModel }},
	{"cpus", true, func(f *results.File) string { return nonZero(f.Host.CPUs) }},
	{"kernel", true, func(f *results.File) string { return f.Host.Kernel }},
	{"virtualization", true, func(f *results.File) string { return f.Host.Virtualization }},
	{"clock_source", true, func(f *results.File) string { return f.Host.ClockSource }},
	{"go_version", true, func(f *results.File) string { return f.Host.GoVersion }},
	{"duration", true, func(f *results.File) string { return durationOf(f.Config.DurationNs) }},
	{"count", true, func(f *results.File) string { return nonZero(int(f.Config.Count)) }},
	{"warmup", true, func(f *results.File) string { return durationOf(f.Config.WarmupNs) }},
	{"pinned_cpus", true, func(f *results.File) string { return fmt.Sprint(f.Config.CPUs) }},
	{"worker_design", true, func(f *results.File) string { return f.Config.WorkerDesign }},
	{"test_send_delay", true, func(f *results.File) string { return sendDelays(f.Config.TestSendDelayNs) }},
	{"ipcbench_version", false, func(f *results.File) string { return f.Host.Version }},
	{"ipcbench_commit", false, func(f *results.File) string { return f.Host.Commit }},
	{"label", false, func(f *results.File) string { return f.Config.Label }},
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func durationOf(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Duration(ns).String()
}

func sendDelays(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+time.Duration(m[k]).String())
	}
	return strings.Join(parts, ",")
}

// Differences lists the keys whose values are not the same across groups
// of runs (the sides of a comparison, or the runs of a history). An
// unrecorded value, as in a file from an older ipcbench, reads "-".
func Differences(groups [][]*results.File) []Difference {
	var out []Difference
	for _, k := range runKeys {
		values := make([]string, len(groups))
		distinct := map[string]bool{}
		for i, g := range groups {
			var seen []string
			for _, f := range g {
				v := k.of(f)
				if v == "" || v == "[]" {
					v = "-"
				}
				distinct[v] = true
				if !slices.Contains(seen, v) {
					seen = append(seen, v)
				}
			}
			values[i] = strings.Join(seen, ", ")
		}
		if len(distinct) > 1 {
			out = append(out, Difference{Key: k.name, Values: values, Skews: k.skews})
		}
	}
	return out
}

// skewed names the differences that change the figures, joined by ", ".
func skewed(ds []Difference) string {
	var names []string
	for _, d := range ds {
		if d.Skews {
			names = append(names, d.Key)
		}
	}
	return strings.Join(names, ", ")
}
