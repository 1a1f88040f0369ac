package results

import "math"

// The limits of a case's self-checks. A case beyond one keeps its figures
// but carries a Flag, which the table shows and compare warns about.
const (
	// OverheadLimit: the harness's own loop overhead above this share of
	// the time per message flags OVERHEAD.
	OverheadLimit = 0.10
	// StealLimit: the hypervisor stealing more than this share of the
	// time of the CPUs a worker may run on flags NOISY, counted as
	// StealBeyondLimit says.
	StealLimit = 0.05
	// RunQueueLimit: a measuring thread runnable but waiting for a CPU
	// for more than this share of its window flags NOISY (the thread that
	// waited the most: the share is at most 1).
	RunQueueLimit = 0.10
	// DriftLimit: the second half of the window's p50 differing from the
	// first half's by more than this share flags DRIFT (not stationary).
	DriftLimit = 0.10
	// AutocorrLimit: a lag-1 autocorrelation of successive samples above
	// this (in absolute value) flags AUTOCORR (samples not independent).
	AutocorrLimit = 0.5
	// MinTailSamples: a percentile with fewer samples beyond it than this
	// is shown with its count (n=13) and compare does not gate on it.
	// The samples are counted as independent ones, discounted for their
	// lag-1 autocorrelation (stats.EffectiveSamples).
	MinTailSamples = 100
	// WorkLimit: run --work's spin, timed at the end of the window,
	// differing from what was asked by more than this share flags WORK.
	WorkLimit = 0.05
	// LateLimit: a rate case's pacer sending its p99 message later than
	// this share of the mean gap between intended send times flags LATE:
	// a whole gap, so that its latest 1 % went out when the next message
	// was already due, in bursts rather than on the schedule offered, and
	// the latency, timed from the intended times, holds that delay. On a
	// quiet 2-vCPU VM the pacer's p99 was 13 µs at 5k msgs/s (a 200 µs
	// gap) and 25 µs at 20k (50 µs); CPU contention made it milliseconds.
	LateLimit = 1.0
)

// Flag names.
const (
	FlagNoisy    = "noisy"
	FlagOverhead = "overhead"
	FlagDrift    = "drift"
	FlagAutocorr = "autocorr"
	FlagWork     = "work"
	FlagLate     = "late"
)

// TailSamples is how many samples lie beyond percentile q (0.99 for p99)
// of n samples, rounded to 6 decimals so that 1 - 0.999's binary error
// does not print (30000 samples leave 30 beyond p99.9, not 30.00000000000003).
func TailSamples(n uint64, q float64) float64 {
	return math.Round(float64(n)*(1-q)*1e6) / 1e6
}

// StealBeyondLimit says whether stolenTicks of totalTicks, the
// differences of two readings of /proc/stat, prove that more than
// StealLimit of the time was stolen. The kernel counts steal in
// nanoseconds and prints it in USER_HZ ticks (10 ms), cut down to a
// whole tick, so a difference of k ticks is anything above k-1 and below
// k+1 ticks: one stolen tick may be almost nothing. It is flagged only
// where the least steal the count allows, k-1 ticks, is beyond the
// limit: at least 2 ticks, 3 of the 20 of a 200 ms window on one CPU,
// 7 of the 100 of a 1 s window.
func StealBeyondLimit(stolenTicks, totalTicks uint64) bool {
	return stolenTicks >= 1 && float64(stolenTicks-1) > StealLimit*float64(totalTicks)
}
