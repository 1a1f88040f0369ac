package stats

import (
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/perf/benchmath"
)

// Aggregate folds the repetitions of one case, each run in fresh processes,
// into one Case. A failure in any repetition fails the case; a skip skips it.
// Otherwise the figures are benchmath medians across repetitions, CI95 holds
// their 95 % confidence intervals, and the latency histogram is the merge of
// every repetition's, so that min, max and the distribution cover them all.
func Aggregate(reps []results.Case) (results.Case, error) {
	if len(reps) == 0 {
		return results.Case{}, fmt.Errorf("no repetitions")
	}
	first := reps[0]
	for i, r := range reps {
		if r.Status != results.StatusOK {
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
	var msgs uint64
	var window int64
	for _, r := range reps {
		msgs += r.Messages
		window += r.WindowNs
	}
	out.Messages, out.WindowNs = msgs, window
	if first.HistogramHDR != "" && len(reps) > 1 {
		if err := mergeHistograms(&out, reps); err != nil {
			return results.Case{}, err
		}
	}
	return out, nil
}

// mergeHistograms sets out's histogram, min, max and spread to those of
// every repetition's histogram merged.
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
	out.Latency.MinNs, out.Latency.MaxNs, out.Latency.StddevNs = merged.Min(), merged.Max(), merged.StdDev()
	return nil
}
