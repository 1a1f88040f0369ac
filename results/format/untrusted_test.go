package format_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// hostile is what an adversarial results file put in its label, host
// strings, reasons and notes: a newline that forges a table row, an OSC
// sequence that retitles the terminal, an erase-screen, and HTML that runs
// in a page rendered from Markdown.
const hostile = "\n| forged | row |\x1b]0;pwned\x07\x1b[2J<script>alert(1)</script><svg onload=alert(1)>"

// hostileFile returns a run whose every free text is hostile. Validate
// refuses such a file (control characters), but a renderer must not rely
// on that: a store or an extension may hand it one.
func hostileFile(started time.Time, p50Ns float64) *results.File {
	ok := resultstest.Case("pipe", 64, resultstest.Noisy(uint64(p50Ns), 6, p50Ns, 0.03)...)
	ok.Flags = []results.Flag{{Name: results.FlagNoisy, Detail: hostile}}
	f := resultstest.File(started, hostile, ok,
		results.Case{Transport: "tcp", Workload: "stream", SizeBytes: 64, Status: results.StatusFailed, Reason: hostile},
		results.Case{Transport: "pipe", Workload: "rate", SizeBytes: 64, Status: results.StatusSaturated, Reason: hostile,
			OfferedRate: 1e5, AchievedRate: 5e4, Messages: 5e4, MsgsPerSec: 5e4})
	f.Config.Label = hostile
	f.Config.TestSendDelayNs = map[string]int64{"pipe": 1000}
	f.Incomplete = hostile
	h := &f.Host
	h.Hostname, h.Kernel, h.CPUModel, h.Version, h.GoVersion, h.Virtualization, h.ClockSource = hostile, hostile, hostile, hostile, hostile, hostile, hostile
	h.Findings = []results.Finding{{Topic: "load", Name: hostile, Value: hostile, Effect: hostile, Warn: true}}
	f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0}, P50Ns: [][]float64{{0}}, Failures: []string{hostile}}}
	return f
}

// checkSafe fails where out holds a raw control character, a line that
// the hostile newline started, or, in Markdown, markup that a renderer
// would run.
func checkSafe(t *testing.T, what, out string, markdown bool) {
	t.Helper()
	if out == "" {
		t.Fatalf("%s: no output", what)
	}
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("%s holds a raw ESC or BEL:\n%q", what, out)
	}
	if strings.Contains(out, "\n| forged") {
		t.Errorf("%s holds a row forged by a newline:\n%s", what, out)
	}
	if markdown && (strings.Contains(out, "<script") || strings.Contains(out, "<svg")) {
		t.Errorf("%s holds raw markup:\n%s", what, out)
	}
}

// TestUntrustedTextIsEscaped: a label, host name, reason, flag detail or
// note holding a newline, ESC, an OSC sequence or HTML reached the
// terminal and Markdown raw. Every rendering of a run, a comparison, a
// history and a verdict escapes it: textsafe.Terminal for text,
// textsafe.Markdown for Markdown.
func TestUntrustedTextIsEscaped(t *testing.T) {
	f := hostileFile(time.Unix(1e9, 0), 20000)
	for _, name := range []string{"table", "markdown", "benchfmt"} {
		var b bytes.Buffer
		if err := format.WriteRun(&b, name, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSafe(t, "run "+name, b.String(), name == "markdown")
	}
	withCases := *f
	withCases.PairMatrices = nil // a run with matrices renders only them
	for _, name := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := format.WriteRun(&b, name, &withCases); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		checkSafe(t, "run "+name+" of cases", out, name == "markdown")
		if !strings.Contains(out, `\x1b`) || !strings.Contains(out, "pwned") {
			t.Errorf("run %s does not show the reason, escaped:\n%s", name, out)
		}
	}
	var v bytes.Buffer
	if err := format.WriteVerdict(&v, &withCases, ""); err != nil {
		t.Fatal(err)
	}
	checkSafe(t, "verdict", v.String(), false)

	base, newer := hostileFile(time.Unix(1e9, 0), 20000), hostileFile(time.Unix(2e9, 0), 20000)
	base.Host.Hostname, base.Config.Label, base.Host.Commit = "node-1", "main", "c1" // so that they differ
	c := stats.Compare([]*results.File{base}, []*results.File{newer}, stats.CompareOptions{Threshold: 0.05, Alpha: 0.05})
	if len(c.Differences) == 0 || len(c.NotCompared) == 0 {
		t.Fatalf("the comparison lists no difference or case not compared: %+v", c)
	}
	for _, name := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := format.WriteComparison(&b, name, c); err != nil {
			t.Fatal(err)
		}
		checkSafe(t, "compare "+name, b.String(), name == "markdown")
	}

	m, _ := stats.MetricByName("p50")
	h := stats.BuildHistory([]*results.File{base, newer}, []string{"a.json", "b.json"}, m, nil, 0.05, 0.05)
	for _, name := range []string{"table", "markdown"} {
		var b bytes.Buffer
		if err := format.WriteHistory(&b, name, h); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		checkSafe(t, "history "+name, out, name == "markdown")
		if !strings.Contains(out, "pwned") {
			t.Errorf("history %s does not show the label at all:\n%s", name, out)
		}
	}
}

// TestCSVQuotesUntrustedText: CSV is data for tools, so a reason is kept
// as it is but quoted by encoding/csv: its newline cannot start a record.
func TestCSVQuotesUntrustedText(t *testing.T) {
	f := hostileFile(time.Unix(1e9, 0), 20000)
	f.Cases[1].Reason = hostile + `, "quoted", and more`
	var b bytes.Buffer
	if err := format.WriteCSV(&b, f); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(f.Cases) {
		t.Fatalf("%d records for %d cases: a reason forged one", len(recs), len(f.Cases))
	}
	reason := slices.Index(recs[0], "reason")
	if recs[2][reason] != f.Cases[1].Reason {
		t.Errorf("reason read back as %q, want %q", recs[2][reason], f.Cases[1].Reason)
	}
}
