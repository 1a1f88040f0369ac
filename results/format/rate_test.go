package format_test

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// TestFormatDepthAndRate: depths and rates in the run table, Markdown and
// CSV: a DEPTH column only where a file records depths, native depths
// marked, a saturated case with its achieved rate and no latency, and the
// saturation rate per transport.
func TestFormatDepthAndRate(t *testing.T) {
	var b bytes.Buffer
	wide := format.TableOptions{Wide: true}
	if err := format.WriteTableWith(&b, resultstest.Loaded(), wide); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	for _, tc := range []struct {
		line int
		want *regexp.Regexp
	}{
		{0, regexp.MustCompile(`COPIES/MSG +DEPTH  STATUS$`)},
		{1, regexp.MustCompile(`pipe +stream .* 16  ok$`)},
		{5, regexp.MustCompile(`pipe +rate .* 16  ok: achieved 199\.8k of 200\.0k msgs/s$`)},
		{9, regexp.MustCompile(`^sysv-shm +rate +64 B +82\.0k +5\.2 +- +- +- +- +- .* 16  saturated: achieved 82\.0k of 200\.0k msgs/s$`)},
	} {
		if !tc.want.MatchString(lines[tc.line]) {
			t.Errorf("line %d = %q, want %v", tc.line, lines[tc.line], tc.want)
		}
	}
	for _, want := range []string{"--depth 16: ", "--work 20.0µs: ", "on a poisson schedule",
		"  pipe: 200.0k msgs/s under a 1.00ms p99, failing at 400.0k (p99 3ms)\n", "  sysv-shm: 50.0k msgs/s under a 1.00ms p99, failing at 200.0k (saturated)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	// Without --depth, each transport's own buffering, marked.
	b.Reset()
	format.WriteTableWith(&b, resultstest.DepthRun(0), wide)
	if line := strings.Split(b.String(), "\n")[1]; !regexp.MustCompile(`pipe +stream .* 1024 \(native\)  ok$`).MatchString(line) {
		t.Errorf("native depth row = %q", line)
	}

	b.Reset()
	format.WriteMarkdownTable(&b, resultstest.Loaded())
	md := strings.Split(b.String(), "\n")
	if !strings.HasSuffix(md[0], "| copies/msg | depth | status |") || strings.Count(md[1], "|") != strings.Count(md[0], "|") {
		t.Errorf("Markdown header:\n%s\n%s", md[0], md[1])
	}

	// A file of an older ipcbench records no depth: no column.
	b.Reset()
	format.WriteTable(&b, resultstest.Mixed())
	if strings.Contains(b.String(), "DEPTH") {
		t.Errorf("depth column in a file without depths:\n%s", b.String())
	}
}

func TestFormatCSVDepthAndRate(t *testing.T) {
	records := func(f *results.File) [][]string {
		var b bytes.Buffer
		format.WriteCSV(&b, f)
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	recs := records(resultstest.Loaded())
	head := recs[0]
	if got := head[len(head)-4:]; !slices.Equal(got, []string{"depth_msgs", "depth_bytes", "offered_rate", "achieved_rate"}) {
		t.Fatalf("last columns %q", got)
	}
	col := func(rec []string, name string) string { return rec[slices.Index(head, name)] }
	native, saturated := records(resultstest.DepthRun(0))[1], recs[9]
	if col(native, "depth_msgs") != "1024" || col(native, "depth_bytes") != "65536" || col(native, "offered_rate") != "" {
		t.Errorf("stream row %q", native)
	}
	if col(saturated, "status") != results.StatusSaturated || col(saturated, "p99_ns") != "" || col(saturated, "msgs_per_sec") != "82000" ||
		col(saturated, "offered_rate") != "200000" || col(saturated, "achieved_rate") != "82000" {
		t.Errorf("saturated row %q", saturated)
	}
}

func TestSaturations(t *testing.T) {
	f := resultstest.Loaded()
	if got, want := format.SaturationTexts(f), []string{"pipe: 200.0k msgs/s under a 1.00ms p99, failing at 400.0k (p99 3ms)",
		"sysv-shm: 50.0k msgs/s under a 1.00ms p99, failing at 200.0k (saturated)"}; !slices.Equal(got, want) {
		t.Errorf("SaturationTexts = %q, want %q", got, want)
	}
	f.Config.SLONs = 50_000 // 50 µs: only pipe at 10k stays under
	if got, want := format.SaturationTexts(f), []string{"pipe: 10.0k msgs/s under a 50.0µs p99, failing at 50.0k (p99 90µs)",
		"sysv-shm: none under a 50.0µs p99, failing at 10.0k (p99 60µs)"}; !slices.Equal(got, want) {
		t.Errorf("SaturationTexts = %q, want %q", got, want)
	}
	f.Cases[len(f.Cases)-1].SizeBytes = 4096 // rate cases at two sizes: each named
	if got := format.SaturationTexts(f); len(got) != 3 || got[2] != "sysv-shm rate 4 KiB: none under a 50.0µs p99, failing at 400.0k (saturated)" {
		t.Errorf("SaturationTexts at two sizes = %q", got)
	}
	if got := format.SaturationTexts(resultstest.Mixed()); len(got) != 0 {
		t.Errorf("SaturationTexts without rate cases = %q", got)
	}
}

// TestSaturationTextSaysWhatDidNotCount: a pass above the first failing
// rate and a rate on a thin p99 are named, not counted.
func TestSaturationTextSaysWhatDidNotCount(t *testing.T) {
	f := resultstest.Loaded()
	for i, c := range f.Cases {
		switch {
		case c.Transport == "pipe" && c.OfferedRate == 50e3: // over the SLO, below a pass at 200k
			f.Cases[i].Latency.P99Ns = 2e6
		case c.Transport == "pipe" && c.OfferedRate == 10e3: // 10 samples beyond p99
			f.Cases[i].Samples = 1000
		}
	}
	want := "pipe: none under a 1.00ms p99, failing at 50.0k (p99 2ms); 200.0k passed above it, not counted; " +
		"10.0k not judged (no latency, or p99 on fewer than 100 samples beyond it)"
	if got := format.SaturationTexts(f); len(got) != 2 || got[0] != want {
		t.Errorf("SaturationTexts = %q, want %q first", got, want)
	}
}

// TestRateStatusShowsSendLateness: a rate case says how late its pacer sent.
func TestRateStatusShowsSendLateness(t *testing.T) {
	c := resultstest.Loaded().Cases[6]
	c.SendLateness = &results.SendLateness{P50Ns: 300, P99Ns: 1200, MaxNs: 50_000}
	if got, want := format.RateStatus(c), "ok: achieved 10.0k of 10.0k msgs/s, sent p99 1.2µs late"; got != want {
		t.Errorf("RateStatus = %q, want %q", got, want)
	}
}

// TestSaturationTextWordsABacklog: a rate that failed on a growing backlog
// says by how much its p50 rose.
func TestSaturationTextWordsABacklog(t *testing.T) {
	s := stats.Saturation{Transport: "pipe", SLONs: 1e6, FailedAt: 9800, FailedWhy: stats.RateFailure{BacklogRiseNs: 1_234_567}}
	want := "pipe: none under a 1.00ms p99, failing at 9.8k (backlog growing, p50 up at least 1.235ms through the window)"
	if got := format.SaturationText(s, false); got != want {
		t.Errorf("SaturationText = %q, want %q", got, want)
	}
}
