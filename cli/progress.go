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

// progress draws a bar on a terminal, and elsewhere (CI logs) prints a
// plain line per case, or with shuffled rounds one per round; a skip or a
// failure is printed once, as it happens. It writes to stderr, so that
// stdout stays the table.
type progress struct {
	w        io.Writer
	terminal bool
	start    time.Time
	cases    int  // cases a round runs
	perRound bool // shuffled rounds: a plain line per round, not per case
	told     map[results.CaseKey]bool
}

// newProgress reports on a run of p.
func newProgress(w io.Writer, terminal bool, p harness.Plan) *progress {
	cases := len(p.Cases())
	shuffled := p.Order != harness.OrderSequential && p.Rounds > 1
	return &progress{w: w, terminal: terminal, start: time.Now(), cases: cases, perRound: shuffled, told: map[results.CaseKey]bool{}}
}

func (p *progress) Start(i, n int, c harness.Case) {
	if !p.terminal {
		return
	}
	const width = 30
	done := width * i / n
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s%s", strings.Repeat("█", done), strings.Repeat("░", width-done), i+1, n,
		results.CaseKey{Transport: c.Transport, Workload: c.Workload, SizeBytes: c.SizeBytes}, p.left(i, n))
}

// left is " ~12s left" after i of n runs, or "" before the first and
// after the last.
func (p *progress) left(i, n int) string {
	if i == 0 || i >= n {
		return ""
	}
	return fmt.Sprintf(" ~%s left", (time.Since(p.start) / time.Duration(i) * time.Duration(n-i)).Round(time.Second))
}

func (p *progress) Done(i, n int, r results.Case) {
	line, ok := p.line(i, n, r)
	if !ok {
		return
	}
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, line)
}

// line is what Done prints after run i of n, if anything.
func (p *progress) line(i, n int, r results.Case) (string, bool) {
	last := i+1 == n
	if r.Status != results.StatusOK {
		if p.told[r.Key()] {
			return "", false
		}
		p.told[r.Key()] = true
		return fmt.Sprintf("[%d/%d] %s: %s: %s", i+1, n, r.Key(), r.Status, r.Reason), true
	}
	switch {
	case p.terminal && !last:
		return "", false // the bar says enough
	case p.perRound && (i+1)%p.cases == 0:
		return fmt.Sprintf("[%d/%d] round %d of %d done, %s%s", i+1, n, (i+1)/p.cases, n/p.cases,
			time.Since(p.start).Round(100*time.Millisecond), p.left(i+1, n)), true
	case p.perRound:
		return "", false
	}
	return fmt.Sprintf("[%d/%d] %s: p50 %s, %s msgs/s", i+1, n, r.Key(), format.Ns(float64(r.Latency.P50Ns)), format.Rate(r.MsgsPerSec)), true
}
