package stats

import (
	"math"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

func TestVerdicts(t *testing.T) {
	ci := func(lo, hi float64) map[string]results.Interval {
		return map[string]results.Interval{"p50": {Lo: lo, Hi: hi}, "throughput": {Lo: lo, Hi: hi}}
	}
	pp := func(tr string, p50 int64, iv map[string]results.Interval) results.Case {
		c := results.Case{Transport: tr, Workload: "pingpong", SizeBytes: 64, Status: results.StatusOK, CI95: iv}
		c.Latency.P50Ns = p50
		return c
	}
	st := func(tr string, rate float64, status string) results.Case {
		return results.Case{Transport: tr, Workload: "stream", SizeBytes: 64, Status: status, MsgsPerSec: rate}
	}
	f := &results.File{Cases: []results.Case{
		st("pipe", 1e6, results.StatusOK), st("shm", 4e6, results.StatusOK), st("mq", 9e6, results.StatusSkipped),
		pp("pipe", 1800, ci(1700, 1900)), pp("shm", 1000, ci(900, 1100)), pp("unix", 2500, nil),
	}}
	vs := Verdicts(f, "")
	if len(vs) != 2 || vs[0].Workload != "pingpong" || vs[1].Workload != "stream" {
		t.Fatalf("verdicts %+v, want pingpong then stream", vs)
	}
	p := vs[0]
	if !p.LowerBetter || p.Reference != "shm" || p.Baseline || len(p.Standings) != 3 || p.Standings[1].Transport != "pipe" {
		t.Fatalf("pingpong verdict %+v", p)
	}
	if s := p.Standings[1]; math.Abs(s.Times-1.8) > 1e-9 || math.Abs(s.Lo-1700.0/1100) > 1e-9 || math.Abs(s.Hi-1900.0/900) > 1e-9 {
		t.Errorf("pipe's standing %+v, want 1.8× in [1.545, 2.111]", s)
	}
	if s := p.Standings[2]; s.Transport != "unix" || s.Lo != 0 || s.Hi != 0 {
		t.Errorf("unix has no interval: %+v", s)
	}
	s := vs[1]
	if s.LowerBetter || s.Reference != "shm" || len(s.Standings) != 2 || s.Standings[1].Times != 4 {
		t.Errorf("stream verdict %+v: want shm 4× pipe, mq (skipped) left out", s)
	}
	b := Verdicts(f, "pipe")
	if b[0].Reference != "pipe" || !b[0].Baseline || b[0].Standings[1].Transport != "shm" || math.Abs(b[0].Standings[1].Times-1/1.8) > 1e-9 {
		t.Errorf("against --baseline pipe: %+v", b[0])
	}
}

func TestVerdictSaturationRate(t *testing.T) {
	rc := func(tr string, offered float64, p99 int64, status string) results.Case {
		c := results.Case{Transport: tr, Workload: "rate", SizeBytes: 64, Status: status, OfferedRate: offered, HistogramHDR: "x", Samples: 1e6}
		c.Latency.P99Ns = p99
		return c
	}
	f := &results.File{Cases: []results.Case{
		rc("pipe", 1e5, 10_000, results.StatusOK), rc("pipe", 2e5, 2_000_000, results.StatusOK),
		rc("shm", 1e5, 5_000, results.StatusOK), rc("shm", 2e5, 9_000, results.StatusOK), rc("shm", 4e5, 0, results.StatusSaturated),
	}}
	vs := Verdicts(f, "")
	if len(vs) != 1 || vs[0].Metric != BySaturationRate || vs[0].Reference != "shm" || vs[0].Standings[0].Value != 2e5 || vs[0].Standings[1].Times != 2 {
		t.Fatalf("rate verdict %+v: want shm at 200k, 2× pipe's 100k", vs)
	}
}

func TestRank(t *testing.T) {
	got := Rank([]float64{3, 1, 0, 3, 2}, true)
	want := []int{2, 0, -1, 2, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Rank = %v, want %v", got, want)
		}
	}
}
