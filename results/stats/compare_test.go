package stats_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

var defaults = stats.CompareOptions{Threshold: 0.05, Alpha: 0.05}

func init() {
	m, err := stats.ParseMetrics([]string{"p50", "p99", "throughput", "cpu"})
	if err != nil {
		panic(err)
	}
	defaults.Metrics = m
}

// side builds one results file of three transports whose p50s are drawn
// with ±3 % noise around center×scale.
func side(seed uint64, reps int, scale map[string]float64) *results.File {
	var cases []results.Case
	for i, tr := range []string{"pipe", "unix-stream", "sysv-shm"} {
		s := scale[tr]
		if s == 0 {
			s = 1
		}
		cases = append(cases, resultstest.Case(tr, 64, resultstest.Noisy(seed+uint64(i), reps, 22000*s*float64(i+1), 0.03)...))
	}
	return resultstest.File(time.Unix(1e9, 0), "abc", cases...)
}

func verdicts(c *stats.Comparison, tr string) map[string]string {
	v := map[string]string{}
	for _, d := range c.Deltas {
		if strings.HasPrefix(d.Case, tr+"/") {
			v[d.Metric] = d.Verdict
		}
	}
	return v
}

func TestCompareAAIsClean(t *testing.T) {
	// Many seeds: at alpha 0.05 an A/A pair may be significant by chance,
	// but the 5 % threshold keeps ±3 % noise from ever being a regression.
	for seed := uint64(0); seed < 50; seed++ {
		c := stats.Compare([]*results.File{side(seed*10, 6, nil)}, []*results.File{side(seed*10+5, 6, nil)}, defaults)
		if n := c.Regressions(); n != 0 {
			var b bytes.Buffer
			format.WriteComparison(&b, "table", c)
			t.Fatalf("seed %d: A/A comparison reported %d regressions:\n%s", seed, n, b.String())
		}
		if len(c.Deltas) != 12 || len(c.Geomeans) != 4 {
			t.Fatalf("compared %d deltas and %d geomeans, want 3 cases × 4 metrics and 4", len(c.Deltas), len(c.Geomeans))
		}
	}
}

func TestCompareFlagsSlowdownAndSpeedup(t *testing.T) {
	base := side(1, 6, nil)
	slow := side(2, 6, map[string]float64{"pipe": 1.2})
	c := stats.Compare([]*results.File{base}, []*results.File{slow}, defaults)
	v := verdicts(c, "pipe")
	for _, m := range []string{"p50", "p99", "throughput", "cpu"} {
		if v[m] != stats.VerdictRegression {
			t.Errorf("20%% slower pipe: %s verdict %q, want regression", m, v[m])
		}
	}
	if c.Regressions() != 4 {
		t.Errorf("%d regressions, want the 4 metrics of pipe only", c.Regressions())
	}
	var b bytes.Buffer
	format.WriteComparison(&b, "table", c)
	if !strings.Contains(b.String(), "4 regressions.") || !strings.Contains(b.String(), "+2") {
		t.Errorf("table does not report the regression:\n%s", b.String())
	}

	fast := side(2, 6, map[string]float64{"pipe": 0.8})
	c = stats.Compare([]*results.File{base}, []*results.File{fast}, defaults)
	if c.Regressions() != 0 || verdicts(c, "pipe")["p50"] != stats.VerdictImprovement ||
		verdicts(c, "pipe")["throughput"] != stats.VerdictImprovement {
		t.Errorf("20%% faster pipe: %d regressions, verdicts %v; want improvements", c.Regressions(), verdicts(c, "pipe"))
	}
}

func TestCompareTooFewRepetitionsWarnsWithoutP(t *testing.T) {
	c := stats.Compare([]*results.File{side(1, 3, nil)}, []*results.File{side(2, 3, map[string]float64{"pipe": 2})}, defaults)
	if c.Regressions() != 0 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "6 rounds or more") {
		t.Fatalf("3+3 repetitions: %d regressions, warnings %q; want none and a warning", c.Regressions(), c.Warnings)
	}
	for _, d := range c.Deltas {
		if d.P != nil || d.Verdict != stats.VerdictUntested {
			t.Errorf("%s %s: p %v verdict %s, want no p-value", d.Case, d.Metric, d.P, d.Verdict)
		}
	}
	var b bytes.Buffer
	format.WriteComparison(&b, "json", c)
	if strings.Contains(b.String(), `"p":`) {
		t.Errorf("json carries a p-value for an untestable comparison:\n%s", b.String())
	}
}

func TestCompareListsOneSidedAndFailedCases(t *testing.T) {
	base := side(1, 6, nil)
	newer := side(2, 6, nil)
	newer.Cases = newer.Cases[1:] // pipe missing
	newer.Cases = append(newer.Cases, resultstest.Case("tcp", 64, resultstest.Noisy(9, 6, 40000, 0.03)...))
	newer.Cases[0].Status, newer.Cases[0].Reason = results.StatusFailed, "side b died"
	c := stats.Compare([]*results.File{base}, []*results.File{newer}, defaults)
	if len(c.OnlyBase) != 1 || c.OnlyBase[0] != "pipe/pingpong/64 B" || len(c.OnlyNew) != 1 || c.OnlyNew[0] != "tcp/pingpong/64 B" {
		t.Errorf("only base %q, only new %q", c.OnlyBase, c.OnlyNew)
	}
	if len(c.Broken) != 1 || !strings.Contains(c.Broken[0], "unix-stream") || !strings.Contains(c.Broken[0], "side b died") {
		t.Errorf("broken %q, want unix-stream with its reason", c.Broken)
	}
	for _, name := range format.CompareFormats {
		var b bytes.Buffer
		if err := format.WriteComparison(&b, name, c); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"pipe/pingpong/64 B", "tcp/pingpong/64 B", "side b died"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s output lacks %q", name, want)
			}
		}
		if name == "json" && !json.Valid(b.Bytes()) {
			t.Errorf("json output is not JSON")
		}
	}
}

// TestComparePoolsFilesAsRounds: where a side pools several files (the
// rounds of ipcbench ab), each file's median is one sample,
// since a round's repetitions share its host state; two rounds of three
// repetitions are two samples, too few for a test, and six rounds are six.
func TestComparePoolsFilesAsRounds(t *testing.T) {
	rounds := func(seed uint64, n, reps int, scale map[string]float64) []*results.File {
		var fs []*results.File
		for i := range n {
			fs = append(fs, side(seed+uint64(10*i), reps, scale))
		}
		return fs
	}
	slow := map[string]float64{"pipe": 1.2}
	two := stats.Compare(rounds(1, 2, 3, nil), rounds(2, 2, 3, slow), defaults)
	if two.Unit != stats.UnitFile || two.TestedCases != 0 || two.Deltas[0].Base.N != 2 {
		t.Errorf("2 rounds of 3: unit %s, tested %d, n=%d; want file, 0 and 2", two.Unit, two.TestedCases, two.Deltas[0].Base.N)
	}
	six := stats.Compare(rounds(1, 6, 2, nil), rounds(2, 6, 2, slow), defaults)
	if six.Regressions() != 4 || six.Deltas[0].Base.N != 6 || six.TestedCases != 3 {
		t.Errorf("6 rounds of 2: %d regressions, n=%d, tested %d; want 4, 6 and 3", six.Regressions(), six.Deltas[0].Base.N, six.TestedCases)
	}
	one := stats.Compare([]*results.File{side(1, 6, nil)}, []*results.File{side(2, 6, nil)}, defaults)
	if one.Unit != stats.UnitRepetition || one.Deltas[0].Base.N != 6 {
		t.Errorf("one file a side: unit %s, n=%d; want repetition and 6", one.Unit, one.Deltas[0].Base.N)
	}
}

// TestCompareCountsFlags: each flagged case counts, per side, the files
// carrying each flag, however many flags of one name a file's case holds.
func TestCompareCountsFlags(t *testing.T) {
	flag := func(f *results.File, flags ...results.Flag) *results.File {
		f.Cases[0].Flags = flags
		return f
	}
	noisy := func(detail string) results.Flag { return results.Flag{Name: results.FlagNoisy, Detail: detail} }
	drift := results.Flag{Name: results.FlagDrift, Detail: "p50 +13 %"}
	base := []*results.File{flag(side(1, 2, nil), noisy("a"), noisy("b"), drift), flag(side(11, 2, nil), noisy("c")), side(21, 2, nil), side(31, 2, nil)}
	newer := []*results.File{side(2, 2, nil), side(12, 2, nil), flag(side(22, 2, nil), drift), side(32, 2, nil)}
	c := stats.Compare(base, newer, defaults)
	want := []stats.CaseFlags{{Case: "pipe/pingpong/64 B",
		Base: stats.SideFlags{Files: 4, Counts: []stats.FlagCount{{Name: "noisy", Files: 2}, {Name: "drift", Files: 1}}},
		New:  stats.SideFlags{Files: 4, Counts: []stats.FlagCount{{Name: "drift", Files: 1}}}}}
	got, _ := json.Marshal(c.FlagCounts)
	w, _ := json.Marshal(want)
	if !bytes.Equal(got, w) || len(c.Flagged) != 1 {
		t.Errorf("flag counts %s, want %s; flagged %q", got, w, c.Flagged)
	}
}
