package stats_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

func TestEffectiveSamples(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		rho  float64
		want float64
	}{
		{1000, 0, 1000},
		{1000, 0.5, 1000.0 / 3},
		{200_000, 0.99, 200_000 * 0.01 / 1.99},
		{1000, 1, 0},
		{1000, -0.3, 1000}, // alternating samples are not worth more than were taken
	} {
		if got := stats.EffectiveSamples(tc.n, tc.rho); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("EffectiveSamples(%d, %g) = %g, want %g", tc.n, tc.rho, got, tc.want)
		}
	}
}

// TestThinTailCountsIndependentSamples: the tail rule counts samples as
// independent ones. A 200k msgs/s rate case with lag-1 autocorrelation
// 0.99 has 200 samples beyond its p99.9, which are two or three stalls:
// it is thin, and says why; the same count of independent samples is not.
func TestThinTailCountsIndependentSamples(t *testing.T) {
	p999 := stats.Metric{Name: "p999"}
	for _, tc := range []struct {
		name    string
		samples uint64
		rho     float64
		tail    float64
		why     string
	}{
		{"independent", 200_000, 0, 200, ""},
		{"alternating", 200_000, -0.3, 200, ""},
		{"a stall's samples follow each other", 200_000, 0.99, 200 * 0.01 / 1.99, "p999 rests on 1 independent samples beyond it (lag-1 autocorrelation 0.99), fewer than 100"},
		{"queued, and long enough", 600_000, 0.5, 200, ""},
		{"queued, too short", 600_000, 0.9, 600 * 0.1 / 1.9, "p999 rests on 32 independent samples"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := results.Case{Samples: tc.samples, Lag1Autocorr: tc.rho}
			tail, known, why := stats.ThinTail(c, p999)
			if !known || math.Abs(tail-tc.tail) > 1e-6 || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
				t.Errorf("ThinTail = %g, %v, %q; want %g, known, %q", tail, known, why, tc.tail, tc.why)
			}
		})
	}
}

// TestCompareRefusesCorrelatedTails: a p99.9 over 100 samples beyond it
// in each repetition is gated where the samples are independent, and
// untested where they follow each other (lag-1 autocorrelation 0.99).
func TestCompareRefusesCorrelatedTails(t *testing.T) {
	file := func(seed uint64, scale, rho float64) *results.File {
		f := resultstest.Table(seed, 1, 6, scale, 0.03)
		for i := range f.Cases[0].Repetitions {
			f.Cases[0].Repetitions[i].Samples = 100_000
		}
		f.Cases[0].Samples, f.Cases[0].Lag1Autocorr = 6*100_000, rho
		return f
	}
	opt := defaults
	opt.Metrics, _ = stats.ParseMetrics([]string{"p50", "p999"})
	for _, tc := range []struct {
		rho  float64
		want string
	}{{0, "regression"}, {0.99, "untested"}} {
		c := stats.Compare([]*results.File{file(1, 1, tc.rho)}, []*results.File{file(2, 1.2, tc.rho)}, opt)
		for _, d := range c.Deltas {
			if want := map[string]string{"p50": "regression", "p999": tc.want}[d.Metric]; d.Verdict != want {
				t.Errorf("lag-1 autocorrelation %g, %s: verdict %s (%s), want %s", tc.rho, d.Metric, d.Verdict, d.Reason, want)
			}
		}
	}
}
