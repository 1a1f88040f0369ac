package format

import (
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

// NoiseNotes are the lines the run table prints under its tables about
// the host: each busy-host finding (NOISY HOST) and how far its speed
// moved between rounds (HOST SPEED), for a report to put at its top.
func NoiseNotes(f *results.File) []string { return narrowNoiseNotes(f) }

// ThinMark is what follows a percentile resting on too few samples beyond
// it, " n=13", or "".
func ThinMark(c results.Case, metric string) string { return thinMark(c, metric) }

// VerdictText is one verdict as WriteVerdict words it, each line
// unwrapped: the head, the lead (winner or tie, figure, rounds won,
// cost) and the ranking ("" with one transport).
type VerdictText struct{ Head, Lead, Ranking string }

// VerdictTexts words vs as WriteVerdict does, for a page that wraps
// lines itself, with the legend of what applies.
func VerdictTexts(vs []stats.Verdict) (texts []VerdictText, legend []string) {
	for _, v := range vs {
		t := VerdictText{Head: verdictHead(v), Lead: joinPieces(verdictLead(v))}
		if len(v.Standings) > 1 {
			t.Ranking = joinPieces(verdictRanking(v))
		}
		texts = append(texts, t)
	}
	return texts, verdictLegend(vs)
}

// joinPieces joins pieces as wrapPieces does, on one line: a piece that
// starts with ", " (no interval to separate by) ends the one before.
func joinPieces(pieces []string) string {
	var b strings.Builder
	for i, p := range pieces {
		switch {
		case strings.HasPrefix(p, ", "):
			b.WriteString(p)
		case i > 0:
			b.WriteString(" " + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}
