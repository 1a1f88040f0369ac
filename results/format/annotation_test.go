package format

import (
	"testing"

	"github.com/ipcbench/ipcbench/results/stats"
)

func TestChangeAnnotation(t *testing.T) {
	for _, tc := range []struct {
		p    stats.HostChange
		want string
	}{
		{stats.HostChange{Metric: "p50", Direction: stats.VerdictRegression, Magnitude: 0.1, Lo: 0.08, Hi: 0.12, P: 1e-6, Kind: stats.ChangeCode,
			CommitFrom: "abcdef1234567890", CommitTo: "0123456789abcdef"},
			"p50 regression +10.00% [+8.00%, +12.00%], p <0.0001, code change, commits abcdef123456..0123456789ab"},
		{stats.HostChange{Metric: "msgs_per_sec", Direction: stats.VerdictImprovement, Magnitude: 0.05, P: 0.0004, Kind: stats.ChangeHost,
			CommitFrom: "c1", CommitTo: "c1", HostDifferences: []string{"kernel 6.1 → 6.2", "THP \x1b[2Jnever"}},
			"msgs_per_sec improvement +5.00%, p 0.0004, host change, commits c1; kernel 6.1 → 6.2; THP \\x1b[2Jnever"},
	} {
		if got := ChangeAnnotation(tc.p); got != tc.want {
			t.Errorf("ChangeAnnotation(%+v) =\n%q, want\n%q", tc.p, got, tc.want)
		}
	}
}
