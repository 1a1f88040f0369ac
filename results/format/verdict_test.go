package format

import (
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/stats"
)

func TestWriteVerdict(t *testing.T) {
	c := func(tr string, p50 int64, lo, hi float64) results.Case {
		c := results.Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK,
			CI95: map[string]results.Interval{"p50": {Lo: lo, Hi: hi}}}
		c.Latency.P50Ns = p50
		return c
	}
	f := &results.File{Cases: []results.Case{c("pipe", 1000, 950, 1050), c("unix-stream", 1800, 1700, 1900)}}
	var b strings.Builder
	if err := WriteVerdict(&b, f, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pingpong 64 B, by p50 round trip (lower is better): pipe 1.0µs (fastest)",
		"pipe ran 1.80× faster than unix-stream (95% CI 1.62–2.00×)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("verdict lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteVerdict(&b, f, "unix-stream")
	if !strings.Contains(b.String(), "pipe ran 1.80× faster than unix-stream (baseline) (95% CI 1.62–2.00×)") {
		t.Errorf("against a baseline:\n%s", b.String())
	}
	b.Reset()
	WriteVerdict(&b, &results.File{}, "")
	if b.Len() != 0 {
		t.Errorf("no cases, yet %q", b.String())
	}
}

// TestVerdictSaysTheDepth: a stream ranked without --depth says so, since
// each transport then kept its own buffering; with --depth it names it.
func TestVerdictSaysTheDepth(t *testing.T) {
	f := &results.File{Cases: []results.Case{
		{Transport: "pipe", Workload: "stream", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 1e6},
		{Transport: "shm", Workload: "stream", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 2e6},
		{Transport: "pipe", Workload: "relay", SizeBytes: 64, Status: results.StatusOK, MsgsPerSec: 1e6},
	}}
	for depth, want := range map[int]string{0: "throughput at native depth", 16: "throughput at depth 16"} {
		f.Config.Depth = depth
		for _, v := range stats.Verdicts(f, "") {
			if got := VerdictMetric(v); v.Workload == "stream" && got != want || v.Workload == "relay" && got != "throughput" {
				t.Errorf("depth %d: %s ranked by %q", depth, v.Workload, got)
			}
		}
	}
}
