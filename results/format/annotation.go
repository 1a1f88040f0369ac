package format

import (
	"fmt"
	"strings"

	"github.com/ipcbench/ipcbench/results/stats"
)

// ChangeAnnotation is the one-line text a dashboard shows for change
// point p: "p50 regression +10.00% [+8.00%, +12.00%], p <0.0001, code change,
// commits abc1234..def5678", and what changed on the host where that
// differs either side. Control characters from other hosts' rows are
// escaped, as on a terminal.
func ChangeAnnotation(p stats.HostChange) string {
	esc := escapeFor(false)
	s := fmt.Sprintf("%s %s %s, p %s, %s change, commits %s", esc(p.Metric), p.Direction, changeInterval(p), changeP(p.P),
		p.Kind, commitRange(p.CommitFrom, p.CommitTo, esc))
	if len(p.HostDifferences) > 0 {
		s += "; " + strings.Join(escAll(p.HostDifferences, esc), "; ")
	}
	return s
}
