package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// RunPairMatrix runs every case of the plan once per ordered pair of the
// CPUs this process may use, side a on the row's CPU and side b on the
// column's, as the Cambridge ipc-bench does, and returns the matrices of
// p50 latency. It stops early when ctx ends.
func RunPairMatrix(ctx context.Context, p Plan, progress Progress) *results.File {
	f := newResultsFile(p)
	cpus := allowedCPUs()
	f.Config.CPUs, f.Config.Placement = nil, fmt.Sprintf("pair matrix: each case on every ordered pair of CPUs %v", cpus)
	cases := p.Cases()
	n, k := len(cases)*len(cpus)*len(cpus), 0
	for _, c := range cases {
		m := results.PairMatrix{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes, CPUs: cpus}
		for _, a := range cpus {
			row := make([]float64, len(cpus))
			for j, b := range cpus {
				if ctx.Err() != nil {
					f.Incomplete = fmt.Sprintf("interrupted (%v) after %d of %d case runs", context.Cause(ctx), k, n)
					f.PairMatrices = append(f.PairMatrices, m)
					f.FinishedAt = time.Now().UTC()
					return f
				}
				pc := c
				pc.CPUs = []int{a, b}
				if progress != nil {
					progress.Start(k, n, pc)
				}
				r := RunCase(ctx, pc)
				if progress != nil {
					progress.Done(k, n, r)
				}
				k++
				if r.Status == results.StatusOK {
					row[j] = float64(r.Latency.P50Ns)
				} else {
					m.Failures = append(m.Failures, fmt.Sprintf("CPUs %d,%d: %s: %s", a, b, r.Status, r.Reason))
				}
			}
			m.P50Ns = append(m.P50Ns, row)
		}
		f.PairMatrices = append(f.PairMatrices, m)
	}
	f.FinishedAt = time.Now().UTC()
	return f
}

// allowedCPUs lists the CPUs this process may run on.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return []int{0}
	}
	var out []int
	for c := 0; c < 1024 && len(out) < set.Count(); c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out
}
