// Package resultstest builds synthetic results files with known
// distributions, for tests of aggregation, compare and history.
package resultstest

import (
	"math/rand/v2"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// Case returns an ok pingpong case whose repetitions have the given p50
// latencies in ns; the other metrics follow from p50 (throughput is the
// inverse of p50, p99 twice p50, cpu per message half of it), so that a
// slowdown shows in every metric the same way.
func Case(transport string, sizeBytes int, p50Ns ...float64) results.Case {
	c := results.Case{Transport: transport, Workload: "pingpong", SizeBytes: sizeBytes, Status: results.StatusOK,
		SyscallsPerMsg: 2, CopiesPerMsg: 2}
	for _, p := range p50Ns {
		c.Repetitions = append(c.Repetitions, results.Repetition{
			Messages: 1000, WindowNs: int64(1000 * p),
			P50Ns: p, P90Ns: 1.5 * p, P99Ns: 2 * p, P999Ns: 4 * p, MeanNs: 1.1 * p,
			MsgsPerSec: 2e9 / p, MBPerSec: 2e9 / p * float64(sizeBytes) / 1e6,
			CPUNsPerMsg: p / 2, SyscallsPerMsg: 2, CopiesPerMsg: 2,
		})
	}
	if len(p50Ns) > 0 {
		r := c.Repetitions[len(p50Ns)/2]
		c.Latency = results.Latency{P50Ns: int64(r.P50Ns), P90Ns: int64(r.P90Ns), P99Ns: int64(r.P99Ns),
			P999Ns: int64(r.P999Ns), MeanNs: r.MeanNs}
		c.MsgsPerSec, c.MBPerSec, c.CPUNsPerMsg = r.MsgsPerSec, r.MBPerSec, r.CPUNsPerMsg
	}
	return c
}

// Noisy returns n values around center with a relative spread of ±spread,
// drawn from a generator seeded with seed, so that tests are repeatable.
func Noisy(seed uint64, n int, center, spread float64) []float64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	v := make([]float64, n)
	for i := range v {
		v[i] = center * (1 + spread*(2*r.Float64()-1))
	}
	return v
}

// File wraps cases into a results file started at the given time.
func File(started time.Time, commit string, cases ...results.Case) *results.File {
	return &results.File{Schema: results.Schema, StartedAt: started, FinishedAt: started.Add(time.Minute),
		Host:   results.Host{Hostname: "synthetic", Kernel: "Linux test", Commit: commit},
		Config: results.Config{Repeat: len(cases[0].Repetitions), Label: "L" + commit}, Cases: cases}
}
