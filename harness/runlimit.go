package harness

import (
	"math"
	"time"
)

// CaseTeardownSlack is what a case may take beyond its time limit: the
// limit bounds the barrier and the measurement, not the creation of the
// kernel objects before them nor the stopping and reaping of the workers
// after.
const CaseTeardownSlack = 5 * time.Second

// RunLimit is the longest a run of p takes while every case keeps to its
// time limit (Timeout, or the one derived from Warmup and Duration or
// Count), CaseTeardownSlack a case included: each of the Rounds of
// every case, or with pairMatrix (run --pair-matrix) every case on every
// ordered pair of the CPUs this process may use. A process that runs a
// run as its child (ipcbench ab) gives it this long, plus its own margin
// for the run's start and end, before it calls it hung. It saturates at
// the largest time.Duration rather than overflow.
func (p Plan) RunLimit(pairMatrix bool) time.Duration {
	runs := max(1, p.Rounds)
	if pairMatrix {
		n := len(allowedCPUs())
		runs = n * n
	}
	var total time.Duration
	for _, c := range p.Cases() {
		total = saturatingAdd(total, saturatingMul(c.timeout()+CaseTeardownSlack, runs))
	}
	return total
}

func saturatingAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func saturatingMul(d time.Duration, n int) time.Duration {
	if n > 0 && d > math.MaxInt64/time.Duration(n) {
		return math.MaxInt64
	}
	return d * time.Duration(n)
}
