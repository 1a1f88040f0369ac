package stats

import (
	"fmt"
	"math"

	"github.com/ipcbench/ipcbench/results"
)

// quantiles maps the percentile metrics to the quantile each reads.
var quantiles = map[string]float64{"p50": 0.50, "p90": 0.90, "p99": 0.99, "p999": 0.999}

// Quantile returns the quantile a percentile metric reads (0.99 for p99),
// and false for the metrics that are not percentiles.
func (m Metric) Quantile() (float64, bool) {
	q, ok := quantiles[m.Name]
	return q, ok
}

// RepetitionSamples returns how many latency samples each repetition of c
// timed (one entry for a case recorded without repetitions), and false
// when a file does not record it. A file of an older ipcbench has no
// samples field: the count is then derived from the latency histogram,
// whose total count is every repetition's samples together, split evenly
// across the repetitions (they ran for the same duration).
func RepetitionSamples(c results.Case) ([]uint64, bool) {
	reps := c.Repetitions
	if len(reps) == 0 {
		if c.Samples > 0 {
			return []uint64{c.Samples}, true
		}
		total, ok := histogramCount(c)
		return []uint64{total}, ok
	}
	out := make([]uint64, len(reps))
	var derived uint64
	for i, r := range reps {
		if r.Samples > 0 {
			out[i] = r.Samples
			continue
		}
		if derived == 0 {
			total, ok := histogramCount(c)
			if !ok {
				return nil, false
			}
			derived = max(total/uint64(len(reps)), 1)
		}
		out[i] = derived
	}
	return out, true
}

func histogramCount(c results.Case) (uint64, bool) {
	if c.HistogramHDR == "" {
		return 0, false
	}
	h, err := results.DecodeHistogram(c.HistogramHDR)
	if err != nil || h.TotalCount() <= 0 {
		return 0, false
	}
	return uint64(h.TotalCount()), true
}

// EffectiveSamples is how many independent samples n successive samples
// with lag-1 autocorrelation rho are worth, as an AR(1) series's
// effective sample size: n·(1−ρ)/(1+ρ). Samples that follow each other
// (a stall that holds up the several messages queued behind it) count
// as few events: at ρ = 0.99, 200k samples are worth about 1,000, and the
// 200 beyond their p99.9 are two or three stalls. A negative ρ counts as
// 0, never as more samples than were taken.
func EffectiveSamples(n uint64, rho float64) float64 {
	rho = min(max(rho, 0), 1)
	return float64(n) * (1 - rho) / (1 + rho)
}

// TailSamples is how many independent samples lie beyond percentile q in
// the repetition of c that has the fewest: its samples beyond q
// ((1−q)·samples) discounted for the case's lag-1 autocorrelation (the
// median of its repetitions': EffectiveSamples). The median across
// repetitions of their p99 is no better founded than its thinnest
// repetition's. It returns false when c records no sample count (see
// RepetitionSamples).
func TailSamples(c results.Case, q float64) (float64, bool) {
	n, ok := RepetitionSamples(c)
	if !ok || len(n) == 0 {
		return 0, false
	}
	fewest := n[0]
	for _, x := range n[1:] {
		fewest = min(fewest, x)
	}
	worth := EffectiveSamples(1, c.Lag1Autocorr) // what one sample is worth
	return math.Round(results.TailSamples(fewest, q)*worth*1e6) / 1e6, true
}

// ThinTail says why metric m of case c cannot be trusted or gated on, or
// "" when it can: a percentile above p50 with fewer than
// results.MinTailSamples independent samples beyond it (TailSamples), or
// whose count is unknown. A median always rests on half the samples and
// is never refused.
func ThinTail(c results.Case, m Metric) (tail float64, known bool, why string) {
	q, ok := m.Quantile()
	if !ok {
		return 0, true, ""
	}
	tail, known = TailSamples(c, q)
	switch {
	case !known && q > 0.5:
		return 0, false, fmt.Sprintf("%s: sample count unknown (a file without samples or histogram)", m.Name)
	case known && tail < results.MinTailSamples && c.Lag1Autocorr > 0:
		return tail, true, fmt.Sprintf("%s rests on %.0f independent samples beyond it (lag-1 autocorrelation %.2f), fewer than %d",
			m.Name, tail, c.Lag1Autocorr, results.MinTailSamples)
	case known && tail < results.MinTailSamples:
		return tail, true, fmt.Sprintf("%s rests on %.0f samples beyond it, fewer than %d", m.Name, tail, results.MinTailSamples)
	}
	return tail, known, ""
}
