package stats_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"

	"github.com/ipcbench/ipcbench/results"
	"github.com/ipcbench/ipcbench/results/resultstest"
)

// TestHistoryOrdersRunsAndFlagsAStep builds eight nightly runs, given out
// of order, whose pipe p50 steps up by 20 % from the sixth night on, while
// tcp stays flat; history must put them in time order and flag the step
// at the sixth run only.
func TestHistoryOrdersRunsAndFlagsAStep(t *testing.T) {
	day0 := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	var files []*results.File
	var paths []string
	for _, night := range []int{4, 0, 7, 2, 5, 1, 6, 3} {
		scale := 1.0
		if night >= 5 {
			scale = 1.2
		}
		files = append(files, resultstest.File(day0.AddDate(0, 0, night), fmt.Sprintf("c%d", night),
			resultstest.Case("pipe", 64, resultstest.Noisy(uint64(night), 6, 20000*scale, 0.03)...),
			resultstest.Case("tcp", 64, resultstest.Noisy(uint64(100+night), 6, 40000, 0.03)...)))
		paths = append(paths, fmt.Sprintf("night%d.json", night))
	}
	p50, _ := stats.MetricByName("p50")
	h := stats.BuildHistory(files, paths, p50, nil, 0.05, 0.05)
	for i, r := range h.Runs {
		if r.Commit != fmt.Sprintf("c%d", i) {
			t.Fatalf("run %d is commit %s: runs are not in time order", i, r.Commit)
		}
	}
	if len(h.Series) != 2 || len(h.Series[0].Points) != 8 {
		t.Fatalf("%d series, want pipe and tcp with 8 points each", len(h.Series))
	}
	for _, s := range h.Series {
		for i, p := range s.Points {
			want := ""
			switch {
			case i == 0:
				want = ""
			case s.Case == "pipe/pingpong/64 B" && i == 5:
				want = stats.VerdictRegression
			}
			got := p.Verdict
			if got == stats.VerdictSame || got == stats.VerdictWithin {
				got = ""
			}
			if got != want {
				t.Errorf("%s run %d: verdict %q (%+.1f%%), want %q", s.Case, i+1, p.Verdict, p.DeltaPct, want)
			}
		}
	}
	var b bytes.Buffer
	if err := format.WriteHistory(&b, "table", h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "▲ regression") || !strings.Contains(b.String(), "1 regressions, 0 improvements") {
		t.Errorf("table does not flag the step:\n%s", b.String())
	}

	only := stats.BuildHistory(files, paths, p50, []string{"tcp/pingpong/64B"}, 0.05, 0.05)
	if len(only.Series) != 1 || only.Series[0].Case != "tcp/pingpong/64 B" {
		t.Errorf("--case tcp/pingpong/64B kept %d series", len(only.Series))
	}
}

// TestHistoryShowsFlags: a case flagged in a run shows its flags in that
// run's row.
func TestHistoryShowsFlags(t *testing.T) {
	var files []*results.File
	for i := range 2 {
		c := resultstest.Case("pipe", 64, resultstest.Noisy(uint64(i), 6, 20000, 0.03)...)
		if i == 1 {
			c.Flags = []results.Flag{{Name: results.FlagOverhead, Detail: "54 %"}}
		}
		files = append(files, resultstest.File(time.Unix(1e9+int64(i), 0), "c", c))
	}
	p50, _ := stats.MetricByName("p50")
	h := stats.BuildHistory(files, []string{"a", "b"}, p50, nil, 0.05, 0.05)
	if got := h.Series[0].Points[1].Flags; len(got) != 1 || got[0].Name != results.FlagOverhead {
		t.Fatalf("point flags %+v, want overhead", got)
	}
	var b bytes.Buffer
	format.WriteHistory(&b, "table", h)
	if !strings.Contains(b.String(), "OVERHEAD (54 %)") {
		t.Errorf("history does not show the flag:\n%s", b.String())
	}
}
