package format

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/stats"
)

// TestWriteChangesUntrusted: a host name and run id from another host's
// file cannot forge a row or drive the terminal, in the table or in
// Markdown, and every line of the table fits 120 columns.
func TestWriteChangesUntrusted(t *testing.T) {
	evil := "h1\n| forged | row |\x1b[31m"
	p := stats.HostChange{Host: evil, Case: "pipe/pingpong/64 B", Metric: "p50", RunStarted: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC),
		RunID: "run:7\x1b]0;x\x07", CommitFrom: "0123456789abcdef", CommitTo: "fedcba9876543210", Magnitude: 0.2, Lo: 0.15, Hi: 0.25,
		P: 0.0002, Direction: stats.VerdictRegression, Kind: stats.ChangeHost, HostDifferences: []string{"kernel 6.1 → 6.2\nforged"}}
	c := &stats.Changes{Metric: "p50", Points: []stats.HostChange{p}, Series: 1, MinSegment: 5, Alpha: 0.001,
		Groups: []stats.ChangeGroup{{Kind: stats.ChangeHost, CommitFrom: p.CommitFrom, CommitTo: p.CommitTo, Case: p.Case, Metric: "p50",
			Hosts: []string{evil}, HostsRan: 3, Direction: stats.VerdictRegression, Magnitude: 0.2, Points: []int{0}}}}
	for _, f := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := WriteChanges(&b, f, c); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, "\x1b") || strings.Contains(out, "\x07") || strings.Contains(out, "\n| forged") || strings.Contains(out, "\nforged") {
			t.Errorf("%s: untrusted text got through:\n%q", f, out)
		}
		for _, want := range []string{"0123456789ab..fedcba987654", "+20.00% [+15.00%, +25.00%]", "0.0002", "▲ regression"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in\n%s", f, want, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if n := len([]rune(line)); f == "table" && n > 120 {
				t.Errorf("a line of %d columns: %q", n, line)
			}
		}
	}
}
