package harness

import (
	"fmt"
	"math"
	"slices"

	"github.com/ipcbench/ipcbench/results"
)

// workCheckBatches and workCheckNs: the check of run --work after the
// window times seven batches of calls, about workCheckNs in all (a work
// longer than a batch is timed once).
const (
	workCheckBatches = 7
	workCheckNs      = 7_000_000
)

// workDoneNs times the work each message got in the window, once, just
// after it: spin(workIters) as the loop calls it, on the same thread and
// CPU, in the thread's CPU time (threadCPUNs), as it was calibrated. It
// returns the mean per call of the median of workCheckBatches
// batches (a batch the hypervisor or an interrupt took time from is an
// outlier, not the work), or 0 where this side does no work. The loop
// reads no clock around its work, so this is the check that calibration
// still holds.
func (l *loop) workDoneNs() float64 {
	if l.workIters == 0 {
		return 0
	}
	t0 := threadCPUNs()
	spinSink = spin(l.workIters)
	firstNs := max(1, threadCPUNs()-t0)
	if firstNs >= workCheckNs/workCheckBatches {
		return float64(firstNs) // a long work: one call is the check
	}
	calls := min(workCheckNs/workCheckBatches/firstNs, 100_000) // a batch
	var batches [workCheckBatches]int64
	for i := range batches {
		t0 := threadCPUNs()
		for range calls {
			spinSink = spin(l.workIters)
		}
		batches[i] = threadCPUNs() - t0
	}
	slices.Sort(batches[:])
	return float64(batches[len(batches)/2]) / float64(calls)
}

// summarizeWork records the work the consumer (or echoer) did per
// message, as timed after its window, and flags WORK where it differs
// from run --work by more than results.WorkLimit: the figures then hold
// a different work than the one recorded in the config.
func summarizeWork(c Case, reps []Report, out *results.Case) {
	if c.WorkNs <= 0 {
		return
	}
	for _, r := range reps {
		if r.WorkDoneNs <= 0 {
			continue
		}
		out.WorkMeasuredNs = r.WorkDoneNs
		if off := r.WorkDoneNs/float64(c.WorkNs) - 1; math.Abs(off) > results.WorkLimit {
			out.Flags = append(out.Flags, results.Flag{Name: results.FlagWork,
				Detail: fmt.Sprintf("work %.1f µs per message for %.1f µs asked (%s)", r.WorkDoneNs/1e3, float64(c.WorkNs)/1e3, results.ChangeText(off))})
		}
		return
	}
}

// spinSink keeps spin's result live, so that the compiler cannot drop it.
var spinSink uint64

// spin is the consumer's work: n rounds of a xorshift, each depending on
// the last, so that neither the compiler nor the CPU can skip or overlap
// them. It reads no clock: its length is set by calibration.
//
//go:noinline
func spin(n uint64) uint64 {
	x := uint64(0x9E3779B97F4A7C15)
	for ; n > 0; n-- {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spinItersPerNs calibrates spin on this worker's CPU, once, before the
// warm-up: the median of seven 1M-round runs (about 2 ms each), a run as
// the loop meets the work; the fastest, the luckiest run, set a 20 µs
// work that ran 20.1-21.4 µs. The runs are timed in this thread's CPU
// time, so that a host busy enough to preempt most of them (the median of
// wall times then set a 50 µs work that ran 8 µs) does not shorten the
// work. A CPU that changes its clock after calibration
// (turbo, thermal limits, a VM's steal) changes the work's length with
// it; a clock-checked spin would put a clock read in every iteration
// instead, so the work is timed again after the window (workDoneNs) and
// recorded, and flagged where it is off.
func spinItersPerNs() float64 {
	const n = 1 << 20
	var runs [7]int64
	spinSink = spin(n) // warm up the frequency and the caches
	for i := range runs {
		t0 := threadCPUNs()
		spinSink = spin(n)
		runs[i] = max(1, threadCPUNs()-t0)
	}
	slices.Sort(runs[:])
	return float64(n) / float64(runs[len(runs)/2])
}
