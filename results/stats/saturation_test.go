package stats

import (
	"slices"
	"testing"

	"github.com/ipcbench/ipcbench/results"
)

// rateCase is an ok rate case of a 10 s window that timed every message
// it achieved, with its p50, p99 and drift.
func rateCase(tr string, offered, achieved float64, p50, p99 int64, drift float64) results.Case {
	return results.Case{Transport: tr, Workload: "rate", SizeBytes: 64, Status: results.StatusOK,
		OfferedRate: offered, AchievedRate: achieved, MsgsPerSec: achieved, HistogramHDR: "x", Samples: uint64(10 * achieved),
		Latency: results.Latency{P50Ns: p50, P99Ns: p99}, Drift: drift}
}

// unixDgramSweep is `run --transports unix-dgram --workloads rate --work
// 100us --rate 9k,9.5k,9.8k,10k,10.2k` on a 2-vCPU VM whose consumer
// carries about 9.5k msgs/s, as an ipcbench that judged saturation by the
// 5 % rule alone wrote it: 9.8k and 10k "ok" with their backlog growing
// through the window (DRIFT +343 % and +177 %), 10.2k saturated.
func unixDgramSweep() *results.File {
	sat := rateCase("unix-dgram", 10200, 9300, 0, 0, 0)
	sat.Status, sat.Latency, sat.HistogramHDR, sat.Samples = results.StatusSaturated, results.Latency{}, "", 0
	return &results.File{Config: results.Config{SLONs: 100e6}, Cases: []results.Case{ // a 100 ms SLO: every p99 under it
		rateCase("unix-dgram", 9000, 9000, 300e3, 900e3, 0.05),
		rateCase("unix-dgram", 9500, 9480, 1e6, 4e6, 0.30),
		rateCase("unix-dgram", 9800, 9500, 15e6, 35.7e6, 3.43),
		rateCase("unix-dgram", 10000, 9550, 20e6, 48.4e6, 1.77),
		sat,
	}}
}

// TestBacklogOnTheUnixDgramSweep: 9.8k and 10k offered, which the 5 %
// rule passed, fail as a growing backlog, and the saturation rate is 9.5k,
// not 10k; the stable cases below capacity pass.
func TestBacklogOnTheUnixDgramSweep(t *testing.T) {
	f := unixDgramSweep()
	for _, c := range f.Cases {
		_, growing := Backlog(c)
		if want := c.OfferedRate == 9800 || c.OfferedRate == 10000; growing != want {
			t.Errorf("%.0f msgs/s, drift %+.0f %%: backlog growing %v, want %v", c.OfferedRate, 100*c.Drift, growing, want)
		}
		j, why := JudgeRate(c, SLONs(f))
		if want := c.OfferedRate <= 9500; (j == RatePasses) != want {
			t.Errorf("%.0f msgs/s: judged %d (%+v), passes want %v", c.OfferedRate, j, why, want)
		}
	}
	s := Saturations(f)
	if len(s) != 1 || s[0].RatePerSec != 9500 || s[0].FailedAt != 9800 || len(s[0].PassedAbove) != 0 {
		t.Fatalf("saturations %+v, want 9.5k, failing at 9.8k", s)
	}
	vs := Verdicts(f, "")
	if len(vs) != 1 || vs[0].Metric != BySaturationRate || vs[0].Standings[0].Value != 9500 {
		t.Errorf("verdicts %+v, want unix-dgram's saturation rate 9.5k", vs)
	}
}

// TestSaturationNeedsEveryRateBelowToPass: a noisy pass above a failing
// rate does not count, and a rate whose p99 rests on a thin tail is left
// out rather than passed or failed.
func TestSaturationNeedsEveryRateBelowToPass(t *testing.T) {
	thin := rateCase("pipe", 5e3, 5e3, 20e3, 2e6, 0)
	thin.Samples = 5000 // 50 samples beyond p99 (a 1 s window): not judged, though over the SLO
	f := &results.File{Cases: []results.Case{
		rateCase("pipe", 10e3, 10e3, 20e3, 400e3, 0),
		thin,
		rateCase("pipe", 30e3, 30e3, 20e3, 900e3, 0),
		rateCase("pipe", 20e3, 20e3, 20e3, 1.5e6, 0), // over the 1 ms default SLO
		rateCase("pipe", 40e3, 40e3, 20e3, 800e3, 0), // a pass above the failure
	}}
	s := Saturations(f)
	if len(s) != 1 {
		t.Fatalf("saturations %+v", s)
	}
	got := s[0]
	if got.RatePerSec != 10e3 || got.FailedAt != 20e3 || !slices.Equal(got.PassedAbove, []float64{30e3, 40e3}) ||
		!slices.Equal(got.Unjudged, []float64{5e3}) || got.SLONs != DefaultSLONs {
		t.Errorf("saturation %+v: want 10k, failing at 20k, 30k and 40k passed above it, 5k not judged", got)
	}
	if j, _ := JudgeRate(thin, DefaultSLONs); j != RateUnjudged {
		t.Errorf("a thin p99: judged %d", j)
	}
	if vs := Verdicts(f, ""); len(vs) != 1 || vs[0].Standings[0].Value != 10e3 {
		t.Errorf("verdict %+v, want pipe at 10k", vs)
	}
}
