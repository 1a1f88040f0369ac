// Package stats is the statistics of ipcbench results: the metrics a case
// is judged by, the aggregation of repetitions into medians with confidence
// intervals, the comparison of two sets of runs and the history of many
// (benchmath's Mann-Whitney U test), and the warnings that a host was noisy.
package stats

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	mstats "github.com/montanaflynn/stats"
	"golang.org/x/perf/benchmath"
)

// Metric is one figure of a case that repetitions, compare and history work on.
type Metric struct {
	Name         string
	Unit         string
	HigherBetter bool
	Of           func(results.Repetition) float64
}

// Metrics lists every metric by name, in display order.
var Metrics = []Metric{
	{"p50", "ns", false, func(r results.Repetition) float64 { return r.P50Ns }},
	{"p90", "ns", false, func(r results.Repetition) float64 { return r.P90Ns }},
	{"p99", "ns", false, func(r results.Repetition) float64 { return r.P99Ns }},
	{"p999", "ns", false, func(r results.Repetition) float64 { return r.P999Ns }},
	{"mean", "ns", false, func(r results.Repetition) float64 { return r.MeanNs }},
	{"throughput", "msgs/s", true, func(r results.Repetition) float64 { return r.MsgsPerSec }},
	{"mbps", "MB/s", true, func(r results.Repetition) float64 { return r.MBPerSec }},
	{"cpu", "ns/msg", false, func(r results.Repetition) float64 { return r.CPUNsPerMsg }},
	{"syscalls", "syscalls/msg", false, func(r results.Repetition) float64 { return r.SyscallsPerMsg }},
	{"copies", "copies/msg", false, func(r results.Repetition) float64 { return r.CopiesPerMsg }},
}

// MetricByName finds a metric.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Samples returns metric m over a case's repetitions (one value for a case
// recorded without them).
func Samples(c results.Case, m Metric) []float64 {
	reps := c.Repetitions
	if len(reps) == 0 && c.Status == results.StatusOK {
		reps = []results.Repetition{results.RepetitionOf(c)}
	}
	v := make([]float64, 0, len(reps))
	for _, r := range reps {
		v = append(v, m.Of(r))
	}
	return v
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

// Aggregate folds the repetitions of one case, each run in fresh processes,
// into one Case. A failure in any repetition fails the case; a skip skips it.
//
// Otherwise every figure of the case, min, max and stddev of latency
// included, is the benchmath median across repetitions of that
// repetition's own figure, and CI95 holds their 95 % confidence
// intervals: the figures a table prints are the centres compare tests, and
// no row mixes a median of repetitions with an extreme of all of them.
// The latency histogram is the merge of every repetition's (the whole
// distribution, for plots), and Samples their sum. OverheadShare, Drift
// and Lag1Autocorr are medians too. Flags are every flag that at least
// half the repetitions raised, each once, with the count that raised it:
// a flag of a minority of rounds cannot have moved the median, and stays
// in those repetitions' own Flags.
func Aggregate(reps []results.Case) (results.Case, error) {
	if len(reps) == 0 {
		return results.Case{}, fmt.Errorf("no repetitions")
	}
	first := reps[0]
	for i, r := range reps {
		if r.Status != results.StatusOK {
			out := r
			if len(reps) > 1 && r.Status == results.StatusFailed { // a skip is the same every round
				out.Reason = fmt.Sprintf("round %d of %d: %s", i+1, len(reps), r.Reason)
			}
			return out, nil
		}
	}
	out := first
	out.Repetitions = nil
	for _, r := range reps {
		out.Repetitions = append(out.Repetitions, results.RepetitionOf(r))
	}
	out.CI95 = map[string]results.Interval{}
	center := map[string]float64{}
	for _, m := range Metrics {
		s := benchmath.NewSample(Samples(out, m), &benchmath.DefaultThresholds)
		sum := benchmath.AssumeNothing.Summary(s, 0.95)
		center[m.Name] = sum.Center
		if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) && len(reps) > 1 {
			out.CI95[m.Name] = results.Interval{Lo: sum.Lo, Hi: sum.Hi}
		}
	}
	out.Latency.P50Ns = int64(center["p50"])
	out.Latency.P90Ns = int64(center["p90"])
	out.Latency.P99Ns = int64(center["p99"])
	out.Latency.P999Ns = int64(center["p999"])
	out.Latency.MeanNs = center["mean"]
	out.MsgsPerSec, out.MBPerSec = center["throughput"], center["mbps"]
	out.CPUNsPerMsg, out.SyscallsPerMsg, out.CopiesPerMsg = center["cpu"], center["syscalls"], center["copies"]
	rep := func(of func(results.Case) float64) float64 {
		v := make([]float64, len(reps))
		for i, r := range reps {
			v[i] = of(r)
		}
		return summarizeValues(v).Median
	}
	out.Latency.MinNs = int64(rep(func(c results.Case) float64 { return float64(c.Latency.MinNs) }))
	out.Latency.MaxNs = int64(rep(func(c results.Case) float64 { return float64(c.Latency.MaxNs) }))
	out.Latency.StddevNs = rep(func(c results.Case) float64 { return c.Latency.StddevNs })
	out.OverheadShare = rep(func(c results.Case) float64 { return c.OverheadShare })
	out.Drift = rep(func(c results.Case) float64 { return c.Drift })
	out.Lag1Autocorr = rep(func(c results.Case) float64 { return c.Lag1Autocorr })
	out.Flags = mergeFlags(reps)
	var msgs, samples uint64
	var window int64
	for _, r := range reps {
		msgs += r.Messages
		window += r.WindowNs
		samples += r.Samples
	}
	out.Messages, out.WindowNs, out.Samples = msgs, window, samples
	if first.HistogramHDR != "" && len(reps) > 1 {
		if err := mergeHistograms(&out, reps); err != nil {
			return results.Case{}, err
		}
	}
	return out, nil
}

// mergeFlags returns every flag the repetitions raised, once per name in
// the order first raised, with the first detail; a flag that not every
// repetition raised says in how many it was.
func mergeFlags(reps []results.Case) []results.Flag {
	var raised []results.Flag
	count := map[string]int{}
	for _, r := range reps {
		for _, f := range r.Flags {
			if count[f.Name] == 0 {
				raised = append(raised, f)
			}
			count[f.Name]++
		}
	}
	var out []results.Flag
	for _, f := range raised {
		n := count[f.Name]
		if 2*n < len(reps) {
			continue // a minority of rounds: it cannot have moved their median
		}
		if n < len(reps) {
			f.Detail = strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf("%s, %d of %d rounds", f.Detail, n, len(reps))), ", ")
		}
		out = append(out, f)
	}
	return out
}

// mergeHistograms sets out's histogram to the merge of every repetition's.
func mergeHistograms(out *results.Case, reps []results.Case) error {
	merged, err := results.DecodeHistogram(reps[0].HistogramHDR)
	if err != nil {
		return err
	}
	for _, r := range reps[1:] {
		h, err := results.DecodeHistogram(r.HistogramHDR)
		if err != nil {
			return err
		}
		merged.Merge(h)
	}
	enc, err := merged.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return fmt.Errorf("encode merged histogram: %w", err)
	}
	out.HistogramHDR = string(enc)
	return nil
}

// NoisyCV is the coefficient of variation of a case's p50 across
// repetitions above which a run counts as taken on a noisy host.
const NoisyCV = 0.10

// A NoisyCase is a case whose p50 varied across its repetitions by more
// than NoisyCV.
type NoisyCase struct {
	Key         results.CaseKey
	CV          float64 // the coefficient of variation of its p50s
	Repetitions int
}

// Noise says why a run's figures may be noisy: the busy-host findings
// taken before it, and the cases whose p50 varied across repetitions by
// more than NoisyCV.
func Noise(f *results.File) (busy []results.Finding, noisy []NoisyCase) {
	for _, h := range f.Host.Findings {
		if h.Topic == "load" && h.Warn {
			busy = append(busy, h)
		}
	}
	p50, _ := MetricByName("p50")
	for _, c := range f.Cases {
		if c.Status != results.StatusOK || len(c.Repetitions) < 3 {
			continue
		}
		v := Samples(c, p50)
		mean, _ := mstats.Mean(v)
		sd, _ := mstats.StandardDeviationSample(v)
		if mean > 0 && sd/mean > NoisyCV {
			noisy = append(noisy, NoisyCase{c.Key(), sd / mean, len(v)})
		}
	}
	return busy, noisy
}
