package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results/resultstest"
)

// TestReportLoadAndDepth: a file with rate cases (whose workload the
// registry need not know) gets a p99-against-offered-load figure, runs at
// several depths a throughput-against-depth figure, and both pages the
// depth column and each transport's highest rate under the SLO.
func TestReportLoadAndDepth(t *testing.T) {
	in := []Input{{Label: "loaded", File: resultstest.Loaded()}, {Label: "native", File: resultstest.DepthRun(0)}, {Label: "deep", File: resultstest.DepthRun(256)}}
	figs, err := Figures(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range figs {
		names[f.Name] = true
	}
	for _, want := range []string{"load-rate-64", "depth-stream-64", "latency-stream"} {
		if !names[want] {
			t.Errorf("no figure %s among %v", want, names)
		}
	}
	if names["latency-rate"] {
		t.Errorf("rate cases plotted against size: %v", names)
	}
	var md, html bytes.Buffer
	if err := WriteMarkdownPage(&md, in, figs, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTMLPage(&html, in, figs, Options{}); err != nil {
		t.Fatal(err)
	}
	for page, out := range map[string]string{"markdown": md.String(), "html": html.String()} {
		for _, want := range []string{"pipe: 200.0k msgs/s under a 1.00ms p99", "sysv-shm: 50.0k msgs/s under a 1.00ms p99",
			"saturated: achieved 82.0k of 200.0k msgs/s", "1024 (native)"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s page lacks %q", page, want)
			}
		}
	}
	if !strings.Contains(md.String(), "| case | depth | p50 |") || !strings.Contains(md.String(), "| sysv-shm/rate@200k/64 B | 16 | | | | | | | | saturated: achieved 82.0k") {
		t.Errorf("markdown summary:\n%s", md.String())
	}
}
