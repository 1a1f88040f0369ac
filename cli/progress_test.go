package cli

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/results"
)

// TestPlainProgress: in a log, shuffled rounds print a line per round and
// each skip once; one round prints a line per case.
func TestPlainProgress(t *testing.T) {
	plan := harness.Plan{Transports: []string{"pipe", "sysv-msg"}, Workloads: []string{"pingpong"}, SizesBytes: []int{64}}
	ok := results.Case{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK}
	skip := results.Case{Transport: "sysv-msg", Workload: "pingpong", SizeBytes: 64, Status: results.StatusSkipped, Reason: "too big"}
	for _, tc := range []struct {
		rounds int
		order  string
		want   []string
	}{
		{3, "", []string{"[1/6] sysv-msg/pingpong/64 B: skipped: too big", "[2/6] round 1 of 3 done", "[4/6] round 2 of 3 done", "[6/6] round 3 of 3 done"}},
		{1, "", []string{"[1/2] sysv-msg/pingpong/64 B: skipped: too big", "[2/2] pipe/pingpong/64 B: p50"}},
		{2, harness.OrderSequential, []string{"[1/4] sysv-msg/pingpong/64 B: skipped: too big", "[2/4] pipe/pingpong/64 B: p50", "[4/4] pipe/pingpong/64 B: p50"}},
	} {
		plan.Rounds, plan.Order = tc.rounds, tc.order
		var b strings.Builder
		p := newProgress(&b, false, plan)
		n := 2 * tc.rounds
		for i := range n {
			r := ok
			if i%2 == 0 {
				r = skip
			}
			p.Done(i, n, r)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) != len(tc.want) {
			t.Errorf("%d rounds %q: %d lines, want %d:\n%s", tc.rounds, tc.order, len(lines), len(tc.want), b.String())
			continue
		}
		for i, w := range tc.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%d rounds %q: line %d %q, want it to start %q", tc.rounds, tc.order, i, lines[i], w)
			}
		}
	}
}
