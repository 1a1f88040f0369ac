package stats_test

import (
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

// oneCaseSlower is a default-sized run of 52 cases compared on p50,
// throughput and cpu, with one case 30 % slower in every repetition of
// the new side: the regression a gate once passed.
func oneCaseSlower(t *testing.T, seed uint64, reps int, scale float64) *stats.Comparison {
	t.Helper()
	opt := defaults
	var err error
	if opt.Metrics, err = stats.ParseMetrics([]string{"p50", "throughput", "cpu"}); err != nil {
		t.Fatal(err)
	}
	base := resultstest.Table(seed, 52, reps, 1, 0.03)
	newer := resultstest.Table(seed+1, 52, reps, 1, 0.03)
	slow := resultstest.Table(seed+2, 52, reps, scale, 0.03)
	newer.Cases[7] = slow.Cases[7]
	newer.Cases[7].Transport = "t7"
	return stats.Compare([]*results.File{base}, []*results.File{newer}, opt)
}

// TestCompareOneCaseRegressionIsNeverPassed: at 6+6 repetitions no U test
// p-value can survive a correction over 52 cases for one case alone, so
// the comparison must not say "No regressions": it is untested, and says
// how many repetitions would test it. With that many, the same 30 %
// slowdown of one case is flagged, and an A/A passes.
func TestCompareOneCaseRegressionIsNeverPassed(t *testing.T) {
	six := oneCaseSlower(t, 1, 6, 1.3)
	if six.Regressions() != 0 || !six.Untested() || six.TestedCases != 0 {
		t.Fatalf("6+6: %d regressions, %d of %d cases tested, untested %v; want 0 regressions and every case untested",
			six.Regressions(), six.TestedCases, six.MatchedCases, six.Untested())
	}
	need := six.NeedSamples
	if need <= 6 || need > 10 {
		t.Fatalf("6+6 over 52 cases: need %d repetitions a side, want 7 to 10", need)
	}
	for _, d := range six.Deltas {
		if d.Verdict != stats.VerdictUntested || d.Reason != stats.ReasonCorrection || d.MDEPct != nil {
			t.Fatalf("6+6 %s %s: verdict %s (%s), mde %v; want untested by the correction, no mde", d.Case, d.Metric, d.Verdict, d.Reason, d.MDEPct)
		}
	}
	enough := oneCaseSlower(t, 1, need, 1.3)
	if enough.Untested() {
		t.Errorf("%d+%d: untested (%d of %d cases tested)", need, need, enough.TestedCases, enough.MatchedCases)
	}
	for _, d := range enough.Deltas {
		want := stats.VerdictSame
		if d.Case == "t7/pingpong/64 B" {
			want = stats.VerdictRegression
		}
		if d.Verdict != want && (want != stats.VerdictSame || d.Verdict != stats.VerdictWithin) {
			t.Errorf("%d+%d %s %s: verdict %s, want %s", need, need, d.Case, d.Metric, d.Verdict, want)
		}
		if d.MDEPct == nil || *d.MDEPct < 5 || *d.MDEPct >= 30 {
			t.Errorf("%d+%d %s %s: mde %v, want 5 %% (the threshold) to under the 30 %% it caught", need, need, d.Case, d.Metric, d.MDEPct)
		}
	}
	if aa := oneCaseSlower(t, 1, need, 1); aa.Regressions() != 0 || aa.Untested() {
		t.Errorf("A/A at %d+%d: %d regressions, untested %v; want none, tested", need, need, aa.Regressions(), aa.Untested())
	}
}

// TestCompareMDEIsWhatTheTestCatches: the minimum detectable effect is a
// claim about the data in hand; a slowdown a little above it is flagged
// and one well below it is not.
func TestCompareMDEIsWhatTheTestCatches(t *testing.T) {
	probe := oneCaseSlower(t, 3, 10, 1)
	var mde float64
	for _, d := range probe.Deltas {
		if d.Case == "t7/pingpong/64 B" && d.Metric == "p50" {
			mde = *d.MDEPct
		}
	}
	if mde == 0 {
		t.Fatal("no mde for t7 p50")
	}
	above := oneCaseSlower(t, 3, 10, 1+1.5*mde/100)
	if v := verdicts(above, "t7")["p50"]; v != stats.VerdictRegression {
		t.Errorf("a slowdown of 1.5 × the mde (%.1f %%): p50 verdict %s, want regression", 1.5*mde, v)
	}
	below := oneCaseSlower(t, 3, 10, 1+0.3*mde/100)
	if v := verdicts(below, "t7")["p50"]; v == stats.VerdictRegression {
		t.Errorf("a slowdown of 0.3 × the mde (%.1f %%) was flagged", 0.3*mde)
	}
}

// TestCompareNewSideBreakageIsARegression: a case ok on base that failed
// or saturated on new is a regression, which --allow-untested cannot
// accept; one skipped on new (another host's abilities) is not.
func TestCompareNewSideBreakageIsARegression(t *testing.T) {
	for _, tc := range []struct {
		status string
		broken bool
	}{{results.StatusFailed, true}, {results.StatusSaturated, true}, {results.StatusSkipped, false}} {
		newer := side(2, 6, nil)
		newer.Cases[1].Status, newer.Cases[1].Reason = tc.status, "it went wrong"
		c := stats.Compare([]*results.File{side(1, 6, nil)}, []*results.File{newer}, defaults)
		if got := len(c.Broken) == 1 && c.Regressions() == 1; got != tc.broken {
			t.Errorf("new side %s: broken %q, %d regressions; want broken %v", tc.status, c.Broken, c.Regressions(), tc.broken)
		}
		if tc.broken && c.Untested() {
			t.Errorf("new side %s: the comparison is untested (%d of %d); a broken case is judged", tc.status, c.TestedCases, c.MatchedCases)
		}
	}
	base := side(1, 6, nil)
	base.Cases[1].Status = results.StatusFailed
	if c := stats.Compare([]*results.File{base}, []*results.File{side(2, 6, nil)}, defaults); len(c.Broken) != 0 {
		t.Errorf("a case that failed on base only is broken on new: %q", c.Broken)
	}
}
