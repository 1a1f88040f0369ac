package stats

import (
	"fmt"

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

// TailSamples is how many samples lie beyond percentile q in the
// repetition of c that has the fewest: the median across repetitions of
// their p99 is no better founded than its thinnest repetition's. It
// returns false when c records no sample count (see RepetitionSamples).
func TailSamples(c results.Case, q float64) (float64, bool) {
	n, ok := RepetitionSamples(c)
	if !ok || len(n) == 0 {
		return 0, false
	}
	fewest := n[0]
	for _, x := range n[1:] {
		fewest = min(fewest, x)
	}
	return results.TailSamples(fewest, q), true
}

// ThinTail says why metric m of case c cannot be trusted or gated on, or
// "" when it can: a percentile above p50 with fewer than
// results.MinTailSamples samples beyond it, or whose count is unknown. A
// median always rests on half the samples and is never refused.
func ThinTail(c results.Case, m Metric) (tail float64, known bool, why string) {
	q, ok := m.Quantile()
	if !ok {
		return 0, true, ""
	}
	tail, known = TailSamples(c, q)
	switch {
	case !known && q > 0.5:
		return 0, false, fmt.Sprintf("%s: sample count unknown (a file without samples or histogram)", m.Name)
	case known && tail < results.MinTailSamples:
		return tail, true, fmt.Sprintf("%s rests on %.0f samples beyond it, fewer than %d", m.Name, tail, results.MinTailSamples)
	}
	return tail, known, ""
}
