package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// hostile is what an adversarial results file put in its label, host
// strings and reasons: a newline that forges a table row, an OSC sequence,
// an erase-screen, and HTML that runs in a page rendered from Markdown.
const hostile = "\n| forged | row |\x1b]0;pwned\x07\x1b[2J<script>alert(1)</script><svg onload=alert(1)>"

// hostileInputs are two runs, the first labelled and described by hostile
// text throughout (as a store or a planted file name may hand the report
// one), the second plain, so that the plots draw a legend of labels.
func hostileInputs() []Input {
	f := resultstest.Table(1, 2, 6, 1, 0.03)
	f.Config.Label, f.Incomplete = hostile, hostile
	h := &f.Host
	h.Hostname, h.Kernel, h.CPUModel, h.Commit, h.Version, h.GoVersion = hostile, hostile, hostile, hostile, hostile, hostile
	f.Cases = append(f.Cases, results.Case{Transport: "tcp", Workload: "pingpong", SizeBytes: 64, Status: results.StatusFailed, Reason: hostile})
	f.PairMatrices = []results.PairMatrix{{Transport: "pipe", Workload: "pingpong", SizeBytes: 64, CPUs: []int{0}, P50Ns: [][]float64{{0}}, Failures: []string{hostile}}}
	g := resultstest.Table(2, 2, 6, 1, 0.03)
	g.StartedAt = g.StartedAt.Add(time.Hour)
	return []Input{{Label: hostile, File: f}, {Label: "plain", File: g}}
}

// TestReportEscapesUntrustedText: <script> and <svg onload=…> in a label
// reached report.md unescaped. The Markdown page escapes every text of
// its inputs (textsafe.Markdown); the HTML page is escaped by html/template
// and its control characters by textsafe.Terminal; each SVG, rendered by
// gonum, is well-formed XML with the label as text.
func TestReportEscapesUntrustedText(t *testing.T) {
	in := hostileInputs()
	figs, err := Figures(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var md, page bytes.Buffer
	if err := WriteMarkdownPage(&md, in, figs, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTMLPage(&page, in, figs, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"report.md": md.String(), "index.html": page.String()} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s holds a raw ESC or BEL", name)
		}
		if strings.Contains(out, "<script") || strings.Contains(out, "<svg onload") {
			t.Errorf("%s holds the file's markup raw", name)
		}
		if !strings.Contains(out, "pwned") {
			t.Errorf("%s does not show the label at all", name)
		}
	}
	if out := md.String(); strings.Contains(out, "\n| forged") || strings.Contains(out, "<svg") {
		t.Errorf("report.md holds a forged row or raw markup:\n%s", out)
	}
	legends := 0
	for _, f := range figs {
		if bytes.ContainsAny(f.SVG, "\x1b\x07") || bytes.Contains(f.SVG, []byte("<script")) || bytes.Contains(f.SVG, []byte("<svg onload")) {
			t.Errorf("figure %s: the SVG holds the label raw", f.Name)
		}
		if bytes.Contains(f.SVG, []byte("pwned")) {
			legends++
		}
		dec := xml.NewDecoder(bytes.NewReader(f.SVG))
		for {
			if _, err := dec.Token(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("figure %s: not well-formed XML: %v", f.Name, err)
				}
				break
			}
		}
	}
	if legends == 0 {
		t.Error("no figure names the runs in its legend: the test checks nothing")
	}
}

// TestLabelsEscapeFileNames: a report names its inputs after their files,
// and a file in a shared directory is named by whoever made it.
func TestLabelsEscapeFileNames(t *testing.T) {
	got := Labels([]string{"/tmp/r/\x1b]0;pwned\x07.json", "/tmp/r/<script>.json"})
	if got[0] != `\x1b]0;pwned\a` || got[1] != "<script>" {
		t.Errorf("Labels = %q", got)
	}
}
