package results

import "math"

// The limits of a case's self-checks. A case beyond one keeps its figures
// but carries a Flag, which the table shows and compare warns about.
const (
	// OverheadLimit: the harness's own loop overhead above this share of
	// the time per message flags OVERHEAD.
	OverheadLimit = 0.10
	// StealLimit: the hypervisor stealing more than this share of the
	// time of the CPUs the workers ran on flags NOISY.
	StealLimit = 0.05
	// RunQueueLimit: a measuring thread runnable but waiting for a CPU
	// for more than this share of the time per message flags NOISY.
	RunQueueLimit = 0.10
	// DriftLimit: the second half of the window's p50 differing from the
	// first half's by more than this share flags DRIFT (not stationary).
	DriftLimit = 0.10
	// AutocorrLimit: a lag-1 autocorrelation of successive samples above
	// this (in absolute value) flags AUTOCORR (samples not independent).
	AutocorrLimit = 0.5
	// MinTailSamples: a percentile with fewer samples beyond it than this
	// is shown with its count (n=13) and compare does not gate on it.
	MinTailSamples = 100
)

// Flag names.
const (
	FlagNoisy    = "noisy"
	FlagOverhead = "overhead"
	FlagDrift    = "drift"
	FlagAutocorr = "autocorr"
)

// TailSamples is how many samples lie beyond percentile q (0.99 for p99)
// of n samples, rounded to 6 decimals so that 1 - 0.999's binary error
// does not print (30000 samples leave 30 beyond p99.9, not 30.00000000000003).
func TailSamples(n uint64, q float64) float64 {
	return math.Round(float64(n)*(1-q)*1e6) / 1e6
}
