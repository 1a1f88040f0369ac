package stats

// The defaults of ipcbench compare, for every command and report that
// compares two sides as it does.
var (
	DefaultCompareMetrics         = []string{"p50", "p99", "throughput", "cpu"}
	DefaultThreshold      float64 = 0.05
	DefaultAlpha          float64 = 0.05
)

// DefaultCompareOptions are compare's options when no flag is given: the
// default metrics, threshold and alpha, and thin-tailed percentiles left
// out, as no metric was named.
func DefaultCompareOptions() CompareOptions {
	metrics, err := ParseMetrics(DefaultCompareMetrics)
	if err != nil {
		panic("stats: DefaultCompareMetrics: " + err.Error())
	}
	return CompareOptions{Metrics: metrics, Threshold: DefaultThreshold, Alpha: DefaultAlpha, LeaveOutThinTails: true}
}

// ChangeInterval returns the change from base to new in per cent with
// the ends of its interval: the ratio of the new median's interval to the
// base's, its ends taken the conservative way round (new lo over base hi,
// new hi over base lo), as a verdict takes unpaired ratios. Two runs'
// rounds do not pair. ok is false where either side has no interval.
func (d Delta) ChangeInterval() (pct, loPct, hiPct float64, ok bool) {
	pct = d.DeltaPct
	b, n := d.Base.CI95, d.New.CI95
	if b == nil || n == nil || b.Lo <= 0 || b.Hi <= 0 || n.Lo < 0 {
		return pct, 0, 0, false
	}
	return pct, (n.Lo/b.Hi - 1) * 100, (n.Hi/b.Lo - 1) * 100, true
}
