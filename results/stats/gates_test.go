package stats_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func table(t *testing.T, c *stats.Comparison, name string) string {
	t.Helper()
	var b bytes.Buffer
	if err := format.WriteComparison(&b, name, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCompareCoverage checks that a comparison counts the cases it could
// test, and that its last line never says "No regressions." over cases it
// did not test.
func TestCompareCoverage(t *testing.T) {
	partialNew := side(2, 6, nil)
	partialNew.Cases[2] = resultstest.Case("sysv-shm", 64, 60000) // one repetition
	failedNew := side(2, 6, nil)
	failedNew.Cases[1].Status, failedNew.Cases[1].Reason = results.StatusFailed, "side b died"
	skippedBoth := []*results.File{side(1, 6, nil), side(2, 6, nil)}
	for _, f := range skippedBoth {
		f.Cases = append(f.Cases, results.Case{Transport: "io-uring", Workload: "pingpong", SizeBytes: 64, Status: results.StatusSkipped, Reason: "unsupported"})
	}
	other := side(2, 6, nil)
	for i := range other.Cases {
		other.Cases[i].SizeBytes = 4096
	}
	for _, tc := range []struct {
		name            string
		base, new       *results.File
		tested, matched int
		last            string
	}{
		{"all tested", side(1, 6, nil), side(2, 6, nil), 3, 3, "No regressions."},
		{"one repetition a side", side(1, 1, nil), side(2, 1, nil), 0, 3, "Untested: none of the 3 cases measured on both sides could be tested"},
		{"one case short", side(1, 6, nil), partialNew, 2, 3, "Untested: 1 of the 3 cases measured on both sides could not be tested; no regressions in the other 2."},
		{"failed on the new side is a regression", side(1, 6, nil), failedNew, 3, 3, "1 regressions."},
		{"the only case untested", func() *results.File { f := side(1, 1, nil); f.Cases = f.Cases[:1]; return f }(), func() *results.File { f := side(2, 1, nil); f.Cases = f.Cases[:1]; return f }(), 0, 1, "Untested: the one case measured on both sides could not be tested"},
		{"skipped on both sides is not a gap", skippedBoth[0], skippedBoth[1], 3, 3, "No regressions."},
		{"nothing in common", side(1, 6, nil), other, 0, 0, "Untested: no case was measured on both sides"},
		{"regression beside an untested case", side(1, 6, nil), func() *results.File {
			f := side(2, 6, map[string]float64{"pipe": 1.3})
			f.Cases[2] = resultstest.Case("sysv-shm", 64, 60000)
			return f
		}(), 2, 3, "4 regressions; 1 of the 3 cases measured on both sides could not be tested."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stats.Compare([]*results.File{tc.base}, []*results.File{tc.new}, defaults)
			if c.TestedCases != tc.tested || c.MatchedCases != tc.matched {
				t.Errorf("tested %d of %d cases, want %d of %d", c.TestedCases, c.MatchedCases, tc.tested, tc.matched)
			}
			if got := c.Untested(); got != (tc.tested < tc.matched || tc.matched == 0) {
				t.Errorf("Untested() = %v", got)
			}
			for _, name := range []string{"table", "markdown"} {
				out := table(t, c, name)
				if last := lastLine(out); !strings.HasPrefix(last, tc.last) {
					t.Errorf("%s: last line %q, want it to start %q\n%s", name, last, tc.last, out)
				}
			}
			if out := table(t, c, "json"); !strings.Contains(out, `"tested_cases"`) {
				t.Errorf("json lacks tested_cases:\n%s", out)
			}
		})
	}
}

// TestCompareUnitsMatchValues checks that a table's header names the unit
// its cells are printed in, and that the footer explains ± only when a
// cell shows one.
func TestCompareUnitsMatchValues(t *testing.T) {
	six := stats.Compare([]*results.File{side(1, 6, nil)}, []*results.File{side(2, 6, nil)}, defaults)
	out := table(t, six, "table")
	if !strings.Contains(out, "p50 (µs, lower is better)") || !strings.Contains(out, "cpu (µs/msg, lower is better)") {
		t.Errorf("headers do not name the µs the values are printed in:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "pipe/") && strings.Contains(line, "µs") {
			t.Errorf("a cell repeats a unit the header already gives: %q", line)
		}
	}
	if !strings.Contains(out, "±") || !strings.Contains(out, "± is the 95% confidence interval") {
		t.Errorf("six repetitions: want ± cells and their explanation:\n%s", out)
	}
	three := stats.Compare([]*results.File{side(1, 3, nil)}, []*results.File{side(2, 3, nil)}, defaults)
	out = table(t, three, "table")
	if strings.Contains(out, "±") {
		t.Errorf("three repetitions show no interval, yet the output mentions ±:\n%s", out)
	}
}

func TestHistoryUnitsMatchValues(t *testing.T) {
	var files []*results.File
	for i := range 2 {
		files = append(files, resultstest.File(time.Unix(1e9+int64(i), 0), "c", resultstest.Case("pipe", 64, resultstest.Noisy(uint64(i), 6, 20000, 0.03)...)))
	}
	p50, _ := stats.MetricByName("p50")
	h := stats.BuildHistory(files, []string{"a", "b"}, p50, nil, 0.05, 0.05)
	var b bytes.Buffer
	format.WriteHistory(&b, "table", h)
	if !strings.Contains(b.String(), "pipe/pingpong/64 B, p50 (µs)") || strings.Contains(b.String(), "µs ±") {
		t.Errorf("history header and cells disagree on the unit:\n%s", b.String())
	}
}

// TestHistoryCoverage: a history of one run, or of steps too short to
// test, says so instead of "0 regressions".
func TestHistoryCoverage(t *testing.T) {
	p50, _ := stats.MetricByName("p50")
	mk := func(reps int, n int) []*results.File {
		var files []*results.File
		for i := range n {
			files = append(files, resultstest.File(time.Unix(1e9+int64(i), 0), "c", resultstest.Case("pipe", 64, resultstest.Noisy(uint64(i), reps, 20000, 0.03)...)))
		}
		return files
	}
	for _, tc := range []struct {
		name            string
		files           []*results.File
		tested, untestd int
		last            string
	}{
		{"one run", mk(6, 1), 0, 0, "Untested: 1 run: no step to test"},
		{"one repetition", mk(1, 3), 0, 2, "Untested: 2 of 2 steps"},
		{"tested", mk(6, 3), 2, 0, "3 runs, 1 cases."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := stats.BuildHistory(tc.files, make([]string, len(tc.files)), p50, nil, 0.05, 0.05)
			tested, untested := h.Steps()
			if tested != tc.tested || untested != tc.untestd {
				t.Errorf("steps tested %d untested %d, want %d and %d", tested, untested, tc.tested, tc.untestd)
			}
			var b bytes.Buffer
			format.WriteHistory(&b, "table", h)
			if last := lastLine(b.String()); !strings.HasPrefix(last, tc.last) {
				t.Errorf("last line %q, want it to start %q", last, tc.last)
			}
		})
	}
}

// TestDifferences: compare and history name the host and configuration
// keys whose values differ, and say which of them change the figures.
func TestDifferences(t *testing.T) {
	a := side(1, 6, nil)
	b := side(2, 6, nil)
	b.Host.Kernel = "Linux 6.8"
	b.Host.Commit = "def"
	b.Config.DurationNs = 2e9
	c := stats.Compare([]*results.File{a}, []*results.File{b}, defaults)
	got := map[string]stats.Difference{}
	for _, d := range c.Differences {
		got[d.Key] = d
	}
	if len(got) != 3 || !got["kernel"].Skews || !got["duration"].Skews || got["ipcbench_commit"].Skews {
		t.Fatalf("differences %+v; want kernel and duration (skewing) and commit (not)", c.Differences)
	}
	if v := got["kernel"].Values; len(v) != 2 || v[0] != "Linux test" || v[1] != "Linux 6.8" {
		t.Errorf("kernel values %q", v)
	}
	if c.Skewed() != "kernel, duration" {
		t.Errorf("Skewed() = %q", c.Skewed())
	}
	out := table(t, c, "table")
	if !strings.HasPrefix(out, "host and configuration differ") || !strings.Contains(out, "kernel") || !strings.Contains(out, "Linux 6.8") {
		t.Errorf("no difference header:\n%s", out)
	}
	same := stats.Compare([]*results.File{side(1, 6, nil)}, []*results.File{side(2, 6, nil)}, defaults)
	if len(same.Differences) != 0 || strings.Contains(table(t, same, "table"), "host and configuration differ") {
		t.Errorf("identical hosts: differences %+v", same.Differences)
	}

	p50, _ := stats.MetricByName("p50")
	runs := []*results.File{side(1, 6, nil), side(2, 6, nil), side(3, 6, nil)}
	for i, f := range runs {
		f.StartedAt = time.Unix(1e9+int64(i), 0)
	}
	runs[2].Host.CPUModel = "Other CPU"
	h := stats.BuildHistory(runs, []string{"1", "2", "3"}, p50, nil, 0.05, 0.05)
	if len(h.Differences) != 1 || h.Differences[0].Key != "cpu_model" || h.Skewed() != "cpu_model" {
		t.Fatalf("history differences %+v", h.Differences)
	}
	var hb bytes.Buffer
	format.WriteHistory(&hb, "table", h)
	if !strings.Contains(hb.String(), "Other CPU (run 3)") {
		t.Errorf("history header does not say which run differs:\n%s", hb.String())
	}
}

// TestCompareIncompleteRunIsUntested: a new run interrupted after its
// first case must not pass as "No regressions." over that case alone; the
// cases it never reached are untested, not merely "only in base".
func TestCompareIncompleteRunIsUntested(t *testing.T) {
	base := side(1, 6, nil)
	cut := side(2, 6, nil)
	cut.Cases = cut.Cases[:1]
	cut.Incomplete = "interrupted (signal: interrupt) after 1 of 3 case runs"
	c := stats.Compare([]*results.File{base}, []*results.File{cut}, defaults)
	if c.MatchedCases != 3 || c.TestedCases != 1 || !c.Untested() {
		t.Errorf("tested %d of %d, want 1 of 3", c.TestedCases, c.MatchedCases)
	}
	out := table(t, c, "table")
	if !strings.Contains(out, "new run stopped before it: interrupted") || !strings.HasPrefix(lastLine(out), "Untested: 2 of the 3 cases") {
		t.Errorf("the cases the new run never reached are not called untested:\n%s", out)
	}
	// A subset run on purpose, complete, only lists what it left out.
	subset := side(2, 6, nil)
	subset.Cases = subset.Cases[:1]
	if c := stats.Compare([]*results.File{base}, []*results.File{subset}, defaults); c.Untested() || len(c.OnlyBase) != 2 {
		t.Errorf("a complete subset run: tested %d of %d, only in base %q", c.TestedCases, c.MatchedCases, c.OnlyBase)
	}
}

// TestHistoryIncompleteRunIsUntested: a run interrupted before some cases
// leaves their steps untested, and history says so.
func TestHistoryIncompleteRunIsUntested(t *testing.T) {
	p50, _ := stats.MetricByName("p50")
	a, b := side(1, 6, nil), side(2, 6, nil)
	a.StartedAt, b.StartedAt = time.Unix(1e9, 0), time.Unix(1e9+1, 0)
	b.Cases = b.Cases[:1]
	b.Incomplete = "interrupted (signal: interrupt) after 1 of 3 case runs"
	h := stats.BuildHistory([]*results.File{a, b}, []string{"a", "b"}, p50, nil, 0.05, 0.05)
	var out bytes.Buffer
	format.WriteHistory(&out, "table", h)
	if len(h.IncompleteRuns()) != 1 || !strings.HasPrefix(lastLine(out.String()), "Untested: run 2 stopped early") {
		t.Errorf("incomplete runs %v; last line %q", h.IncompleteRuns(), lastLine(out.String()))
	}
}
