package format_test

import (
	"testing"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
)

func TestFlagCountsLine(t *testing.T) {
	noisy := func(n int) stats.FlagCount { return stats.FlagCount{Name: "noisy", Files: n} }
	for _, tc := range []struct {
		name string
		cf   stats.CaseFlags
		want string
	}{
		{"one file a side", stats.CaseFlags{Case: "pipe/pingpong/64 B", Base: stats.SideFlags{Files: 1},
			New: stats.SideFlags{Files: 1, Counts: []stats.FlagCount{noisy(1)}}},
			"pipe/pingpong/64 B: new NOISY"},
		{"rounds counted", stats.CaseFlags{Case: "pipe/pingpong/64 B",
			Base: stats.SideFlags{Files: 10, Counts: []stats.FlagCount{noisy(9), {Name: "drift", Files: 3}}},
			New:  stats.SideFlags{Files: 10, Counts: []stats.FlagCount{noisy(10)}}},
			"pipe/pingpong/64 B: base NOISY 9/10, DRIFT 3/10 files; new NOISY 10/10 files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := format.FlagCountsLine(tc.cf); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
