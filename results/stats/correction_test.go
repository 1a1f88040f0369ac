package stats_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
	"github.com/ipcbench/ipcbench/results/stats"
)

func TestBenjaminiHochberg(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []float64
		want []float64
	}{
		{"none", nil, []float64{}},
		{"one is itself", []float64{0.03}, []float64{0.03}},
		// q(k) = min over j ≥ k of p(j)·m/j: 0.01·4/1, 0.02·4/2, 0.03·4/3, 0.5.
		{"sorted", []float64{0.01, 0.02, 0.03, 0.5}, []float64{0.04, 0.04, 0.04, 0.5}},
		{"unsorted keeps order", []float64{0.5, 0.03, 0.01, 0.02}, []float64{0.5, 0.04, 0.04, 0.04}},
		{"capped at 1", []float64{0.9, 0.95}, []float64{0.95, 0.95}},
		{"monotone", []float64{0.001, 0.04, 0.041}, []float64{0.003, 0.041, 0.041}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := stats.BenjaminiHochberg(tc.p)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// The synthetic tables of the tests below: 62 cases like a default run,
// each compared on p50, p99, throughput and cpu (248 tests), 6
// repetitions a side.
const (
	tableCases = 62
	tableReps  = 6
	trials     = 200
)

// falseAlarms counts, over trials A/A comparisons of tables whose
// repetitions scatter ±spread, how many would exit 1 (any regression)
// after the correction, and how many would have without it (a raw p <
// alpha beyond the threshold).
func falseAlarms(spread float64) (corrected, raw int) {
	for i := range uint64(trials) {
		a := resultstest.Table(2*i+1, tableCases, tableReps, 1, spread)
		b := resultstest.Table(2*i+2, tableCases, tableReps, 1, spread)
		c := stats.Compare([]*results.File{a}, []*results.File{b}, defaults)
		if c.Regressions() > 0 {
			corrected++
		}
		for _, d := range c.Deltas {
			if d.P != nil && *d.P < defaults.Alpha && worse(d) && math.Abs(d.DeltaPct) > defaults.Threshold*100 {
				raw++
				break
			}
		}
	}
	return corrected, raw
}

func worse(d stats.Delta) bool {
	if d.Metric == "throughput" {
		return d.DeltaPct < 0
	}
	return d.DeltaPct > 0
}

// TestCompareAAFalseAlarmRate: 200 A/A comparisons of 248 tests each,
// with noise (±15 %) wide enough that medians often differ by more than
// the 5 % threshold. Uncorrected, most of them would fail a CI gate;
// corrected by Benjamini-Hochberg, at most alpha of them may. The seeds
// are fixed, so the counts are the same on every run.
func TestCompareAAFalseAlarmRate(t *testing.T) {
	corrected, raw := falseAlarms(0.15)
	t.Logf("A/A: %d of %d comparisons exit 1 after the correction, %d without it", corrected, trials, raw)
	if limit := int(defaults.Alpha * trials); corrected > limit {
		t.Errorf("%d of %d A/A comparisons flagged a regression after the correction; want at most alpha × %d = %d", corrected, trials, trials, limit)
	}
	if raw < trials/2 {
		t.Errorf("only %d of %d A/A comparisons would fail uncorrected: the noise is too small for this test to show the correction's effect", raw, trials)
	}
}

// TestCompareCatchesBroadSlowdown: a 10 % slowdown of every case, under
// ±3 % noise, is caught (exit 1) in every one of 200 comparisons.
func TestCompareCatchesBroadSlowdown(t *testing.T) {
	caught := 0
	for i := range uint64(trials) {
		a := resultstest.Table(2*i+1, tableCases, tableReps, 1, 0.03)
		b := resultstest.Table(2*i+2, tableCases, tableReps, 1.10, 0.03)
		if stats.Compare([]*results.File{a}, []*results.File{b}, defaults).Regressions() > 0 {
			caught++
		}
	}
	t.Logf("broad 10%% slowdown: caught in %d of %d comparisons", caught, trials)
	if caught != trials {
		t.Errorf("a broad 10%% slowdown was caught in %d of %d comparisons, want all", caught, trials)
	}
}

// TestCompareCatchesOneSlowTransportOfThree: scripts/aa-gate.sh's
// injected slowdown, pipe 10 % slower among three cases (12 tests): the
// correction still lets it through at 6+6.
func TestCompareCatchesOneSlowTransportOfThree(t *testing.T) {
	caught := 0
	for seed := range uint64(50) {
		c := stats.Compare([]*results.File{side(seed*10, 6, nil)}, []*results.File{side(seed*10+5, 6, map[string]float64{"pipe": 1.1})}, defaults)
		if c.Regressions() > 0 && c.Tests == 12 {
			caught++
		}
	}
	if caught != 50 {
		t.Errorf("pipe 10%% slower caught in %d of 50 comparisons, want all", caught)
	}
}

// TestCompareSaysWhatTheCorrectionNeeds: with 248 tests at 6+6, no single
// test can survive the correction alone; compare says how many must reach
// the smallest p together.
func TestCompareSaysWhatTheCorrectionNeeds(t *testing.T) {
	a := resultstest.Table(1, tableCases, tableReps, 1, 0.03)
	b := resultstest.Table(2, tableCases, tableReps, 1, 0.03)
	c := stats.Compare([]*results.File{a}, []*results.File{b}, defaults)
	if c.Tests != 248 || c.Correction != stats.Correction || c.MinFlaggable != 11 || math.Abs(c.SmallestP-2.0/924) > 1e-9 {
		t.Errorf("tests %d, correction %s, min flaggable %d, smallest p %v; want 248, %s, 11 and 2/924",
			c.Tests, c.Correction, c.MinFlaggable, c.SmallestP, stats.Correction)
	}
	if out := table(t, c, "table"); !strings.Contains(out, "a change is flagged only where at least 11 tests reach that together") {
		t.Errorf("the output does not say what the correction needs:\n%s", out)
	}
	one := stats.Compare([]*results.File{side(1, 6, nil)}, []*results.File{side(2, 6, nil)}, defaults)
	if one.MinFlaggable != 1 {
		t.Errorf("12 tests at 6+6: min flaggable %d, want 1", one.MinFlaggable)
	}
}

// TestCompareCorrectionThatCannotFireIsUntested: where even the smallest
// p-values the sample counts allow cannot survive the correction, the
// tests are untested (exit 3), not passed.
func TestCompareCorrectionThatCannotFireIsUntested(t *testing.T) {
	opt := defaults
	opt.Alpha = 2.0 / 70 // the smallest p at 4+4: q can only equal it, never fall below
	c := stats.Compare([]*results.File{side(1, 4, nil)}, []*results.File{side(2, 4, map[string]float64{"pipe": 2})}, opt)
	if c.Regressions() != 0 || c.TestedCases != 0 || !c.Untested() {
		t.Fatalf("%d regressions, %d tested; want 0 and 0, untested", c.Regressions(), c.TestedCases)
	}
	for _, d := range c.Deltas {
		if d.Verdict != stats.VerdictUntested || d.Reason != stats.ReasonCorrection {
			t.Errorf("%s %s: verdict %s (%s), want untested by the correction", d.Case, d.Metric, d.Verdict, d.Reason)
		}
	}
	if !strings.Contains(strings.Join(c.Warnings, "\n"), "could not have flagged a regression confined to their case") {
		t.Errorf("warnings do not say the correction cannot fire: %q", c.Warnings)
	}
}

// TestCompareRefusesThinTails: the sample-count rule. A percentile with
// fewer than results.MinTailSamples samples beyond it is untested, with
// its count; p50 of the same runs is tested; a file with neither samples
// nor histogram leaves p99 unknown, and untested, but p50 tested.
func TestCompareRefusesThinTails(t *testing.T) {
	thin := func(seed uint64, samples uint64, scale float64) *results.File {
		f := resultstest.Table(seed, 1, 6, scale, 0.03)
		for i := range f.Cases[0].Repetitions {
			f.Cases[0].Repetitions[i].Samples = samples
		}
		f.Cases[0].Samples = 6 * samples
		return f
	}
	opt := defaults
	opt.Metrics, _ = stats.ParseMetrics([]string{"p50", "p99", "p999"})
	for _, tc := range []struct {
		name    string
		samples uint64
		want    map[string]string // metric: verdict
		tail    float64           // p999's tail samples shown
	}{
		{"13 beyond p99.9", 13_000, map[string]string{"p50": "regression", "p99": "regression", "p999": "untested"}, 13},
		{"50 beyond p99", 5_000, map[string]string{"p50": "regression", "p99": "untested", "p999": "untested"}, 5},
		{"100 beyond p99.9 suffices", 100_000, map[string]string{"p50": "regression", "p99": "regression", "p999": "regression"}, 100},
		{"unknown", 0, map[string]string{"p50": "regression", "p99": "untested", "p999": "untested"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := thin(1, tc.samples, 1), thin(2, tc.samples, 1.2)
			if tc.samples == 0 {
				a.Cases[0].Samples, b.Cases[0].Samples = 0, 0
			}
			c := stats.Compare([]*results.File{a}, []*results.File{b}, opt)
			for _, d := range c.Deltas {
				if d.Verdict != tc.want[d.Metric] {
					t.Errorf("%s: verdict %s (%s), want %s", d.Metric, d.Verdict, d.Reason, tc.want[d.Metric])
				}
				if d.Metric != "p999" {
					continue
				}
				switch {
				case tc.tail < 0 && d.Base.TailSamples != nil:
					t.Errorf("p999 tail %v, want unknown", *d.Base.TailSamples)
				case tc.tail >= 0 && (d.Base.TailSamples == nil || math.Abs(*d.Base.TailSamples-tc.tail) > 1e-6):
					t.Errorf("p999 tail %v, want %v", d.Base.TailSamples, tc.tail)
				}
			}
			if tc.want["p999"] == "untested" && !c.Untested() {
				t.Errorf("a thin tail left the comparison tested")
			}
			if out := table(t, c, "table"); tc.tail >= 0 && tc.tail < 100 && !strings.Contains(out, "- (tail n=") {
				t.Errorf("the table does not show the tail count:\n%s", out)
			}
		})
	}
}

// TestCompareLeavesOutThinTailsWhenAsked: with LeaveOutThinTails, a
// percentile on too few samples beyond it is listed in TailsLeftOut
// instead of leaving its case untested, and the rest is gated as before.
func TestCompareLeavesOutThinTailsWhenAsked(t *testing.T) {
	thin := func(seed uint64, scale float64) *results.File {
		f := resultstest.Table(seed, 1, 6, scale, 0.03)
		for i := range f.Cases[0].Repetitions {
			f.Cases[0].Repetitions[i].Samples = 5_000
		}
		f.Cases[0].Samples = 6 * 5_000
		return f
	}
	opt := defaults
	opt.Metrics, _ = stats.ParseMetrics([]string{"p50", "p99"})
	opt.LeaveOutThinTails = true
	c := stats.Compare([]*results.File{thin(1, 1)}, []*results.File{thin(2, 1.2)}, opt)
	if c.Untested() || len(c.Deltas) != 1 || c.Deltas[0].Metric != "p50" || c.Deltas[0].Verdict != stats.VerdictRegression {
		t.Errorf("untested %v, deltas %+v; want p50 alone, a regression, and the case tested", c.Untested(), c.Deltas)
	}
	if len(c.TailsLeftOut) != 1 || !strings.HasSuffix(c.TailsLeftOut[0], " p99") {
		t.Errorf("tails left out %q, want the case's p99", c.TailsLeftOut)
	}
}
