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
	// Alpha is the false-discovery rate that the Benjamini–Hochberg
	// correction holds the comparison's tests to, e.g. 0.05; under an A/A
	// comparison it is the chance of any false alarm (see Correction).
	Alpha float64
	// GateQueueLatency gates the latency of closed-loop one-way cases
	// even where it measures buffer depth (see QueueLatency).
	GateQueueLatency bool
	// LeaveOutThinTails leaves out, listed in TailsLeftOut, a percentile
	// resting on too few samples beyond it in a repetition, instead of
	// leaving its case untested: for metrics the user did not name, so
	// that two runs of short rounds (a default run's 60 ms) are gated on
	// what they can support and say what they could not.
	LeaveOutThinTails bool
}

// Verdicts of one compared metric of one case.
const (
	VerdictSame        = "~"           // not significant at Alpha after the correction
	VerdictWithin      = "within"      // significant, but within Threshold
	VerdictRegression  = "regression"  // significant and worse beyond Threshold
	VerdictImprovement = "improvement" // significant and better beyond Threshold
	VerdictUntested    = "untested"    // no test could reach Alpha: see Delta.Reason
)

// Units of a comparison's samples (Comparison.Unit).
const (
	// UnitRepetition: each side is one results file and every repetition
	// is one sample; they ran back to back in fresh processes.
	UnitRepetition = "repetition"
	// UnitFile: a side pools several files (rounds, interleaved with the
	// other side's by ipcbench ab), so each file's median is
	// one sample. Repetitions within a round share its host state and are
	// not independent of each other, as the U test assumes.
	UnitFile = "file"
)

// CommitKey is the Difference key of the ipcbench commit of each side.
const CommitKey = "ipcbench_commit"

// Correction names the multiple-testing correction Compare applies over
// every metric × case test of one comparison.
//
// Benjamini–Hochberg, not Holm: Holm's first step needs p ≤ alpha/m, and
// a default run is 62 cases × 4 metrics = 248 tests, so at 6+6 samples,
// whose smallest possible U-test p is 0.0022 (above 0.05/248 = 0.0002),
// Holm could never flag anything. BH flags the k smallest p when
// p(k) ≤ alpha·k/m: a slowdown broad enough to reach the smallest p in
// 11 of 248 tests is caught at 6+6; a single case needs 8+8 (p 0.00016).
// Under an A/A comparison, where every null hypothesis holds, BH's false-
// discovery rate equals the chance of any false alarm, so a gate that
// fails on any regression fails an A/A run with probability at most alpha.
const Correction = "benjamini-hochberg"

// Delta is one metric of one case, compared.
type Delta struct {
	Case     string          `json:"case"` // transport/workload/size
	Metric   string          `json:"metric"`
	Unit     string          `json:"unit"`
	Base     SummaryInterval `json:"base"`
	New      SummaryInterval `json:"new"`
	DeltaPct float64         `json:"delta_pct"` // (new/base - 1) × 100
	// P is the U test's p-value; Q is P adjusted by the correction over
	// every test of the comparison, which the verdict compares to alpha.
	P       *float64 `json:"p,omitempty"`
	Q       *float64 `json:"q,omitempty"`
	Verdict string   `json:"verdict"`
	// Reason says why a delta is untested.
	Reason string `json:"reason,omitempty"`

	// MDEPct is the smallest change of this metric, in per cent and in the
	// worse direction, that the comparison could have flagged in a case
	// that changed alone (see mde); absent where untested.
	MDEPct *float64 `json:"mde_pct,omitempty"`

	minP                    float64 // the smallest p the U test can give these sample sizes
	baseSamples, newSamples []float64
}

// SummaryInterval is a median across samples (repetitions, or files: see
// Comparison.Unit), its 95 % confidence interval (absent below six) and
// the number of samples.
type SummaryInterval struct {
	Median float64           `json:"median"`
	CI95   *results.Interval `json:"ci95,omitempty"`
	N      int               `json:"n"`
	// TailSamples, for a percentile metric, is how many latency samples
	// lie beyond it in the thinnest repetition; absent where unknown.
	TailSamples *float64 `json:"tail_samples,omitempty"`
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
	Threshold float64 `json:"threshold"`
	Alpha     float64 `json:"alpha"`
	// Unit is what one sample of the U test is (UnitRepetition or
	// UnitFile); Correction the multiple-testing correction; Tests how
	// many tests it was applied over.
	Unit       string `json:"unit"`
	Correction string `json:"correction"`
	Tests      int    `json:"tests"`
	// SmallestP is the smallest p-value any of the tests could give, for
	// their sample counts; MinFlaggable how many tests must reach it
	// together for the correction to flag any (1: a single test can).
	SmallestP    float64 `json:"smallest_p,omitempty"`
	MinFlaggable int     `json:"min_flaggable,omitempty"`
	// NeedSamples is the fewest samples a side (alike on both) with which
	// every case compared could be flagged alone; 0 where none is needed
	// beyond what there is, or none below 100 would do.
	NeedSamples int       `json:"need_samples,omitempty"`
	Deltas      []Delta   `json:"deltas"`
	Geomeans    []Geomean `json:"geomeans"`
	// OnlyBase and OnlyNew list cases found on one side only; NotCompared
	// lists cases that were skipped or failed on a side, with the reason.
	OnlyBase    []string `json:"only_base,omitempty"`
	OnlyNew     []string `json:"only_new,omitempty"`
	NotCompared []string `json:"not_compared,omitempty"`
	// Broken lists the cases ok on base that failed or saturated on new:
	// regressions, whatever the statistics, since new lost what base had.
	Broken   []string `json:"broken,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Flagged lists the compared cases that carry a flag on either side
	// (NOISY, OVERHEAD, DRIFT, AUTOCORR): their figures say less than
	// they seem to.
	Flagged []string `json:"flagged,omitempty"`
	// FlagCounts is Flagged counted: for each flagged case, how many of
	// each side's files carry each flag, in Flagged's order.
	FlagCounts []CaseFlags `json:"flag_counts,omitempty"`
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
	// LatencyLeftOut lists the cases whose latency metrics were not
	// compared because their latency measures queue depth (QueueLatency).
	LatencyLeftOut []string `json:"latency_left_out,omitempty"`
	// TailsLeftOut lists "case metric" for each percentile left out by
	// CompareOptions.LeaveOutThinTails.
	TailsLeftOut []string `json:"tails_left_out,omitempty"`
	// HostLoad is what the host did to the workers on each side (base,
	// new), averaged over their ok cases; nil where no file recorded it.
	HostLoad []*HostLoad `json:"host_load,omitempty"`

	otherInterval bool // see ReasonInterval
}

// Untested reports whether the comparison left a matched case untested,
// or matched none: then "no regressions" would vouch for what it did not test.
func (c *Comparison) Untested() bool {
	return c.MatchedCases == 0 || c.TestedCases < c.MatchedCases
}

// Skewed names the differing keys that change the figures, joined by ", ";
// empty when base and new ran on like hosts with like configurations.
func (c *Comparison) Skewed() string { return skewed(c.Differences) }

// Regressions counts the deltas flagged as regressions and the cases
// broken on the new side.
func (c *Comparison) Regressions() int {
	n := len(c.Broken)
	for _, d := range c.Deltas {
		if d.Verdict == VerdictRegression {
			n++
		}
	}
	return n
}

// pooled is one case across several results files of one side: the case
// as each file recorded it (ok only), and the reason of the first that
// was not ok.
type pooled struct {
	reps  []results.Case
	notOK string
	// broke: a file of the side failed or saturated the case (rather
	// than skipped it as this host cannot run it).
	broke bool
	// depths holds the run --depth of the file of each of reps.
	depths []int
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
				p.broke = p.broke || c.Status == results.StatusFailed || c.Status == results.StatusSaturated
				continue
			}
			p.reps = append(p.reps, c)
			p.depths = append(p.depths, f.Config.Depth)
		}
	}
	return m, order
}

// samples returns the side's samples of metric m: every repetition of its
// one file, or each file's median when unit is UnitFile.
func (p *pooled) samples(m Metric, unit string) []float64 {
	var v []float64
	for _, c := range p.reps {
		s := Samples(c, m)
		if unit == UnitFile && len(s) > 1 {
			s = []float64{summarizeValues(s).Median}
		}
		v = append(v, s...)
	}
	return v
}

// tail returns the fewest latency samples beyond percentile metric m in
// any file of the side (nil where unknown or m is no percentile), and why
// m cannot be gated on, or "".
func (p *pooled) tail(m Metric) (*float64, string) {
	var fewest *float64
	why := ""
	for _, c := range p.reps {
		t, known, w := ThinTail(c, m)
		if why == "" {
			why = w
		}
		if _, isQ := m.Quantile(); isQ && known && (fewest == nil || t < *fewest) {
			fewest = &t
		}
	}
	return fewest, why
}

// CaseFlags counts the flags of one compared case on each side.
type CaseFlags struct {
	Case string    `json:"case"`
	Base SideFlags `json:"base"`
	New  SideFlags `json:"new"`
}

// SideFlags counts, of the Files (results files, ok) that measured a case
// on one side, how many carry each flag, in the order first met.
type SideFlags struct {
	Files  int         `json:"files"`
	Counts []FlagCount `json:"counts,omitempty"`
}

// FlagCount is how many files carry flag Name.
type FlagCount struct {
	Name  string `json:"name"`
	Files int    `json:"files"`
}

// counts counts the files of the side that carry each flag.
func (p *pooled) counts() SideFlags {
	s := SideFlags{Files: len(p.reps)}
	for _, c := range p.reps {
		var seen []string
		for _, f := range c.Flags {
			if slices.Contains(seen, f.Name) {
				continue
			}
			seen = append(seen, f.Name)
			i := slices.IndexFunc(s.Counts, func(fc FlagCount) bool { return fc.Name == f.Name })
			if i < 0 {
				i = len(s.Counts)
				s.Counts = append(s.Counts, FlagCount{Name: f.Name})
			}
			s.Counts[i].Files++
		}
	}
	return s
}

// flags describes the flags of the side's case, or "".
func (p *pooled) flags() string {
	var parts []string
	for _, c := range p.reps {
		for _, f := range c.Flags {
			s := strings.ToUpper(f.Name)
			if f.Detail != "" {
				s += " (" + f.Detail + ")"
			}
			if !slices.Contains(parts, s) {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, ", ")
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

// unitOf is the comparison's unit: the file as soon as a side pools more
// than one, on both sides, so that the two sides' samples are alike.
func unitOf(base, new []*results.File) string {
	if len(base) > 1 || len(new) > 1 {
		return UnitFile
	}
	return UnitRepetition
}

// Compare matches the cases of base and new by transport, workload and
// size and tests every metric of opt with benchmath's Mann-Whitney U
// test, over repetitions or, where a side pools several files, over the
// files' medians (see UnitFile). Percentiles resting on fewer than
// results.MinTailSamples samples beyond them are not tested. The p-values
// of all the tests are then corrected together (see Correction).
func Compare(base, new []*results.File, opt CompareOptions) *Comparison {
	out := &Comparison{Threshold: opt.Threshold, Alpha: opt.Alpha, Unit: unitOf(base, new), Correction: Correction,
		Differences: Differences([][]*results.File{base, new}), otherInterval: !sameInterval(base, new)}
	if b, n := HostLoadOf(base), HostLoadOf(new); b != nil && n != nil {
		out.HostLoad = []*HostLoad{b, n}
	}
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
	var measured []string
	for _, k := range order {
		if out.bothMeasured(k, b[k], n[k], newCut) && out.compareCase(k, b[k], n[k], opt, geo) {
			measured = append(measured, k.String())
		}
	}
	out.correct(opt)
	out.count(measured)
	out.Geomeans = geomeans(opt.Metrics, geo)
	out.warn()
	return out
}

// count sets MatchedCases and TestedCases from the measured cases'
// deltas: a case is tested when none of its deltas is untested.
func (out *Comparison) count(measured []string) {
	untested := map[string]bool{}
	for _, d := range out.Deltas {
		if d.Verdict == VerdictUntested {
			untested[d.Case] = true
		}
	}
	for _, k := range measured {
		out.MatchedCases++
		if !untested[k] {
			out.TestedCases++
		}
	}
}

// Reasons a delta is untested (Delta.Reason), besides a percentile's
// thin tail, whose reason names the percentile and its count.
const (
	ReasonFewSamples = "too few samples for the U test to reach alpha"
	ReasonCorrection = "no p-value these samples can give survives the correction for this case alone"
	// ReasonInterval: one side timed every message send to send, the
	// other one in N as send+recv (run --sample-every): different
	// quantities, never gated on against each other.
	ReasonInterval = "base and new timed different intervals (run --sample-every)"
)

// warn adds a warning for each kind of untested delta.
func (out *Comparison) warn() {
	few, corrected, tails := 0, 0, 0
	for _, d := range out.Deltas {
		switch {
		case d.Verdict != VerdictUntested:
		case d.Reason == ReasonFewSamples:
			few++
		case d.Reason == ReasonCorrection:
			corrected++
		case d.Reason == ReasonInterval:
		default:
			tails++
		}
	}
	more := "run with 6 rounds or more (run --rounds; its default is 15)"
	if out.Unit == UnitFile {
		more = "compare at least 4 files (rounds) a side, 6 for confidence intervals: each file's median is one sample"
	}
	if few > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%d comparisons have too few samples (%ss) for a Mann-Whitney U test to reach alpha %g (with the same count on both sides it needs at least 4 each; 6 also gives confidence intervals); they show no p-value and cannot be flagged: %s",
			few, out.Unit, out.Alpha, more))
	}
	if corrected > 0 {
		need := "compare fewer metrics or cases"
		if out.NeedSamples > 0 {
			need = fmt.Sprintf("%d %ss a side would test every case, or compare fewer metrics or cases", out.NeedSamples, out.Unit)
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%d comparisons could not have flagged a regression confined to their case: with %d tests, the Benjamini-Hochberg correction needs a case's p below alpha × its tests / %d, and the smallest p their sample counts allow (%.2g) is above it; they are untested, not passed: %s",
			corrected, out.Tests, out.Tests, out.SmallestP, need))
	}
	if out.otherInterval {
		out.Warnings = append(out.Warnings, "base and new timed different intervals (run --sample-every: every message send to send, or one in N as send+recv); their latencies are different quantities and are not gated on: run both sides alike")
	}
	if out.Unit == UnitRepetition && out.Tests > 0 {
		out.Warnings = append(out.Warnings, "each side is one run, whose repetitions ran back to back in one stretch of the host's time and are not independent, as the U test assumes: a host that changed between the two runs reads as a change of code. ipcbench ab (alternating rounds) makes the unit honest")
	}
	if tails > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%d comparisons are of percentiles with fewer than %d samples beyond them (or an unknown count); they are not gated on: run longer (--duration) or compare p50",
			tails, results.MinTailSamples))
	}
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
	case bp.notOK == "" && np.broke:
		out.MatchedCases++
		out.TestedCases++ // judged: new lost what base had
		out.Broken = append(out.Broken, fmt.Sprintf("%s: new %s", k, np.notOK))
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
// adding a Delta per metric that applies (its verdict set later by
// correct, unless untested), and reports whether any metric applied.
func (out *Comparison) compareCase(k results.CaseKey, bp, np *pooled, opt CompareOptions, geo map[string]*logSum) bool {
	thresholds := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	compared := 0
	leaveOutLatency := !opt.GateQueueLatency && QueueLatency(k.Workload) && !equalDepth(bp, np)
	for _, m := range opt.Metrics {
		otherInterval := m.IsLatency() && out.otherInterval
		if leaveOutLatency && m.IsLatency() {
			if !slices.Contains(out.LatencyLeftOut, k.String()) {
				out.LatencyLeftOut = append(out.LatencyLeftOut, k.String())
			}
			continue
		}
		bs, ns := bp.samples(m, out.Unit), np.samples(m, out.Unit)
		if len(bs) == 0 || len(ns) == 0 || allZero(bs) && allZero(ns) {
			continue // e.g. latency of the relay workload, which measures none
		}
		s1, s2 := benchmath.NewSample(bs, thresholds), benchmath.NewSample(ns, thresholds)
		d := Delta{Case: k.String(), Metric: m.Name, Unit: m.Unit, Base: summarize(s1), New: summarize(s2)}
		var bWhy, nWhy string
		d.Base.TailSamples, bWhy = bp.tail(m)
		d.New.TailSamples, nWhy = np.tail(m)
		if opt.LeaveOutThinTails && (bWhy != "" || nWhy != "") {
			out.TailsLeftOut = append(out.TailsLeftOut, k.String()+" "+m.Name)
			continue
		}
		if d.Base.Median != 0 {
			d.DeltaPct = (d.New.Median/d.Base.Median - 1) * 100
		}
		compared++
		d.minP = minPossibleP(len(bs), len(ns))
		d.baseSamples, d.newSamples = bs, ns
		switch {
		case d.minP > opt.Alpha:
			d.Verdict, d.Reason = VerdictUntested, ReasonFewSamples
		case otherInterval:
			d.Verdict, d.Reason = VerdictUntested, ReasonInterval
		case bWhy != "" || nWhy != "":
			d.Verdict, d.Reason = VerdictUntested, sideWhy(bWhy, nWhy)
		default:
			p := benchmath.AssumeNothing.Compare(s1, s2).P
			d.P = &p
		}
		out.Deltas = append(out.Deltas, d)
		addLogs(geo, d)
	}
	if compared > 0 {
		if f := sideWhy(bp.flags(), np.flags()); f != "" {
			out.Flagged = append(out.Flagged, k.String()+": "+f)
			out.FlagCounts = append(out.FlagCounts, CaseFlags{Case: k.String(), Base: bp.counts(), New: np.counts()})
		}
	}
	return compared > 0 // else no metric applies, as latency to relay
}

// sideWhy joins what base and new say about one case, naming the side.
func sideWhy(base, new string) string {
	switch {
	case base != "" && new != "":
		return "base " + base + "; new " + new
	case base != "":
		return "base " + base
	case new != "":
		return "new " + new
	}
	return ""
}

// correct applies the Benjamini–Hochberg correction over every delta that
// has a p-value, and sets their verdicts. A delta that could not be
// significant even if every test gave the smallest p its sample counts
// allow (BH only gains rejections as p-values fall) is untested.
func (out *Comparison) correct(opt CompareOptions) {
	var tested []*Delta
	for i := range out.Deltas {
		if out.Deltas[i].P != nil {
			tested = append(tested, &out.Deltas[i])
		}
	}
	out.Tests = len(tested)
	ps, minPs := make([]float64, len(tested)), make([]float64, len(tested))
	for i, d := range tested {
		ps[i], minPs[i] = *d.P, d.minP
	}
	qs := BenjaminiHochberg(ps)
	if len(minPs) > 0 {
		out.SmallestP = slices.Min(minPs)
		// BH flags the k smallest when p(k) ≤ alpha·k/m.
		out.MinFlaggable = max(1, int(math.Ceil(out.SmallestP*float64(out.Tests)/opt.Alpha-1e-9)))
	}
	level := caseLevels(tested, opt.Alpha)
	for i, d := range tested {
		q := qs[i]
		d.Q = &q
		d.Verdict = verdict(d.metric(), d.DeltaPct, q, opt)
		if d.minP >= level[d.Case] {
			if d.Verdict == VerdictSame {
				d.Verdict, d.Reason = VerdictUntested, ReasonCorrection
			}
			continue
		}
		d.MDEPct = mde(d, level[d.Case], opt.Threshold)
	}
	out.NeedSamples = needSamples(tested, opt.Alpha)
}

// caseLevels returns, per case, the p-value its tests must reach for the
// correction to flag them when that case alone changed: with m tests in
// all, BH flags a case's n tests, every other test null, when the largest
// of their p is ≤ alpha·n/m. A regression confined to one case (the common
// kind: one transport's path got slower, and its latency, throughput and
// CPU move together) is caught only by tests whose smallest possible p is
// below that level; the others are untested, not passed.
func caseLevels(tested []*Delta, alpha float64) map[string]float64 {
	n := map[string]int{}
	for _, d := range tested {
		n[d.Case]++
	}
	level := map[string]float64{}
	for c, k := range n {
		level[c] = alpha * float64(k) / float64(len(tested))
	}
	return level
}

// needSamples is the fewest samples a side, alike on both, that lets every
// case of the comparison be flagged alone: the smallest n whose U-test
// minimum p, 2/C(2n, n), is below the lowest case level.
func needSamples(tested []*Delta, alpha float64) int {
	level := caseLevels(tested, alpha)
	lowest, short := math.Inf(1), false
	for _, d := range tested {
		lowest = math.Min(lowest, level[d.Case])
		short = short || d.minP >= level[d.Case]
	}
	if !short {
		return 0
	}
	for n := 2; n < 100; n++ {
		if minPossibleP(n, n) < lowest {
			return n
		}
	}
	return 0
}

// mde is the smallest change of d's metric, in per cent and in the worse
// direction, that the comparison would flag as a regression in a case that
// changed alone: the new side's samples are moved to the base median, then
// shifted until the U test's p falls below level (or the change reaches
// the threshold, whichever is larger). nil where no shift up to 100× does.
// This is benchstat's question "what could this data have shown?", asked
// of the samples in hand rather than of an assumed distribution.
func mde(d *Delta, level, threshold float64) *float64 {
	if d.Base.Median <= 0 || d.New.Median <= 0 || len(d.baseSamples) == 0 || len(d.newSamples) == 0 {
		return nil
	}
	higherBetter := d.metric().HigherBetter
	thresholds := &benchmath.Thresholds{CompareAlpha: level}
	base := benchmath.NewSample(d.baseSamples, thresholds)
	moved := make([]float64, len(d.newSamples))
	flagged := func(shift float64) bool {
		f := (1 + shift) * d.Base.Median / d.New.Median
		if higherBetter {
			f = d.Base.Median / d.New.Median / (1 + shift)
		}
		for i, v := range d.newSamples {
			moved[i] = v * f
		}
		return benchmath.AssumeNothing.Compare(base, benchmath.NewSample(moved, thresholds)).P < level
	}
	lo, hi := 0.0, 100.0
	if !flagged(hi) {
		return nil
	}
	for hi-lo > 1e-4*hi {
		if mid := (lo + hi) / 2; flagged(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	pct := math.Max(hi, threshold) * 100
	return &pct
}

func (d *Delta) metric() Metric {
	m, _ := MetricByName(d.Metric)
	return m
}

// BenjaminiHochberg returns the adjusted p-values (q-values) of p: the
// test i is significant at false-discovery rate alpha when q[i] < alpha.
// q of the k-th smallest p is min over j ≥ k of p(j)·m/j, capped at 1.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(p[a], p[b]) })
	q := make([]float64, m)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		i := idx[r]
		running = math.Min(running, p[i]*float64(m)/float64(r+1))
		q[i] = running
	}
	return q
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
	{"placement", true, func(f *results.File) string { return f.Config.Placement }},
	{"depth", true, func(f *results.File) string { return nonZero(f.Config.Depth) }},
	{"sample_every", true, func(f *results.File) string { return sampleEvery(f) }},
	{"verify", true, func(f *results.File) string { return f.Config.VerifyMode() }},
	{"work", true, func(f *results.File) string { return durationOf(f.Config.WorkNs) }},
	{"arrivals", true, func(f *results.File) string { return f.Config.Arrivals }},
	{"slo", true, func(f *results.File) string { return durationOf(f.Config.SLONs) }},
	{"ipcbench_version", false, func(f *results.File) string { return f.Host.Version }},
	{CommitKey, false, func(f *results.File) string { return f.Host.Commit }},
	{"label", false, func(f *results.File) string { return f.Config.Label }},
}

// sampleEvery is run --sample-every as the interval it times: "" where
// every message was timed (send to send), else "1/N" (send+recv of one
// message in N), a different quantity.
func sampleEvery(f *results.File) string {
	if f.Config.SampleEvery <= 1 {
		return ""
	}
	return "1/" + strconv.FormatUint(f.Config.SampleEvery, 10)
}

// sameInterval says whether every file of both sides timed latency the
// same way (see sampleEvery).
func sameInterval(base, new []*results.File) bool {
	seen := map[string]bool{}
	for _, f := range slices.Concat(base, new) {
		seen[sampleEvery(f)] = true
	}
	return len(seen) <= 1
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
