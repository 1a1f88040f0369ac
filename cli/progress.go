package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ipcbench/ipcbench/harness"
	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
)

// progress draws a bar on a terminal and prints one plain line per case
// elsewhere (CI logs), on stderr so that stdout stays the table.
type progress struct {
	w        io.Writer
	terminal bool
	start    time.Time
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, start: time.Now()}
}

func (p *progress) Start(i, n int, c harness.Case) {
	if !p.terminal {
		return
	}
	const width = 30
	done := width * i / n
	eta := ""
	if i > 0 {
		left := time.Since(p.start) / time.Duration(i) * time.Duration(n-i)
		eta = fmt.Sprintf(" ~%s left", left.Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s%s", strings.Repeat("█", done), strings.Repeat("░", width-done), i+1, n, results.CaseKey{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes}, eta)
}

func (p *progress) Done(i, n int, r results.Case) {
	line := fmt.Sprintf("[%d/%d] %s: ", i+1, n, r.Key())
	switch r.Status {
	case results.StatusOK:
		line += fmt.Sprintf("p50 %s, %s msgs/s", format.Ns(float64(r.Latency.P50Ns)), format.Rate(r.MsgsPerSec))
	default:
		line += r.Status + ": " + r.Reason
	}
	if p.terminal {
		if r.Status == results.StatusOK && i+1 < n {
			return // the bar says enough
		}
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, line)
}
