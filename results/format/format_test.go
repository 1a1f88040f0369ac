package format_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

func TestFormats(t *testing.T) {
	f := resultstest.Mixed()
	for _, name := range format.RunFormats {
		var b bytes.Buffer
		if err := format.WriteRun(&b, name, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := b.String()
		for _, want := range []string{"pipe", "tcp", "side b died"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", name, want, out)
			}
		}
	}
	var b bytes.Buffer
	format.WriteTable(&b, f)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[2], "25.0µs") || !strings.HasSuffix(lines[7], "  failed") || strings.Contains(lines[7], "µs") ||
		!strings.Contains(b.String(), "\nfailed tcp stream 64 B: side b died\n") {
		t.Errorf("table rows wrong:\n%s", b.String())
	}
	if err := format.WriteRun(&b, "xml", f); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestTableShowsSampleCountsAndFlags: the sample-count rule and flags in
// every run rendering that words them: the wide table, CSV and Markdown. SelfChecked's case has 1429 samples: p99
// rests on 14 beyond it and p99.9 on 1, both under 100, so both carry
// their count; the figures of every row stay aligned on their last digit.
func TestTableShowsSampleCountsAndFlags(t *testing.T) {
	f := resultstest.SelfChecked()
	var b bytes.Buffer
	if err := format.WriteTableWith(&b, f, format.TableOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, want := range []string{" n=14 ", " n=1 ", "1.4k", "ok NOISY (steal 12 %) OVERHEAD (54 %) DRIFT (-12 %)"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(lines[1], "n=714") {
		t.Errorf("p50 rests on 714 samples beyond it, yet is marked:\n%s", b.String())
	}
	// The skipped row's "-" stands where the ok row's p99 figure ends.
	ok, skipped := []rune(lines[1]), []rune(lines[2])
	end := strings.Index(string(ok), "µs n=14")
	end = len([]rune(string(ok)[:end])) + 1 // the s of µs
	if skipped[end] != '-' {
		t.Errorf("p99 column misaligned: column %d of the skipped row is %q:\n%s", end, skipped[end], b.String())
	}
	if !strings.Contains(b.String(), `"n=13" after a percentile`) {
		t.Errorf("legend does not explain n=:\n%s", b.String())
	}
	b.Reset()
	format.WriteCSV(&b, f)
	csvLines := strings.Split(b.String(), "\n")
	if !strings.HasSuffix(csvLines[0], "samples,p99_tail_samples,p999_tail_samples,overhead_share,drift,lag1_autocorr,flags,depth_msgs,depth_bytes,offered_rate,achieved_rate") ||
		!strings.HasSuffix(csvLines[1], "1429,14,1,0.54,-0.12,-0.31,noisy:steal 12 %; overhead:54 %; drift:-12 %,,,,") {
		t.Errorf("csv lacks the counts and flags:\n%s", b.String())
	}
	b.Reset()
	format.WriteMarkdownTable(&b, f)
	if !strings.Contains(b.String(), "n=14") || !strings.Contains(b.String(), "ok NOISY (steal 12 %)") {
		t.Errorf("markdown lacks the counts and flags:\n%s", b.String())
	}
}
