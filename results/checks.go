package results

import (
	"fmt"
	"math"
	"strings"
)

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

// FactorBeyond is where a relative change reads as a factor rather than a
// percentage: a ratio above it ("×1625", not "+162451 %") or below its
// inverse ("÷4", not "-75 %").
const FactorBeyond = 2.0

// Factor renders the relative change r (new/old - 1) as a factor, "×1625"
// or "÷4.2", where the ratio lies beyond FactorBeyond either way; ok is
// false where a percentage reads better. Every change ipcbench prints goes
// through it, so that one rule decides.
func Factor(r float64) (s string, ok bool) {
	ratio := 1 + r
	switch {
	case ratio > FactorBeyond:
		return "×" + factorDigits(ratio), true
	case ratio > 0 && ratio < 1/FactorBeyond:
		return "÷" + factorDigits(1/ratio), true
	}
	return "", false
}

// factorDigits prints a factor above 2 to three significant figures,
// never in exponent form: 2.01, 12.3, 1625.
func factorDigits(f float64) string {
	if f >= 100 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.3g", f)
}

// ChangeText renders the relative change r as a flag detail does: "+13 %"
// or, beyond FactorBeyond, "×1625".
func ChangeText(r float64) string {
	if s, ok := Factor(r); ok {
		return s
	}
	return fmt.Sprintf("%+.0f %%", 100*r)
}

// DriftDetail is the detail of a DRIFT flag of drift (Case.Drift).
func DriftDetail(drift float64) string {
	return "p50 " + ChangeText(drift) + " from the first half of the window to the second"
}

// RunQueueDetail is the detail of a NOISY flag for run-queue wait: share
// is the largest share of its window that one measuring thread waited
// (at most 1), side that worker's side.
func RunQueueDetail(share float64, side string) string {
	return fmt.Sprintf("run-queue wait %.0f %% (side %s)", 100*share, side)
}

// WorkerRunQueueShare is the largest share of the window that one of c's
// workers waited runnable for a CPU, and its side, from the workers'
// waits (capped at 1: a worker's own span is about the window); ok is
// false where no worker recorded its wait. Files of an older ipcbench
// recorded no Interference.RunQueueShare and summed the workers' waits
// (up to 200 %); this is their figure as this ipcbench gives it.
func WorkerRunQueueShare(c Case) (share float64, side string, ok bool) {
	if c.WindowNs <= 0 {
		return 0, "", false
	}
	for _, w := range c.Workers {
		if w.RunQueueWaitNs == nil {
			continue
		}
		if s := min(1, float64(*w.RunQueueWaitNs)/float64(c.WindowNs)); !ok || s > share {
			share, side, ok = s, w.Side, true
		}
	}
	return share, side, ok
}

// upgradeRunQueueFlags rewrites the run-queue NOISY details of the cases
// of a file of an older ipcbench, which gave the workers' waits summed
// ("run-queue wait 103 %"), to the largest worker's share and its side,
// as this ipcbench words them. A case whose largest share is within
// RunQueueLimit loses that flag: no worker waited beyond the limit.
func upgradeRunQueueFlags(f *File) {
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.Interference == nil || c.Interference.RunQueueShare != nil {
			continue
		}
		share, side, ok := WorkerRunQueueShare(*c)
		if !ok {
			continue
		}
		var kept []Flag
		for _, fl := range c.Flags {
			if fl.Name == FlagNoisy && strings.HasPrefix(fl.Detail, "run-queue wait ") {
				if share <= RunQueueLimit {
					continue
				}
				fl.Detail = RunQueueDetail(share, side)
			}
			kept = append(kept, fl)
		}
		c.Flags = kept
	}
}
