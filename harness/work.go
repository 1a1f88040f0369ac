package harness

import (
	"fmt"
	"math"
	"slices"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// doesWork says whether l's loop spins run --work's work after each
// message: the consumer of stream and rate, pingpong's echoer.
func (l *loop) doesWork() bool {
	return l.workIters > 0 && !l.fanin && !l.inPlace && (l.role == workloads.Consumer || l.role == workloads.Echoer)
}

// workCheckBatches and workCheckNs: the check of run --work after the
// window times seven batches of calls, about workCheckNs in all (a work
// longer than a batch is timed once).
const (
	workCheckBatches = 7
	workCheckNs      = 7_000_000
)

// workDoneNs times the work each message got in the window, once, just
// after it: spin(workIters) as the loop calls it, on the same thread and
// CPU, in the thread's CPU time (threadCPUNs), as it was calibrated. It returns the mean per call of the median of workCheckBatches
// batches (a batch the hypervisor or an interrupt took time from is an
// outlier, not the work), or 0 where this side does no work. The loop
// reads no clock around its work, so this is the check that calibration
// still holds.
func (l *loop) workDoneNs() float64 {
	if !l.doesWork() {
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
				Detail: fmt.Sprintf("work %.1f µs per message for %.1f µs asked (%+.0f %%)", r.WorkDoneNs/1e3, float64(c.WorkNs)/1e3, 100*off)})
		}
		return
	}
}
