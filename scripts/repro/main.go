// Command repro checks that two runs of the same benchmark agree, as the
// reproducibility self-check (scripts/repro.sh) needs: for each case, the
// difference between the two runs' main figures and whether each run's
// 95 % interval holds the other's figure; for each workload and size, each
// transport's ratio to the first run's fastest in both runs, and whether
// the second's ratio lies in the first's interval; and any contradiction,
// a transport one run names the winner that the other finds significantly
// behind.
//
//	go run ./scripts/repro A.json B.json
//
// The main figure is the one the verdict ranks by (stats.Verdicts): the
// p50 round trip of a round-trip workload, else msgs/s. The last lines
// sum it up against the targets of docs/method.md: a median ratio
// difference of at most 5 %, at least 90 % of the second run's ratios
// inside the first's intervals, and no contradiction.
package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/workloads"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: repro A.json B.json")
		os.Exit(2)
	}
	a, err := results.ReadFile(os.Args[1])
	if err == nil {
		var b *results.File
		if b, err = results.ReadFile(os.Args[2]); err == nil {
			err = check(os.Stdout, a, b)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "repro:", err)
		os.Exit(1)
	}
}

// agreement is what check found, for the summary.
type agreement struct {
	caseDiffs      []float64 // |b/a - 1| of each case's main figure
	inOther        int       // cases whose figure lies in the other run's interval, both ways
	withInterval   int       // cases where both runs have an interval
	ratioDiffs     []float64 // |ratio in b / ratio in a - 1| per transport
	ratiosInside   int       // b's ratio inside a's interval
	ratiosJudged   int       // ratios where a has an interval
	contradictions []string
}

func check(w io.Writer, a, b *results.File) error {
	var g agreement
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tFIGURE A\tFIGURE B\tDIFF\tB IN A'S CI\tA IN B'S CI")
	for _, ca := range a.Cases {
		cb, ok := find(b, ca)
		if !ok || ca.Status != results.StatusOK || cb.Status != results.StatusOK {
			continue
		}
		g.addCase(tw, ca, cb)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTRANSPORT\tRATIO A (95% CI)\tRATIO B\tDIFF\tB IN A'S CI")
	for _, va := range stats.Verdicts(a, "") {
		g.addGroup(tw, va, a, b)
	}
	tw.Flush()
	g.summary(w)
	return nil
}

func find(f *results.File, c results.Case) (results.Case, bool) {
	for _, o := range f.Cases {
		if o.Transport == c.Transport && o.Workload == c.Workload && o.SizeBytes == c.SizeBytes && o.OfferedRate == c.OfferedRate {
			return o, true
		}
	}
	return results.Case{}, false
}

// mainMetric is the metric the verdict ranks a closed-loop case by.
func mainMetric(c results.Case) string {
	if d, _ := workloads.Lookup(c.Workload); d.Latency == workloads.RoundTrip {
		return "p50"
	}
	return "throughput"
}

func figure(c results.Case, metric string) float64 {
	m, _ := stats.MetricByName(metric)
	return m.Of(results.RepetitionOf(c))
}

func (g *agreement) addCase(w io.Writer, ca, cb results.Case) {
	metric := mainMetric(ca)
	fa, fb := figure(ca, metric), figure(cb, metric)
	if !(fa > 0 && fb > 0) {
		return
	}
	diff := math.Abs(fb/fa - 1)
	g.caseDiffs = append(g.caseDiffs, diff)
	ia, aok := ca.CI95[metric]
	ib, bok := cb.CI95[metric]
	bInA, aInB := "-", "-"
	if aok && bok {
		g.withInterval++
		bInA, aInB = yes(fb >= ia.Lo && fb <= ia.Hi), yes(fa >= ib.Lo && fa <= ib.Hi)
		if bInA == "yes" && aInB == "yes" {
			g.inOther++
		}
	}
	key := results.CaseKey{Transport: ca.Transport, Workload: ca.Workload, SizeBytes: ca.SizeBytes}
	fmt.Fprintf(w, "%s\t%.4g %s\t%.4g\t%+.1f%%\t%s\t%s\n", key, fa, metric, fb, 100*(fb/fa-1), bInA, aInB)
}

// addGroup compares one workload and size: every transport's ratio to
// a's reference, in a and in b (b's verdict taken against the same
// transport), and whether either run's named winner is significantly
// behind in the other.
func (g *agreement) addGroup(w io.Writer, va stats.Verdict, a, b *results.File) {
	vb, ok := verdictOf(b, va.Workload, va.SizeBytes, va.Reference)
	if !ok {
		return
	}
	group := fmt.Sprintf("%s %s", va.Workload, results.FormatBytes(va.SizeBytes))
	for _, sa := range va.Standings[1:] {
		i := slices.IndexFunc(vb.Standings, func(s stats.Standing) bool { return s.Transport == sa.Transport })
		if i < 0 {
			continue
		}
		sb := vb.Standings[i]
		g.ratioDiffs = append(g.ratioDiffs, math.Abs(sb.Times/sa.Times-1))
		inside := "-"
		if sa.Lo > 0 && sa.Hi > 0 {
			g.ratiosJudged++
			inside = yes(sb.Times >= sa.Lo && sb.Times <= sa.Hi)
			if inside == "yes" {
				g.ratiosInside++
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%.3g (%.3g–%.3g)\t%.3g\t%+.1f%%\t%s\n", group, sa.Transport, sa.Times, sa.Lo, sa.Hi, sb.Times, 100*(sb.Times/sa.Times-1), inside)
	}
	g.contradict(group, a, b, "A", "B")
	g.contradict(group, b, a, "B", "A")
}

// contradict notes where the transport that run x names the winner of a
// group is significantly behind another in run y.
func (g *agreement) contradict(group string, x, y *results.File, xName, yName string) {
	var v stats.Verdict
	for _, c := range stats.Verdicts(x, "") {
		if fmt.Sprintf("%s %s", c.Workload, results.FormatBytes(c.SizeBytes)) == group {
			v = c
		}
	}
	if len(v.Standings) < 2 || !(v.Standings[1].Lo > 1) {
		return // no winner named: the top is a tie, or untested
	}
	vy, ok := verdictOf(y, v.Workload, v.SizeBytes, v.Reference)
	if !ok || vy.Reference != v.Reference {
		return
	}
	for _, s := range vy.Standings[1:] {
		if s.Hi > 0 && s.Hi < 1 { // s ran significantly faster than x's winner
			g.contradictions = append(g.contradictions, fmt.Sprintf("%s: %s names %s the winner; in %s, %s beats it %.3g× (%.3g–%.3g)",
				group, xName, v.Reference, yName, s.Transport, 1/s.Times, 1/s.Hi, 1/s.Lo))
		}
	}
}

// summary prints the agreement against the targets.
func (g *agreement) summary(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "cases: %d compared, median difference of the main figure %.1f%%, max %.1f%%\n",
		len(g.caseDiffs), 100*median(g.caseDiffs), 100*maxOf(g.caseDiffs))
	fmt.Fprintf(w, "cases whose figure lies in the other run's 95%% interval, both ways: %d of %d\n", g.inOther, g.withInterval)
	fmt.Fprintf(w, "ratio to the fastest: %d compared, median difference %.1f%% (target ≤ 5%%)\n", len(g.ratioDiffs), 100*median(g.ratioDiffs))
	share := 0.0
	if g.ratiosJudged > 0 {
		share = float64(g.ratiosInside) / float64(g.ratiosJudged)
	}
	fmt.Fprintf(w, "B's ratios inside A's 95%% interval: %d of %d, %.0f%% (target ≥ 90%%)\n", g.ratiosInside, g.ratiosJudged, 100*share)
	fmt.Fprintf(w, "contradictions: %d (target 0)\n", len(g.contradictions))
	for _, c := range g.contradictions {
		fmt.Fprintln(w, "  "+c)
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func maxOf(v []float64) float64 {
	m := math.NaN()
	for _, x := range v {
		if !(x <= m) {
			m = x
		}
	}
	return m
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func verdictOf(f *results.File, workload string, size int, baseline string) (stats.Verdict, bool) {
	for _, v := range stats.Verdicts(f, baseline) {
		if v.Workload == workload && v.SizeBytes == size {
			return v, true
		}
	}
	return stats.Verdict{}, false
}
