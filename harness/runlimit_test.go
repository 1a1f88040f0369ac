package harness

import (
	"math"
	"testing"
	"time"
)

// TestRunLimit: a run's limit is its case runs' limits, each with the
// teardown slack, and saturates rather than overflows.
func TestRunLimit(t *testing.T) {
	one := Plan{Transports: []string{"pipe"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64},
		Warmup: 50 * time.Millisecond, Duration: time.Second}
	perCase := 10*time.Second + 2*(50*time.Millisecond+time.Second) + CaseTeardownSlack
	two := one
	two.SizesBytes = []int{64, 4096}
	repeated := two
	repeated.Rounds = 3
	counted := one
	counted.Count = 1000
	limited := two
	limited.Timeout = time.Minute
	huge := one
	huge.SizesBytes = make([]int, 1<<14)
	huge.Timeout, huge.Rounds = time.Hour, 1000
	for _, tc := range []struct {
		name string
		p    Plan
		want time.Duration
	}{
		{"one case", one, perCase},
		{"two sizes", two, 2 * perCase},
		{"repeated", repeated, 6 * perCase},
		{"--count", counted, 60*time.Second + 2*50*time.Millisecond + CaseTeardownSlack},
		{"--timeout", limited, 2 * (time.Minute + CaseTeardownSlack)},
		{"saturates", huge, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.RunLimit(false); got != tc.want {
				t.Errorf("RunLimit = %v, want %v", got, tc.want)
			}
		})
	}
	if got, cpus := one.RunLimit(true), len(allowedCPUs()); got != time.Duration(cpus*cpus)*perCase {
		t.Errorf("pair matrix on %d CPUs: RunLimit = %v, want %v", cpus, got, time.Duration(cpus*cpus)*perCase)
	}
}
