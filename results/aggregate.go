package results

import (
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/perf/benchmath"
)

// Metric is one figure of a case that repetitions, compare and history work on.
type Metric struct {
	Name         string
	Unit         string
	HigherBetter bool
	Of           func(Repetition) float64
}

// Metrics lists every metric by name, in display order.
var Metrics = []Metric{
	{"p50", "ns", false, func(r Repetition) float64 { return r.P50Ns }},
	{"p90", "ns", false, func(r Repetition) float64 { return r.P90Ns }},
	{"p99", "ns", false, func(r Repetition) float64 { return r.P99Ns }},
	{"p999", "ns", false, func(r Repetition) float64 { return r.P999Ns }},
	{"mean", "ns", false, func(r Repetition) float64 { return r.MeanNs }},
	{"throughput", "msgs/s", true, func(r Repetition) float64 { return r.MsgsPerSec }},
	{"mbps", "MB/s", true, func(r Repetition) float64 { return r.MBPerSec }},
	{"cpu", "ns/msg", false, func(r Repetition) float64 { return r.CPUNsPerMsg }},
	{"syscalls", "syscalls/msg", false, func(r Repetition) float64 { return r.SyscallsPerMsg }},
	{"copies", "copies/msg", false, func(r Repetition) float64 { return r.CopiesPerMsg }},
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

// RepetitionOf reads one run's figures off an ok case.
func RepetitionOf(c Case) Repetition {
	return Repetition{
		Messages: c.Messages, WindowNs: c.WindowNs,
		P50Ns: float64(c.Latency.P50Ns), P90Ns: float64(c.Latency.P90Ns), P99Ns: float64(c.Latency.P99Ns),
		P999Ns: float64(c.Latency.P999Ns), MeanNs: c.Latency.MeanNs,
		MsgsPerSec: c.MsgsPerSec, MBPerSec: c.MBPerSec, CPUNsPerMsg: c.CPUNsPerMsg,
		SyscallsPerMsg: c.SyscallsPerMsg, CopiesPerMsg: c.CopiesPerMsg,
	}
}

// Samples returns metric m over a case's repetitions (one value for a case
// recorded without them).
func (c Case) Samples(m Metric) []float64 {
	reps := c.Repetitions
	if len(reps) == 0 && c.Status == StatusOK {
		reps = []Repetition{RepetitionOf(c)}
	}
	v := make([]float64, 0, len(reps))
	for _, r := range reps {
		v = append(v, m.Of(r))
	}
	return v
}

// Aggregate folds the repetitions of one case, each run in fresh processes,
// into one Case. A failure in any repetition fails the case; a skip skips it.
// Otherwise the figures are benchmath medians across repetitions, CI95 holds
// their 95 % confidence intervals, and the latency histogram is the merge of
// every repetition's, so that min, max and the distribution cover them all.
func Aggregate(reps []Case) (Case, error) {
	if len(reps) == 0 {
		return Case{}, fmt.Errorf("no repetitions")
	}
	first := reps[0]
	for i, r := range reps {
		if r.Status != StatusOK {
			out := r
			if len(reps) > 1 {
				out.Reason = fmt.Sprintf("repetition %d of %d: %s", i+1, len(reps), r.Reason)
			}
			return out, nil
		}
	}
	out := first
	out.Repetitions = nil
	for _, r := range reps {
		out.Repetitions = append(out.Repetitions, RepetitionOf(r))
	}
	out.CI95 = map[string]Interval{}
	center := map[string]float64{}
	for _, m := range Metrics {
		s := benchmath.NewSample(out.Samples(m), &benchmath.DefaultThresholds)
		sum := benchmath.AssumeNothing.Summary(s, 0.95)
		center[m.Name] = sum.Center
		if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) && len(reps) > 1 {
			out.CI95[m.Name] = Interval{Lo: sum.Lo, Hi: sum.Hi}
		}
	}
	out.Latency.P50Ns = int64(center["p50"])
	out.Latency.P90Ns = int64(center["p90"])
	out.Latency.P99Ns = int64(center["p99"])
	out.Latency.P999Ns = int64(center["p999"])
	out.Latency.MeanNs = center["mean"]
	out.MsgsPerSec, out.MBPerSec = center["throughput"], center["mbps"]
	out.CPUNsPerMsg, out.SyscallsPerMsg, out.CopiesPerMsg = center["cpu"], center["syscalls"], center["copies"]
	var msgs uint64
	var window int64
	for _, r := range reps {
		msgs += r.Messages
		window += r.WindowNs
	}
	out.Messages, out.WindowNs = msgs, window
	if first.HistogramHDR != "" && len(reps) > 1 {
		merged, err := DecodeHistogram(first.HistogramHDR)
		if err != nil {
			return Case{}, err
		}
		for _, r := range reps[1:] {
			h, err := DecodeHistogram(r.HistogramHDR)
			if err != nil {
				return Case{}, err
			}
			merged.Merge(h)
		}
		enc, err := merged.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return Case{}, fmt.Errorf("encode merged histogram: %w", err)
		}
		out.HistogramHDR = string(enc)
		out.Latency.MinNs, out.Latency.MaxNs, out.Latency.StddevNs = merged.Min(), merged.Max(), merged.StdDev()
	}
	return out, nil
}
