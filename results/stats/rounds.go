package stats

import (
	"slices"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/workloads"
)

// RoundFactors is how slow the host ran in each round of f, all cases
// together: for each round, the median over the ok cases of the case's
// time per message in that round (its p50 round trip, or the inverse of
// its throughput) over the case's median across rounds. 1.25 is a round
// in which cases typically took 25 % longer than their median. Cases
// run once per round in shuffled order, so a change of the host's speed
// that lasts for seconds shows in every case of those rounds alike,
// while a case's own spread does not. Nil for a file of fewer than two
// rounds, or without cases of every round.
func RoundFactors(f *results.File) []float64 {
	rounds := f.Config.Repeat
	if rounds < 2 {
		return nil
	}
	per := make([][]float64, rounds)
	for _, c := range f.Cases {
		ratios, ok := caseRoundRatios(c, rounds)
		if !ok {
			continue
		}
		for r, x := range ratios {
			per[r] = append(per[r], x)
		}
	}
	if len(per[0]) == 0 {
		return nil
	}
	out := make([]float64, rounds)
	for r, xs := range per {
		out[r] = summarizeValues(xs).Median
	}
	return out
}

// caseRoundRatios is c's time per message in each of its rounds over
// its median; false for a case that is not ok, ran at an offered rate,
// or lacks a round.
func caseRoundRatios(c results.Case, rounds int) ([]float64, bool) {
	if c.Status != results.StatusOK || c.OfferedRate > 0 || len(c.Repetitions) != rounds {
		return nil, false
	}
	d, _ := workloads.Lookup(c.Workload)
	times := make([]float64, rounds)
	for i, r := range c.Repetitions {
		switch {
		case d.Latency == workloads.RoundTrip:
			times[i] = r.P50Ns
		case r.MsgsPerSec > 0:
			times[i] = 1 / r.MsgsPerSec
		}
		if !(times[i] > 0) {
			return nil, false
		}
	}
	med := summarizeValues(slices.Clone(times)).Median
	for i := range times {
		times[i] /= med
	}
	return times, true
}

// HostSpeedLimit is how far apart the slowest and fastest rounds'
// RoundFactors may be before a run's table says the host changed speed
// during it: beyond it, a ratio between two transports that a slow spell
// slows unequally (one waits for wake-ups, the other spins) moves with
// the mix of spells the run happened to sample. On an idle 2-vCPU KVM
// guest, a default run that kept one speed spread 0.94-1.12 (19 %); the
// next, whose first two rounds were fast, 0.79-1.12 (42 %).
const HostSpeedLimit = 0.25
